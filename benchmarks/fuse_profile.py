"""Where the seconds of one `stackmff-nb fuse` go: the whole command in a fresh process, split into its stages.

Each run starts a fresh interpreter that imports the package, wraps the functions a fuse passes
through with timers (each stage's own time: a stage's inner stages are subtracted from it), and calls
the command line's `main` on one stack, writing every default output. The stages, in order:

- **start, exit**: the interpreter's start and its exit (the process's wall time less what the script inside
  measured); the program `stackmff-nb` leaves without the interpreter's teardown (`cli.run`), and so does
  the script where the package has `cli.run`;
- **imports**: the package and what it imports (torch, OpenCV, numpy, ...), the fast path's too;
- **decode**: `read_stack` (files to one array, every frame checked);
- **model**: `load_model` (the shipped weights);
- **luma**: `network_input` (the grey layers the network reads, padded);
- **ULDA**, **GRU**: the two network stages of the fast path (`ulda_features`, `gru_scores`);
- **first pass**, **tiles**: the tiled path's global statistics and its tiles, where the stack is tiled;
- **regression**: the rest of the network's forward (softmax, expected index, confidence) and of
  `predict` (index maps, cropping);
- **composite**: the seamless blend of the fused image (`composite`);
- **write**: EXIF read from the first frame and every output file encoded and written;
- **other**: what is left (argument parsing, checks, the output folder).

The package is byte-compiled first, as an installed package is (a machine with PYTHONDONTWRITEBYTECODE
would otherwise compile it again in every run). On the real stacks shipped in the package and, with `--large`, on the pcb stack enlarged 3x
(7 x 1920x1440) and 5x (7 x 3200x2400), where tiles and the memory budget come in. Median of
`--runs` runs, the stacks alternating within each round.

    python benchmarks/fuse_profile.py [--runs 3] [--large] [--out benchmarks/fuse_profile.md]
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TITLE = "Where a fuse's seconds go"
STAGES = ["start, exit", "imports", "decode", "model", "luma", "ULDA", "GRU", "first pass", "tiles", "regression", "composite",
          "write", "other"]
TIMED = {"read_stack": "decode", "load_model": "model", "network_input": "luma", "ulda_features": "ULDA", "gru_scores": "GRU",
         "global_stats": "first pass", "tiled_forward": "tiles", "fast_forward": "regression", "predict": "regression",
         "composite": "composite", "read_exif": "write", "write_fusion": "write"}

# Runs inside the fresh interpreter: argv[1] is the command line's arguments as JSON; prints the stages' seconds as JSON.
RUNNER = """import json, sys, time
t0 = time.perf_counter()
import stackmff_nb.cli as cli, stackmff_nb.fuse, stackmff_nb.speed, stackmff_nb.composite
imports = time.perf_counter() - t0
TIMED = json.loads(sys.argv[2]); spent = dict.fromkeys(set(TIMED.values()), 0.0); inner = [0.0]
def timer(fn, stage):
    def timed(*a, **k):
        outer, inner[0] = inner[0], 0.0; t = time.perf_counter()
        try: return fn(*a, **k)
        finally:
            dt = time.perf_counter() - t; spent[stage] += dt - inner[0]; inner[0] = outer + dt
    return timed
mods = [m for n, m in list(sys.modules.items()) if n.startswith("stackmff_nb")]
for name, stage in TIMED.items():
    fn = next(getattr(m, name) for m in mods if callable(getattr(m, name, None)))
    w = timer(fn, stage)
    for m in mods:
        if getattr(m, name, None) is fn: setattr(m, name, w)
t1 = time.perf_counter(); rc = cli.main(json.loads(sys.argv[1])); total = time.perf_counter() - t0
assert rc == 0, rc
print(json.dumps(dict(imports=imports, other=time.perf_counter() - t1 - sum(spent.values()), inside=total, **spent)), flush=True)
if hasattr(cli, "run"):                                          # as the `stackmff-nb` program ends (cli.run), where it does
    import os; os._exit(0)"""


COMPILE = "import compileall, os, stackmff_nb; compileall.compile_dir(os.path.dirname(stackmff_nb.__file__), quiet=1)"


def run_once(args: list) -> dict:
    "One fresh process: the stages' seconds, `start` from its wall time."
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(args), json.dumps(TIMED)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode: raise RuntimeError(f"fuse {' '.join(args[:2])} failed: {r.stderr.strip()[-400:]}")
    s = json.loads(r.stdout.strip().splitlines()[-1])
    s["start, exit"], s["total"] = wall - s.pop("inside"), wall
    return s


def enlarged(src: Path, scale: int, out: Path) -> Path:
    "The stack's frames resized `scale` times (bicubic), as PNG: a larger stack of real content."
    import cv2

    from stackmff_nb.io import list_images
    out.mkdir(parents=True, exist_ok=True)
    for p in list_images(src):
        im = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        cv2.imwrite(str(out / f"{p.stem}.png"), cv2.resize(im, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--large", action="store_true", help="also the pcb stack enlarged 3x and 5x")
    ap.add_argument("--stacks", nargs="*", help="only these shipped stacks")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "fuse_profile.md"))
    ap.add_argument("--title", default=TITLE, help="the table's heading (e.g. which checkout it measured)")
    a = ap.parse_args()
    import platform

    import cv2
    import torch

    from stackmff_nb.data import stack_path
    from stackmff_nb.io import list_images
    subprocess.run([sys.executable, "-c", COMPILE], check=True)           # bytecode, as an installed package has it
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        names = a.stacks or ["keyboard", "beetle", "pcb", "ring", "cou_1"]
        stacks = {n: stack_path(n) for n in names}
        if a.large:
            for k in (3, 5): stacks[f"pcb x{k}"] = enlarged(stack_path("pcb"), k, tmp / f"pcb{k}")
        rows = {n: [] for n in stacks}
        for r in range(a.runs):
            for n, src in stacks.items():
                rows[n].append(run_once(["fuse", str(src), "-o", str(tmp / "out"), "-q", "--overwrite"]))
                print(f"round {r + 1}: {n} {rows[n][-1]['total']:.2f} s", flush=True)
        lines = [f"# {a.title} ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
                 f"torch {torch.__version__}, {time.strftime('%Y-%m-%d')})", "",
                 f"Produced by `python benchmarks/fuse_profile.py --runs {a.runs}{' --large' if a.large else ''}"
                 + (f" --title '{a.title}'" if a.title != TITLE else "") + "`: "
                 "`stackmff-nb fuse STACK -o OUT` (our default: the network, the seamless spline, every default output) "
                 f"in a fresh process, median seconds of {a.runs} runs per stage (each stage's own time; see the script's "
                 "docstring for what each covers).", "",
                 "| stack | N | size | " + " | ".join(STAGES) + " | total | network % |",
                 "|---|---|---|" + "---|" * (len(STAGES) + 2)]
        for n, runs in rows.items():
            frames = list_images(stacks[n]); h, w = cv2.imread(str(frames[0])).shape[:2]
            med = {s: statistics.median(r.get(s, 0.0) for r in runs) for s in [*STAGES, "total"]}
            net = sum(med[s] for s in ("ULDA", "GRU", "first pass", "tiles"))
            lines.append(f"| {n} | {len(frames)} | {w}x{h} | " + " | ".join(f"{med[s]:.2f}" for s in STAGES)
                         + f" | {med['total']:.2f} | {100 * net / med['total']:.0f} |")
    Path(a.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
