"""Speed and memory of `fuse`: the paper-faithful path against the optimised default, the cost of the seamless
compositing (`blend="spline"` against Eq. 8's `"select"`), and the Laplacian method.

Every measurement runs `fuse` in a fresh process (so peak RSS is that run's own) on a stack written to
disk beforehand; the table gives the median wall time of the runs and the median peak RSS, the ratio
faithful / optimised (both with Eq. 8) and the spline's peak memory against Eq. 8's, measured in the same run of this script. A second table checks that tiled and
untiled outputs agree on a 4-megapixel stack, and the scaling exponent of time in N*H*W is fitted.

    python benchmarks/bench_fuse.py [--runs 5] [--out benchmarks/results_cpu.md] [--quick]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CASES = [(8, 512, 512), (16, 768, 1024), (32, 512, 512), (24, 3000, 4000)]

def make_stack(folder: Path, n: int, h: int, w: int):
    "A textured Algorithm 1 stack written as JPEG files, one layer at a time (so 12 MP stacks stay small here)."
    import cv2
    from skimage import data

    from stackmff_nb.synth import depth_regions, depth_smooth
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob("*.jpg"))) == n: return
    img = cv2.resize(data.astronaut(), (w, h), interpolation=cv2.INTER_CUBIC)
    level_of = lambda k: np.abs(depth_regions(depth_smooth(h, w, np.random.default_rng(0)), n) - k)
    for k in range(n):
        lv, out = level_of(k), np.empty_like(img)
        for j in np.unique(lv):
            m = lv == j; out[m] = (img if j == 0 else cv2.GaussianBlur(img, (2 * j + 1, 2 * j + 1), 0))[m]
        cv2.imwrite(str(folder / f"{k:03d}.jpg"), cv2.cvtColor(out, cv2.COLOR_RGB2BGR))

def cpu_name():
    "The CPU's name, family and model, and its widest vector extensions, from /proc/cpuinfo."
    try: info = Path("/proc/cpuinfo").read_text()
    except OSError: return "unknown CPU"
    field = lambda key, default="": next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.split(":")[0].strip() == key), default)
    flags = field("flags").split()
    ext = [e for e, f in (("AVX2", "avx2"), ("AVX-512", "avx512f"), ("AMX", "amx_tile")) if f in flags]
    # a virtual machine may hide the model's name ("AMD EPYC"); family and model still tell its generation (25/17: Zen 4, 26: Zen 5)
    return f"{field('model name', 'unknown CPU')} (family {field('cpu family', '?')}, model {field('model', '?')}), {'/'.join(ext) or 'no AVX2'}"

def machine_speed(threads: int = 1) -> float:
    "GMAC/s of one fixed 3x3 convolution (24 -> 32 channels, 256x640, channels-last) on `threads` threads, median of 20: this VM's speed drifts."
    import torch
    torch.set_num_threads(threads)
    x = torch.rand(1, 24, 256, 640).contiguous(memory_format=torch.channels_last); w = torch.rand(32, 24, 3, 3)
    ts = []
    with torch.inference_mode():
        for _ in range(23): t = time.perf_counter(); torch.conv2d(x, w, padding=1); ts.append(time.perf_counter() - t)
    return 256 * 640 * 24 * 32 * 9 / statistics.median(ts[3:]) / 1e9

def child(args):
    "One measured run: read the stack, fuse, report seconds and peak RSS as JSON."
    import stackmff_nb as smn  # noqa: I001 (first: it sets torch's allocator up, huge pages, before torch loads)
    import stackmff_nb.speed
    import torch
    if args.tile_budget: stackmff_nb.speed.TILE_BUDGET = args.tile_budget   # a knob of this benchmark: how large a tile may be
    torch.set_num_threads(os.cpu_count())
    st = smn.read_stack(args.stack)
    model = None
    if args.method == "stackmff":
        model = smn.load_model("official")
    t0 = time.perf_counter()
    res = smn.fuse(st, model=model, method=args.method, impl=args.impl, tile=None if args.tile < 0 else args.tile, blend=args.blend)
    secs = time.perf_counter() - t0
    if args.save: np.save(args.save, res.index)
    print(json.dumps({"seconds": secs, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

def run(stack, method="stackmff", impl="fast", tile=-1, save=None, blend="select", tile_budget=None):
    cmd = [sys.executable, __file__, "--child", "--stack", str(stack), "--method", method, "--impl", impl, "--tile", str(tile), "--blend", blend]
    if save: cmd += ["--save", str(save)]
    if tile_budget: cmd += ["--tile-budget", str(tile_budget)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0: return {"error": (r.stderr.strip().splitlines() or ["killed"])[-1][:120]}
    return json.loads(r.stdout.strip().splitlines()[-1])

def measure(stack, runs, **kw):
    rs = [run(stack, **kw) for _ in range(runs)]
    if any("error" in r for r in rs): return {"error": next(r["error"] for r in rs if "error" in r)}
    return {"seconds": statistics.median(r["seconds"] for r in rs), "rss_mb": statistics.median(r["rss_mb"] for r in rs), "runs": runs}

def fmt(m):
    return ("n/a", "n/a") if m is None else (m["error"], "") if "error" in m else (f"{m['seconds']:.2f}", f"{m['rss_mb']:.0f}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", action="store_true"); ap.add_argument("--stack"); ap.add_argument("--method", default="stackmff")
    ap.add_argument("--impl", default="fast"); ap.add_argument("--tile", type=int, default=-1); ap.add_argument("--save")
    ap.add_argument("--blend", default="select"); ap.add_argument("--tile-budget", type=int)
    ap.add_argument("--runs", type=int, default=5); ap.add_argument("--out", default=str(Path(__file__).with_name("results_cpu.md")))
    ap.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "stackmff-bench"))
    ap.add_argument("--quick", action="store_true", help="small cases only, 2 runs (a smoke test)")
    args = ap.parse_args()
    if args.child: return child(args)
    cases = CASES[:1] if args.quick else CASES
    runs = 2 if args.quick else args.runs
    rows, fits, budget_rows, speed = [], [], [], [machine_speed()]
    for n, h, w in cases:
        folder = Path(args.data) / f"n{n}_{w}x{h}"; make_stack(folder, n, h, w)
        big = h * w > 6e6
        r = 1 if big else runs
        ref = None if big else measure(folder, r, impl="reference")       # the faithful path cannot hold 12 MP x 24 layers
        fast = measure(folder, r, impl="fast")
        spline = measure(folder, r, impl="fast", blend="spline")
        lap = measure(folder, r, method="laplacian")
        ok = lambda *ms: all(m and "error" not in m for m in ms)
        ratio = f"{ref['seconds'] / fast['seconds']:.2f}x" if ok(ref, fast) else "n/a"
        mem = f"{spline['rss_mb'] / fast['rss_mb']:.3f}" if ok(fast, spline) else "n/a"
        rows.append((n, f"{w}x{h}", r, *fmt(ref), *fmt(fast), ratio, *fmt(spline), mem, *fmt(lap)))
        if "error" not in fast and not big: fits.append((n * h * w, fast["seconds"]))   # the 12 MP run may be tiled
        if big:                                                              # the same with tiles as large as the whole budget allows
            from stackmff_nb.speed import TILE_BUDGET, memory_budget
            big_tiles = measure(folder, r, impl="fast", blend="spline", tile_budget=memory_budget())
            budget_rows += [(f"{n} x {w}x{h}", f"at most {TILE_BUDGET / 2**30:.3g} GiB a tile (`TILE_BUDGET`, the default)", *fmt(spline)),
                            (f"{n} x {w}x{h}", f"the whole budget, {memory_budget() / 2**30:.1f} GB (half the free memory)", *fmt(big_tiles))]
        print(rows[-1], flush=True)
    b = np.polyfit(np.log([f[0] for f in fits]), np.log([f[1] for f in fits]), 1)[0] if len(fits) > 1 else float("nan")
    # tiled against untiled on a 4 MP stack
    tile_rows = []
    if not args.quick:
        folder = Path(args.data) / "n8_2304x1728"; make_stack(folder, 8, 1728, 2304)
        d = Path(tempfile.mkdtemp())
        untiled = run(folder, tile=0, save=d / "a.npy"); tiled = run(folder, tile=1024, save=d / "b.npy")
        same = (np.load(d / "a.npy") == np.load(d / "b.npy")).mean() if (d / "b.npy").exists() and (d / "a.npy").exists() else float("nan")
        tile_rows.append(("8 x 2304x1728 (4 MP)", *fmt(untiled), *fmt(tiled), f"{same:.4%}"))
    speed.append(machine_speed())
    import datetime

    import torch
    lines = [f"# fuse on CPU: faithful against optimised ({cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, {datetime.date.today()})", "",
             f"Median of {runs} runs (1 for 12 MP), each `fuse` in a fresh process; peak RSS is the process's own. Produced by `python benchmarks/bench_fuse.py`. "
             "Faithful and optimised take each pixel from one frame (`blend=\"select\"`, Eq. 8); `+ spline` is the optimised path with the default "
             "seamless compositing, and its peak memory over Eq. 8's is the bound the compositing keeps. "
             f"This machine's speed (`machine_speed`, a fixed convolution on one thread) was {speed[0]:.0f} GMAC/s before the runs and "
             f"{speed[1]:.0f} after: on a shared VM it drifts, so compare seconds across tables only at the same speed.", "",
             "| N | size | runs | faithful s | faithful MB | optimised s | optimised MB | speed-up | + spline s | + spline MB | spline / select MB | laplacian s | laplacian MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"] + ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    lines += ["", f"Time of the optimised path against N*H*W over the untiled rows: exponent {b:.2f} (fitted on log-log; 1 = linear)."]
    if budget_rows:
        lines += ["", "Where the stack does not fit, how large its tiles may be (`auto_tile`, lesson 10): the same 12 MP stack, default compositing:", "",
                  "| stack | tiles | seconds | peak MB |", "|---|---|---|---|"] + ["| " + " | ".join(map(str, r)) + " |" for r in budget_rows]
    if tile_rows:
        lines += ["", "| stack | untiled s | untiled MB | tiled (1024) s | tiled MB | index maps equal |", "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(map(str, r)) + " |" for r in tile_rows]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

if __name__ == "__main__":
    main()
