"""Write README.md from nbs/index.ipynb (markdown cells, code cells and their text outputs).

`nbdev-readme` needs Quarto, which these machines cannot install; this does the same job for the
subset of Markdown our index page uses. `--check` exits 1 if README.md is out of date."""
import json, sys
from pathlib import Path

def render(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    out = []
    for c in nb["cells"]:
        src = "".join(c["source"]).strip()
        if not src or src.startswith("#|") and "hide" in src.split("\n")[0]: continue
        if c["cell_type"] == "markdown": out.append(src)
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
