"""Ablation of the training objective: normalisation x temperature x distribution term, in small runs
from the same start, seed and batches.

    python scripts/ablation.py [--steps 300] [--out results/ablation]

Every variant fine-tunes the authors' checkpoint for the same number of steps on exactly the same
batches (BASE below: one thread, no worker process), then all are scored on the fixed benchmark of
`15_train` (`benchmark_stacks`: 16 stacks per part, 160x192) beside the authors' checkpoint as
published and the Laplacian method. A variant whose run has finished is not run again (delete its
folder to redo it). Writes `table.md` and `rows.json` into the output folder; `15_train` shows the table.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = dict(init="official", seed=3, epochs=100, train_stacks=100, val_stacks=4, batch_size=4, size=96, ns=[8, 12, 16, 20, 24],
            lr=3e-4, scale_lr=5e-3, weight_decay=0.01, gamma=1.0, norm="fixed", threads=1, workers=0, log_every=10, ckpt_every=50)

# name -> (what it changes against the row above it, config overrides)
VARIANTS = {
    "authors": ("the released code's Eq. 9: min-max normalisation of both maps, temperature 1", dict(norm="authors", scale_lr=0.0)),
    "fixed": ("Eq. 9 with the fixed normalisation E/(N-1), temperature 1", dict(scale_lr=0.0)),
    "fixed+scale": ("+ a learnt inverse temperature on the scores", dict()),
    "fixed+scale+CE": ("+ 0.05 x cross-entropy to the true layer (one-hot)", dict(dist_weight=0.05)),
    "fixed+scale+CE(sigma=1)": ("the same with a Gaussian target of width 1 layer", dict(dist_weight=0.05, dist_sigma=1.0)),
    "fixed+scale+CEx4": ("the cross-entropy weighted 0.2 instead of 0.05", dict(dist_weight=0.2)),
    "fixed+scale+CE, depth target": ("fixed+scale+CE with the continuous position as Eq. 9's target", dict(dist_weight=0.05, target="depth")),
}


def run_variant(name, overrides, steps, out):
    from stackmff_nb.train import TrainConfig, train
    folder = out / name
    if (folder / "weights.pth").is_file(): return
    rel = folder.resolve().relative_to(ROOT) if folder.resolve().is_relative_to(ROOT) else folder   # no machine paths in the committed config
    cfg = TrainConfig(**{**BASE, **overrides, "out": str(rel), "max_steps": steps})
    t0 = time.perf_counter()
    train(cfg, resume=(folder / "last.pth").is_file(), progress=False)
    print(f"{name}: {steps} steps in {time.perf_counter() - t0:.0f} s", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--out", default=str(ROOT / "results" / "ablation"))
    ap.add_argument("--per-part", type=int, default=16)
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    from stackmff_nb.evaluate import BENCH_PARTS, benchmark_stacks, method_fn, run_benchmark, summarise
    from stackmff_nb.model import load_model
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)                                                          # the runs' folders are relative to the repository
    for name, (_, overrides) in VARIANTS.items(): run_variant(name, overrides, args.steps, out)
    models = {"authors' checkpoint, as published": load_model("official"), **{n: load_model(str(out / n / "weights.pth")) for n in VARIANTS}}
    methods = {**{n: method_fn("stackmff", m) for n, m in models.items()}, "laplacian": method_fn("laplacian")}
    table = summarise(run_benchmark(benchmark_stacks(per_part=args.per_part), methods, progress=False))
    what = {n: w for n, (w, _) in VARIANTS.items()}
    lines = [f"Fine-tuning the authors' checkpoint for {args.steps} steps (batch 4, 96x96 crops, N 8-24, seed {BASE['seed']}, the same batches for every row), "
             f"scored on `benchmark_stacks(per_part={args.per_part})`: mean PSNR in dB per part, exact index share on full sweeps, learnt scale.", "",
             "| run | what changes | " + " | ".join(BENCH_PARTS) + " | index exact (full) | scale |", "|---" * (len(BENCH_PARTS) + 4) + "|"]
    for n in methods:
        scale = f"{models[n].scale.item():.2f}" if n in models else "-"
        lines.append(f"| {n} | {what.get(n, '-')} | " + " | ".join(f"{table[(n, p)]['psnr']:.2f}" for p in BENCH_PARTS)
                     + f" | {table[(n, 'full')]['exact']:.3f} | {scale} |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    (out / "rows.json").write_text(json.dumps({f"{k[0]} | {k[1]}": v for k, v in table.items()}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
