"""Choose the default weights on validation, ship them, and write the model card from measurements.

    python scripts/model_card.py --run results/default [--candidates a.pth b.pth ...] [--ship] [--compare LABEL=PATH ...]

1. Every candidate (the run's `weights.pth`, the weights shipped now, any others given) is scored on the
   validation stacks of the run's config (`make_sources(cfg, "val")`: the training generators with
   seeds and textures training never sees); the best mean PSNR wins.
2. With `--ship` the winner's model state (no optimiser) becomes `stackmff_nb/weights/stackmff_nb_default.pth`.
3. The shipped default, the one it replaced (if any), any `--compare` weights, the authors' checkpoint and two classical methods are scored on the fixed
   benchmark of `15_train` (`benchmark_stacks(per_part=40, size=(256, 320))`: Algorithm 1 over the full
   and a partial sweep, and the unseen thin-lens model with a disk PSF and noise), and on the real
   stacks that have ground truth (Cou's generated stack with its depth map, shipped; Devernay's office
   scene, both of its two-frame stacks (blur diameter 5 and 10) against its exact all-in-focus image,
   when `stackmff_nb.data.fetch("office")` can get it). The default is compared with every other row
   stack by stack (`paired_difference`): a lead counts only where its 95% interval is above zero.
4. `stackmff_nb/weights/MODEL_CARD.md` is written from those numbers and the shipped file's own config:
   the run that made it, its log, and the runs it started from (`init`), each with its command.
"""
import argparse
import csv
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import torch


def training_time(run: Path, upto: int = None) -> tuple:
    "Total seconds of a run over all its resumed segments (the log's clock restarts with each), and its last step (at most `upto`)."
    total, last, step = 0.0, 0.0, 0
    with open(run / "log.csv") as f:
        for r in csv.DictReader(f):
            if upto is not None and int(r["step"]) > upto: break
            s = float(r["seconds"])
            if s < last: total += last                                    # a new segment began
            last, step = s, int(r["step"])
    return total + last, step


def config_file(cfg: dict) -> str:
    "The committed config whose run folder is `cfg['out']`."
    for f in sorted((ROOT / "configs").glob("*.json")):
        if json.loads(f.read_text()).get("out") == cfg.get("out"): return str(f.relative_to(ROOT))
    return f"<a config with out={cfg.get('out')}>"


def lineage(meta: dict) -> tuple:
    "How a checkpoint was made, from its stored config back to its start: (text, total training seconds)."
    cfg, step = meta.get("config", {}), meta.get("step")
    secs = training_time(ROOT / cfg["out"], step)[0] if (ROOT / cfg.get("out", "-") / "log.csv").is_file() else 0.0
    cmd = f"`stackmff-nb train --config {config_file(cfg)} --max-steps {step}`"
    init = cfg.get("init")
    if init in (None, "official", "default"):
        start = {None: "a random initialisation", "official": "the authors' checkpoint", "default": "the default shipped then"}[init]
        return f"{start} {'trained' if init is None else 'fine-tuned'} by {cmd}", secs
    before, s0 = lineage(torch.load(ROOT / init, map_location="cpu", weights_only=True).get("meta", {}))
    return f"{before}, then (from `{init}`) by {cmd}", s0 + secs


def validation_psnr(model, cfg) -> float:
    from stackmff_nb.train import make_sources, validate
    v = validate(model, make_sources(cfg, "val"), cfg.norm)
    return float(np.mean([m["psnr"] for m in v.values()]))


def real_stacks(methods: dict) -> dict:
    "Ground-truth scores on real data: |corr| of index and depth on cou_1; PSNR/SSIM on the office scene's two stacks when it can be fetched."
    from stackmff_nb.core import StackError
    from stackmff_nb.data import fetch, stack_path
    from stackmff_nb.evaluate import run_benchmark
    from stackmff_nb.io import read_stack
    cou = read_stack(stack_path("cou_1")); depth = np.load(stack_path("cou_1") / "reference.npy")
    h = depth.shape[0]; o = (cou.size[0] - h) // 2
    out = {name: {"cou_1 |corr(index, depth)|": round(abs(float(np.corrcoef(fn(cou).index[o:o + h, o:o + h].ravel(), depth.ravel())[0, 1])), 4)}
           for name, fn in methods.items()}
    try: office = fetch("office")
    except StackError as e: print(f"office scene not scored: {e}", flush=True); return out
    cases = [dict(dataset=f"office d{d}", scene="near+far", source=[office / f"office_stereo1_near{s}.png", office / f"office_stereo1_far{s}.png"],
                  aif=office / "office_stereo1_all.png") for d, s in ((5, ""), (10, "2"))]        # blur diameters 5 and 10
    for r in run_benchmark(cases, methods, progress=False):
        out[r["method"]].update({f"{r['dataset']} PSNR dB": round(r["psnr"], 2), f"{r['dataset']} SSIM": round(r["ssim"], 4)})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", default=str(ROOT / "results" / "default"), help="a training run folder (config.json, log.csv, weights.pth): its validation stacks choose")
    ap.add_argument("--candidates", nargs="*", default=[], help="more checkpoints to choose from")
    ap.add_argument("--ship", action="store_true", help="copy the winner into the package as the default weights")
    ap.add_argument("--per-part", type=int, default=40)
    ap.add_argument("--size", type=int, nargs=2, default=[256, 320])
    ap.add_argument("--compare", nargs="*", default=[], metavar="LABEL=PATH", help="more weights to score beside the default (not candidates), e.g. an older default")
    ap.add_argument("--card", default=str(ROOT / "stackmff_nb" / "weights" / "MODEL_CARD.md"))
    args = ap.parse_args(argv)
    from stackmff_nb.evaluate import BENCH_PARTS, benchmark_stacks, method_fn, paired_difference, run_benchmark, summarise
    from stackmff_nb.model import DEFAULT_WEIGHTS, load_model
    from stackmff_nb.train import TrainConfig
    compare = dict(c.split("=", 1) for c in args.compare)
    run = Path(args.run); cfg = TrainConfig(**json.loads((run / "config.json").read_text()))
    # 1. choose on validation
    cands = dict.fromkeys([str(run / "weights.pth"), str(DEFAULT_WEIGHTS), *args.candidates])
    scores = {c: round(validation_psnr(load_model(c), cfg), 3) for c in cands if Path(c).is_file()}
    best = max(scores, key=scores.get)
    print("validation PSNR:", json.dumps(scores, indent=1), "\nbest:", best, flush=True)
    # 2. ship
    replaced = load_model("default") if args.ship and Path(best).resolve() != DEFAULT_WEIGHTS.resolve() else None
    if replaced is not None:
        ck = torch.load(best, map_location="cpu", weights_only=True)
        torch.save({"model": ck["model"], "meta": ck.get("meta", {})}, DEFAULT_WEIGHTS)
    shipped = load_model("default")
    # 3. benchmark and real stacks
    t0 = time.perf_counter()
    bench = benchmark_stacks(per_part=args.per_part, size=tuple(args.size))
    nets = {"ours, default": shipped, "authors' checkpoint": load_model("official")}
    if replaced is not None: nets["ours, previous default"] = replaced
    nets.update({label: load_model(path) for label, path in compare.items()})
    methods = {**{k: method_fn("stackmff", m) for k, m in nets.items()}, "ours, default, select (Eq. 8)": method_fn("stackmff", shipped, blend="select"),
               "laplacian": method_fn("laplacian"), "laplacian, spline": method_fn("laplacian", blend="spline"), "dtcwt": method_fn("dtcwt")}
    rows = run_benchmark(bench, methods, progress=False); table = summarise(rows)
    paired = {m: paired_difference(rows, "ours, default", m) for m in methods if m != "ours, default"}
    real = real_stacks({k: methods[k] for k in (*nets, "laplacian")})
    print(f"benchmark scored in {time.perf_counter() - t0:.0f} s", flush=True)
    # 4. the card
    meta = torch.load(DEFAULT_WEIGHTS, map_location="cpu", weights_only=True).get("meta", {})
    if "config" in meta: cfg = TrainConfig(**meta["config"]); run = ROOT / cfg.out     # the recipe of the file shipped, whichever run made it
    secs, steps = training_time(run)
    meta.setdefault("config", dataclasses.asdict(cfg)); meta.setdefault("step", steps)
    write_card(Path(args.card), cfg, run, secs, steps, meta, scores, best, table, paired, real, args, BENCH_PARTS, shipped.scale.item())
    print(Path(args.card).read_text())


def write_card(path, cfg, run, secs, steps, meta, scores, best, table, paired, real, args, parts, scale):
    made, total = lineage(meta)
    rel = lambda p: str(Path(p).resolve().relative_to(ROOT)) if str(Path(p).resolve()).startswith(str(ROOT)) else str(p)
    L = ["# stackmff-nb weights: model card", "",
         "Written by `python scripts/model_card.py` from measurements; do not edit by hand.", "",
         "| file | `load_model(...)` | what it is |", "|---|---|---|",
         f"| `stackmff_nb_default.pth` | `\"default\"` (used by `fuse(stack)`) | ours: {made}, learnt logit scale {scale:.2f} |",
         "| `stackmff_v2_official.pth` | `\"official\"` | the authors' checkpoint, unchanged (MIT; see OFFICIAL.md) |", "",
         "## Recipe", "",
         f"Loss: Eq. 9 with the fixed normalisation (`norm=\"{cfg.norm}\"`) plus {cfg.dist_weight} x the cross-entropy of softmax(scale x scores) "
         f"against the true layer (`dist_weight`, target width {cfg.dist_sigma} layers); a learnt inverse temperature (lr {cfg.scale_lr}). "
         f"AdamW lr {cfg.lr}, weight decay {cfg.weight_decay}, ExponentialLR {cfg.gamma} per epoch of {len(cfg.sources) * cfg.train_stacks} stacks, batch {cfg.batch_size}, "
         f"{cfg.size}x{cfg.size} crops, N in {list(cfg.ns)} (depth-grouped batches), seed {cfg.seed}, sources: "
         + "; ".join(f"{s.get('model')} (span mix {s.get('span_probs')})" for s in cfg.sources) + ". Textures: the scikit-image pictures of "
         "`TRAIN_TEXTURES` and procedural ones; all perturbations of `04_synth`.", "",
         f"Run: `{rel(run)}` (config, log.csv, val.csv and the resumable last.pth), {steps} steps so far, {secs / 3600:.1f} hours of wall time "
         f"on the project's 2-core CPU machine (one PyTorch thread and one synthesis worker), resumed across sessions; "
         f"{total / 3600:.1f} hours in all from the authors' checkpoint to the shipped file.", "",
         "## Choice on validation", "",
         "Mean fused-luma PSNR on the run's validation stacks (the training generators with seeds and textures training never sees):", "",
         "| candidate | validation PSNR dB |", "|---|---|"] + [f"| `{rel(c)}`{' (chosen)' if c == best else ''} | {v:.2f} |" for c, v in scores.items()]
    L += ["", f"## Benchmark (`benchmark_stacks(per_part={args.per_part}, size={tuple(args.size)})`, never used in training or choice)", "",
          "Mean PSNR of the fused colour image against the all-in-focus image, dB (60 = exact); index exact = share of pixels on the true layer. "
          "The network rows composite with `fuse`'s default, the seamless multiresolution spline (`blend=\"spline\"`, lesson 11); "
          "`select (Eq. 8)` takes every pixel from its chosen frame, as the paper does; `laplacian` is the classical argmax with Eq. 8, "
          "`laplacian, spline` the same decision blended (enfuse's hard-mask recipe).", "",
          "| method | " + " | ".join(parts) + " | index exact (full) |", "|---" * (len(parts) + 2) + "|"]
    from stackmff_nb.evaluate import paired_table, results_table
    L += results_table(table).splitlines()[2:]
    if args.compare: L += ["", "Rows added with `--compare`: " + "; ".join(f"{c.split('=', 1)[0]} = `{c.split('=', 1)[1]}`" for c in args.compare) + "."]
    L += ["", "The default minus each other row on the same stacks: mean difference, dB [95% t interval]; stacks won / tied / lost:", "",
          *paired_table(paired, parts).splitlines()]
    def verdict(p):
        say = {w: [m for m, d in paired.items() if test(d[p])] for w, test in
               (("ahead of", lambda d: d["lo"] > 0), ("level with", lambda d: d["lo"] <= 0 <= d["hi"]), ("behind", lambda d: d["hi"] < 0))}
        return "; ".join(f"{w} {', '.join(ms)}" for w, ms in say.items() if ms)
    L += ["", "Verdict per part (ahead of / behind a row: the interval is above / below zero; level with it: the interval holds zero):", ""]
    L += [f"- **{p}**: {verdict(p)}." for p in parts] + ["",
          "## Real stacks with ground truth", "", "| method | " + " | ".join(next(iter(real.values())).keys()) + " |", "|---" * (1 + len(next(iter(real.values())))) + "|"]
    L += [f"| {m} | " + " | ".join(str(v) for v in r.values()) + " |" for m, r in real.items()]
    Path(path).write_text("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
