"""Every notebook runs top to bottom and its assertions hold (nbdev-test, two workers)."""
import subprocess, sys
from pathlib import Path
from conftest import ROOT

def test_notebooks_pass():
    exe = Path(sys.executable).parent / "nbdev-test"
    r = subprocess.run([str(exe), "--n-workers", "2", "--timing"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
