"""Honest prose: every number with a unit in a notebook's text is shown by one of its outputs (or quoted from the
paper, and says so), and no saved output carries a machine path."""
import json
import re
from pathlib import Path

from conftest import ROOT

UNIT = r"(?:\s?%|\s?dB|\s?ms\b|\s?s\b|\s?seconds?\b|\s?minutes?\b|\s?hours?\b|\s?MB\b|\s?GB\b|\s?[kK]B\b|\s?GFLOPs?\b|\s?GMACs?\b|x(?=\s+(?:faster|slower|speed|less|more|smaller|larger|the)))"
NUMBER = re.compile(r"(?<![\w.\-/])(\d[\d,]*(?:\.\d+)?)" + UNIT)
PATHS = re.compile(r"/tmp/|/work/|/root/|site-packages|\.venv/|/home/")

def cells(nb): return json.loads(nb.read_text())["cells"]
def text(c): return "".join(c["source"])
def outputs(c):
    for o in c.get("outputs", []):
        if "text" in o: yield "".join(o["text"])
        for k, v in o.get("data", {}).items():
            if k.startswith("text/"): yield "".join(v) if isinstance(v, list) else v

def unbacked(nb: Path) -> list:
    out_text = "\n".join(t for c in cells(nb) for t in outputs(c))
    shown = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", out_text)}
    bad = []
    for c in cells(nb):
        if c["cell_type"] != "markdown": continue
        prose = re.sub(r"```.*?```", "", text(c), flags=re.S)       # a fenced example's settings are not measurements
        for sentence in re.split(r"(?<=[.;:!?])\s+(?=[A-Z(`*])", prose):
            if re.search(r"\bpaper\b|\(quoted\)", sentence): continue
            for m in NUMBER.finditer(sentence):
                num = m.group(1).replace(",", "")
                variants = {num, num.rstrip("0").rstrip(".") if "." in num else num}
                if not any(v in shown for v in variants): bad.append(f"{nb.name}: {m.group(0)!r} in: {sentence.strip()[:110]}")
    return bad

def test_numbers_in_prose_are_shown_by_outputs():
    bad = [b for nb in sorted((ROOT / "nbs").glob("*.ipynb")) for b in unbacked(nb)]
    assert not bad, f"{len(bad)} numbers no output shows:\n" + "\n".join(bad)

def test_no_machine_paths_in_saved_outputs():
    hits = [f"{nb.name}: {m.group(0)!r}" for nb in sorted((ROOT / "nbs").glob("*.ipynb")) for c in cells(nb) for t in outputs(c)
            for m in [PATHS.search(t)] if m]
    assert not hits, "\n".join(hits)
