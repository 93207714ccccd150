__version__ = "0.1.0"
"StackMFF V2 multi-focus image stack fusion: the public API (see DESIGN in the docs), imported on first use."
import importlib
import os
import sys
import types

# Before torch allocates anything: its CPU allocator then asks for transparent huge pages for tensors of 2 MB and
# more, so a fresh tensor faults once per 2 MB, not once per 4 KB page (ULDA-Net 2.4x faster at 7.7 MP; lesson 10).
os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")

# Public name -> the module that defines it. Each is imported when first used, so that the `stackmff-nb` program's
# client (`stackmff_nb.server.run`, lesson 20) starts without torch.
_API = dict(StackError="core", Stack="io", read_stack="io", read_image="io", write_image="io", FusionResult="regression",
            StackMFFV2="model", load_model="model", fuse="fuse")
__all__ = list(_API)

def __getattr__(name):
    if name not in _API: raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    return value

def __dir__(): return sorted({*globals(), *_API})

class _Package(types.ModuleType):
    "Importing a submodule binds it on its package: the module `fuse` must not hide the function `fuse` that way."
    def __setattr__(self, name, value):
        if not (name in _API and isinstance(value, types.ModuleType)): super().__setattr__(name, value)

sys.modules[__name__].__class__ = _Package  # the documented way to customise a module's attributes (Python's data model)
