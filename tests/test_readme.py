"""README.md, the repository's front door: its first example calls `fuse`, and every relative link resolves in the repository."""
import re

from conftest import ROOT

README = (ROOT / "README.md").read_text()

def test_every_relative_link_resolves_in_the_repository():
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    relative = [u for u in links if not re.match(r"[a-z][a-z0-9+.-]*:|#|/", u)]
    assert len(relative) >= 20                                           # the lesson table and the prose links
    missing = sorted({u for u in relative if not (ROOT / u.partition("#")[0]).exists()})
    assert not missing, f"README links that do not resolve from the repository root: {missing}"

def test_first_code_example_fuses_with_our_weights():
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    first = next(b for b in blocks if any(l.strip() and not l.startswith(("import ", "from ")) for l in b.splitlines()))
    assert "fuse(" in first and "laplacian" not in first
    assert "stackmff-nb fuse" in README
