"""The package's shape: teaching order is dependency order, exported cells stay small, and nothing patches a model at run time."""
import ast
import json
import re
from pathlib import Path

from conftest import ROOT


def notebooks() -> dict:
    "module name -> (notebook number, notebook path) for every notebook that exports a module."
    out = {}
    for nb in sorted((ROOT / "nbs").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        exp = next((m[1] for c in cells for m in [re.match(r"#\|\s*default_exp\s+(\S+)", "".join(c["source"]))] if m), None)
        if exp: out[exp] = (int(nb.name[:2]), nb)
    return out

def package_imports(path: Path) -> set:
    "Modules of stackmff_nb that a module imports, anywhere in it (lazy imports inside functions count too)."
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 1: names.add(mod.split(".")[0] if mod else "")
            elif mod.startswith("stackmff_nb."): names.add(mod.split(".")[1])
            elif mod == "stackmff_nb": names.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("stackmff_nb."))
    return names - {""}

def test_every_module_imports_only_earlier_notebooks():
    nbs = notebooks()
    assert len(nbs) >= 16
    late = []
    for mod, (num, _) in nbs.items():
        for dep in package_imports(ROOT / "stackmff_nb" / f"{mod.replace('.', '/')}.py"):
            if dep in nbs and nbs[dep][0] >= num: late.append(f"{mod} ({num:02d}) imports {dep} ({nbs[dep][0]:02d})")
    assert not late, "\n".join(late)

def test_exported_cells_are_small():
    long = []
    for nb in (ROOT / "nbs").glob("*.ipynb"):
        for c in json.loads(nb.read_text())["cells"]:
            src = "".join(c["source"]).split("\n")
            if c["cell_type"] == "code" and src and src[0].startswith("#| export"):
                n = len(src)                                  # every line of the cell's source, directive and blanks included
                if n > 45: long.append(f"{nb.name}: {n} lines: {src[1][:60]}")
    assert not long, "\n".join(long)

def test_no_run_time_patching():
    bad = re.compile(r"register_forward(_pre)?_hook|__class__\s*=[^=]|__dict__\[|\.pooled\s*=[^=]|\.up\s*=[^=]")
    package_class = "sys.modules[__name__].__class__ = _Package"   # __init__: the package's own module class, not a model's
    hits = [f"{p.name}:{i + 1}: {l.strip()}" for p in (ROOT / "stackmff_nb").glob("*.py") if p.name != "_modidx.py"
            for i, l in enumerate(p.read_text().split("\n")) if bad.search(l) and not l.startswith(package_class)]
    assert not hits, "\n".join(hits)

def test_notebooks_are_light():
    "No committed notebook over 1 MB: figures are saved as plotly JSON or JPEG, never with a copy of plotly.js (17_widgets)."
    heavy = [f"{nb.name}: {nb.stat().st_size / 1e6:.2f} MB" for nb in (ROOT / "nbs").glob("*.ipynb") if nb.stat().st_size > 1_000_000]
    assert not heavy, "\n".join(heavy)
