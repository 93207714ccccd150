"""Peak memory of fusing a large 16-bit z-stack TIFF: its pixels mapped from the file against decoded whole first.

Writes an uncompressed grey uint16 z-stack (default 100 planes of 1024x1024, 200 MB), then fuses it in fresh
processes, alternating the two ways of reading it, and writes `large_zstack.md`: the median of `--runs` of the
wall time, the process's peak RSS (VmHWM: file pages the map touched count there too, though the kernel may drop
them under pressure) and the peak of its anonymous memory (RssAnon sampled every 20 ms: what cannot be dropped).

    python benchmarks/large_zstack.py --runs 3
"""
import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, threading, time
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key): return int(line.split()[1]) * 1024
peak = [0]; done = threading.Event()
def sample():
    while not done.is_set(): peak[0] = max(peak[0], status("RssAnon:")); time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
from stackmff_nb.io import tiff_stacks, read_tiff_stack
from stackmff_nb.fuse import fuse
t0 = time.perf_counter()
st = read_tiff_stack(tiff_stacks(sys.argv[1])[0], memmap=sys.argv[2] == "map")
res = fuse(st)
secs = time.perf_counter() - t0; done.set(); peak[0] = max(peak[0], status("RssAnon:"))
print(json.dumps(dict(seconds=secs, hwm=status("VmHWM:"), anon=peak[0], mapped=type(st.frames).__name__, shape=list(st.frames.shape))))
"""

def make_stack(path: Path, n: int, h: int, w: int):
    "A z-stack with texture in every plane (a sharp band moving down the frame), written plane by plane."
    import tifffile
    rng = np.random.default_rng(0)
    tex = (rng.random((h, w)) * 40000 + 10000).astype(np.float32)
    blur = np.asarray([1, 4, 6, 4, 1], np.float32) / 16
    soft = tex.copy()
    for _ in range(6):
        soft = np.apply_along_axis(lambda r: np.convolve(r, blur, "same"), 1, soft)
    def planes():
        for k in range(n):
            p = soft.copy(); y0 = k * h // n; p[y0:y0 + max(1, h // n)] = tex[y0:y0 + max(1, h // n)]
            yield p.astype(np.uint16)
    tifffile.imwrite(path, planes(), shape=(n, h, w), dtype=np.uint16, metadata=dict(axes="ZYX"), photometric="minisblack")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=100); ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3); ap.add_argument("--out", default=str(Path(__file__).with_suffix(".md")))
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "zstack.ome.tif"; make_stack(path, a.frames, a.size, a.size)
        mb = path.stat().st_size / 1e6
        rows = {"mapped from the file (default)": "map", "decoded whole first": "decode"}
        got = {k: [] for k in rows}
        for r in range(a.runs):
            for k in (list(rows) if r % 2 == 0 else list(rows)[::-1]):
                out = subprocess.run([sys.executable, "-c", CHILD, str(path), rows[k]], capture_output=True, text=True, check=True)
                got[k].append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert {g["mapped"] for g in got["mapped from the file (default)"]} == {"memmap"}, "the stack was not mapped"
    med = lambda k, f: statistics.median(g[f] for g in got[k])
    base = "decoded whole first"
    lines = [f"# Fusing a large z-stack TIFF: mapped against decoded ({platform.processor() or platform.machine()}, "
             f"{__import__('os').cpu_count()} cores, {time.strftime('%Y-%m-%d')})", "",
             f"Produced by `python benchmarks/large_zstack.py --frames {a.frames} --size {a.size} --runs {a.runs}`: {a.frames} planes of {a.size}x{a.size}, "
             f"uint16, uncompressed ({mb:.0f} MB on disk), fused with the default weights in a fresh process per run, "
             f"the two readings alternating; medians of {a.runs}.", "",
             "| reading | seconds | peak RSS MB | peak anonymous MB | anonymous x decoded |", "|---|---|---|---|---|"]
    for k in rows:
        lines.append(f"| {k} | {med(k, 'seconds'):.1f} | {med(k, 'hwm') / 1e6:.0f} | {med(k, 'anon') / 1e6:.0f} | "
                     f"{med(k, 'anon') / med(base, 'anon'):.2f} |")
    saved = (med(base, "anon") - med("mapped from the file (default)", "anon")) / 1e6
    lines += ["", f"Mapping saves {saved:.0f} MB of anonymous memory against a stack of {mb:.0f} MB on disk; the rest of the peak is "
              "the network's own working set (the luma it reads and the memory budget its tiles keep to, lesson 10_speed).",
              "", "Peak RSS counts the file's pages the map has touched; the kernel drops those clean pages when memory is short, "
              "so the anonymous peak is what a stack larger than memory must fit in."]
    Path(a.out).write_text("\n".join(lines) + "\n"); print("\n".join(lines))

if __name__ == "__main__":
    main()
