"""Is the default's lead over a classical method real? Paired differences on fresh draws of the benchmark.

    python scripts/lead.py [--seeds 2025 2026] [--per-part 60] [--against laplacian]

The model card scores one draw (`benchmark_stacks(seed=2024, per_part=40)`). This script draws more
stacks with other seeds (same parts, sizes and N; never used in training or choice), fuses each with
the shipped default and the other method, and writes `results/lead.md`: per part, the mean
difference in dB with its 95% t interval and the stacks won / tied / lost, per seed and pooled.
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[2025, 2026])
    ap.add_argument("--per-part", type=int, default=60)
    ap.add_argument("--size", type=int, nargs=2, default=[256, 320])
    ap.add_argument("--against", default="laplacian", help="a method of `stackmff_nb.baselines.METHODS`")
    ap.add_argument("--out", default=str(ROOT / "results" / "lead.md"))
    args = ap.parse_args(argv)
    from stackmff_nb.evaluate import benchmark_stacks, method_fn, paired_difference, paired_table, run_benchmark
    from stackmff_nb.model import load_model
    methods = {"default": method_fn("stackmff", load_model("default")), args.against: method_fn(args.against)}
    rows, draws = [], {}
    t0 = time.perf_counter()
    for seed in args.seeds:
        r = run_benchmark(benchmark_stacks(seed=seed, per_part=args.per_part, size=tuple(args.size)), methods, progress=False)
        rows += [{**x, "scene": f"{seed}/{x['scene']}"} for x in r]                 # scenes are named per draw: keep pairs apart
        draws[f"seed {seed} ({args.per_part} per part)"] = paired_difference(r, "default", args.against)
        print(paired_table(draws).splitlines()[-1], flush=True)
    draws[f"pooled ({args.per_part * len(args.seeds)} per part)"] = paired_difference(rows, "default", args.against)
    text = "\n".join([f"Shipped default minus `{args.against}` on fresh draws of `benchmark_stacks(size={tuple(args.size)})`: mean PSNR difference, dB "
                      "[95% t interval]; stacks won / tied / lost. Written by `python scripts/lead.py`.", "",
                      paired_table(draws, label="draw"), "",
                      f"{time.perf_counter() - t0:.0f} s on this machine."])
    Path(args.out).write_text(text + "\n"); print(text)


if __name__ == "__main__":
    main()
