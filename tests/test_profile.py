"The whole-command profile (benchmarks/fuse_profile.py): every second of a fuse is in one stage."
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_stages_add_up_to_the_whole_command(tmp_path):
    out = tmp_path / "p.md"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fuse_profile.py"), "--runs", "1", "--stacks", "ring", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = out.read_text().splitlines()
    head = [c.strip() for c in next(l for l in lines if l.startswith("| stack")).strip("|").split("|")]
    row = dict(zip(head, (c.strip() for c in next(l for l in lines if l.startswith("| ring")).strip("|").split("|"))))
    stages = head[head.index("size") + 1:head.index("total")]
    secs = {s: float(row[s]) for s in stages}
    assert row["N"] == "6" and row["size"] == "640x480"
    assert abs(sum(secs.values()) - float(row["total"])) <= 0.01 * len(stages) + 0.05, (secs, row["total"])   # rounding only
    assert secs["imports"] > 0 and secs["ULDA"] > 0 and secs["GRU"] > 0 and secs["decode"] > 0 and secs["write"] > 0
    assert secs["tiles"] == 0 and secs["first pass"] == 0                  # 6 frames of 640x480 fit: no tiles
