"""The model-card script runs from committed files alone and says how the shipped weights were made."""
import os
import subprocess
import sys

import torch
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import model_card


def test_the_shipped_default_traces_back_to_committed_configs():
    meta = torch.load(ROOT / "stackmff_nb/weights/stackmff_nb_default.pth", map_location="cpu", weights_only=True)["meta"]
    text, secs = model_card.lineage(meta)
    assert text.startswith("the authors' checkpoint fine-tuned by `stackmff-nb train --config configs/"), text
    for cfg in [w for w in text.split() if w.startswith("configs/")]:
        assert (ROOT / cfg).is_file(), f"{cfg} is named in the card but not committed"
    assert secs > 0                                           # the run's committed log covers the shipped step
    assert [w.strip("`") for w in text.split() if w.startswith("configs/")][-1] == "configs/shipped.json"   # found by its name


def test_card_is_written_without_shipping(tmp_path):
    card = tmp_path / "card.md"
    r = subprocess.run([sys.executable, str(ROOT / "scripts/model_card.py"), "--run", str(ROOT / "results/default"),
                        "--per-part", "1", "--size", "64", "96", "--card", str(card)],
                       capture_output=True, text=True, timeout=600, env={**os.environ, "STACKMFF_NB_DATA": str(tmp_path / "no-mirror")})   # the office scene is then skipped, by name
    assert r.returncode == 0, r.stderr[-3000:]
    text = card.read_text()
    for part in ("full", "partial", "thin-lens"): assert part in text
    assert text.count("| ours, default |") == 2                                          # benchmark and real stacks
    for row in ("| authors' checkpoint |", "| laplacian |"): assert text.count(row) == 3, row   # ... and the paired differences
    assert "Verdict per part" in text and text.count(" / ") >= 3 * 3                       # won / tied / lost, per part and row
    assert "(chosen)" in text and "hours in all" in text
    assert "office scene not scored" in r.stdout
