"""Write README.md from nbs/index.ipynb (markdown cells, code cells and their text outputs).

`nbdev-readme` needs Quarto, which these machines cannot install; this does the same job for the
subset of Markdown our index page uses. `--check` exits 1 if README.md is out of date."""
import json
import os
import re
import sys
from pathlib import Path

LINK = re.compile(r"(\]\()([^)\s]+)(\))")

def from_root(md: str) -> str:
    "Links written for nbs/index.ipynb (relative to nbs/, as the docs site resolves them) made relative to the repository root."
    def fix(m):
        url = m.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:|#|/", url): return m.group(0)        # absolute, an anchor, or from the site root
        path, _, anchor = url.partition("#")
        new = os.path.normpath(os.path.join("nbs", path)).replace(os.sep, "/")
        return m.group(1) + new + ("#" + anchor if anchor else "") + m.group(3)
    return LINK.sub(fix, md)

def render(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    out = []
    for c in nb["cells"]:
        src = "".join(c["source"]).strip()
        if not src or src.startswith("#|") and "hide" in src.split("\n")[0]: continue
        if c["cell_type"] == "markdown": out.append(from_root(src))
        elif c["cell_type"] == "code":
            out.append(f"```python\n{src}\n```")
            for o in c.get("outputs", []):
                text = o.get("text") or o.get("data", {}).get("text/plain")
                if text: out.append("    " + "".join(text).rstrip().replace("\n", "\n    "))
    return "\n\n".join(out) + "\n"

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    text = render(root / "nbs" / "index.ipynb")
    readme = root / "README.md"
    if "--check" in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run python tools/readme.py")
    else: readme.write_text(text)
