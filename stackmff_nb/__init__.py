__version__ = "0.1.0"
"StackMFF V2 multi-focus image stack fusion: the public API (see DESIGN in the docs)."
import os

# Before torch allocates anything: its CPU allocator then asks for transparent huge pages for tensors of 2 MB and
# more, so a fresh tensor faults once per 2 MB, not once per 4 KB page (ULDA-Net 2.4x faster at 7.7 MP; lesson 10).
os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")

from .core import StackError
from .fuse import fuse
from .io import Stack, read_image, read_stack, write_image
from .model import StackMFFV2, load_model
from .regression import FusionResult

__all__ = ["StackError", "Stack", "read_stack", "read_image", "write_image", "FusionResult", "StackMFFV2", "load_model", "fuse"]
