__version__ = "0.1.0"
"StackMFF V2 multi-focus image stack fusion: the public API (see DESIGN in the docs)."
from .core import StackError
from .io import Stack, read_stack, read_image, write_image
from .regression import FusionResult
from .model import StackMFFV2, load_model
from .fuse import fuse
