"""Every notebook runs top to bottom and its assertions hold (nbdev-test, two workers); every exercise check runs
against the worked solutions in solutions/ (STACKMFF_NB_SOLUTIONS), so checks and solutions stay right."""
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_notebooks_pass():
    exe = Path(sys.executable).parent / "nbdev-test"
    env = {**os.environ, "STACKMFF_NB_SOLUTIONS": str(ROOT / "solutions")}
    r = subprocess.run([str(exe), "--n-workers", "2", "--timing"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
