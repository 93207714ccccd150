__version__ = "0.1.0"
"StackMFF V2 multi-focus image stack fusion: the public API (see DESIGN in the docs)."
from .core import StackError
from .fuse import fuse
from .io import Stack, read_image, read_stack, write_image
from .model import StackMFFV2, load_model
from .regression import FusionResult

__all__ = ["StackError", "Stack", "read_stack", "read_image", "write_image", "FusionResult", "StackMFFV2", "load_model", "fuse"]
