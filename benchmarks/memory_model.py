"""The memory model behind the automatic tiles: measured peaks of the untiled fast path against `fast_bytes`.

Each case runs `fast_forward` on an (N,H,W) 8-bit stack in a fresh process and records how far its peak RSS
rose above the process's peak just before the call (imports, weights and the stack itself already counted);
the table sets that beside `fast_bytes(N, H, W, workers)`. `auto_tile` tiles only where the estimate exceeds
the budget, so an estimate below the measurement would let a run exceed it, and one far above would tile
where memory was never short.

    python benchmarks/memory_model.py [--out benchmarks/memory_model.md]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = [(8, 512, 512), (32, 384, 640), (24, 384, 512), (12, 640, 960), (16, 1024, 1024), (24, 768, 1024), (6, 1312, 2016), (4, 1536, 2048)]


def child(n, h, w):
    import numpy as np
    import torch
    sys.path.insert(0, str(ROOT))
    from stackmff_nb.model import load_model
    from stackmff_nb.speed import fast_bytes, fast_forward
    m, rng = load_model("default"), np.random.default_rng(0)
    x = torch.as_tensor(rng.integers(0, 256, (1, n, h, w), dtype=np.uint8))
    fast_forward(m, torch.as_tensor(rng.integers(0, 256, (1, 2, 64, 64), dtype=np.uint8)), keep=False)   # warm up the allocator, oneDNN
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    fast_forward(m, x, keep=False)                                          # as `fuse` runs it: only the maps kept
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(dict(measured=peak - before, estimate=fast_bytes(n, h, w, torch.get_num_threads()), workers=torch.get_num_threads())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "memory_model.md"))
    ap.add_argument("--child", nargs=3, type=int)
    args = ap.parse_args()
    if args.child: return child(*args.child)
    rows = []
    for n, h, w in CASES:
        r = json.loads(subprocess.run([sys.executable, __file__, "--child", str(n), str(h), str(w)], capture_output=True, text=True,
                                      check=True).stdout.strip().splitlines()[-1])
        rows.append((n, f"{w}x{h}", r["workers"], r["measured"] / 2**20, r["estimate"] / 2**20, r["estimate"] / r["measured"])); print(rows[-1], flush=True)
    L = [f"# Memory of the untiled fast path: measured against `fast_bytes` ({os.cpu_count()} cores)", "",
         "Produced by `python benchmarks/memory_model.py`: the rise of peak RSS during one `fast_forward(..., keep=False)` call (as `fuse` makes it), in a fresh process.", "",
         "| N | size | workers | measured MB | estimate MB | estimate / measured |", "|---|---|---|---|---|---|"]
    L += [f"| {n} | {s} | {k} | {m:.0f} | {e:.0f} | {q:.2f} |" for n, s, k, m, e, q in rows]
    Path(args.out).write_text("\n".join(L) + "\n"); print("\n".join(L))


if __name__ == "__main__":
    main()
