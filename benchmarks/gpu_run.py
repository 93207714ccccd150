"""One command for a borrowed accelerator: check, time and train StackMFF V2 within a fixed wall-clock budget.

    python benchmarks/gpu_run.py --budget 540 --out "$OUT" --config configs/gpu-from-shipped.json

Runs from a plain checkout (no install: the repository root goes on `sys.path`) with torch, numpy,
OpenCV and scikit-image alone. In order, each step bounded by what is left of the budget:

1. the device and the versions of everything that matters;
2. parity: the network on the shipped keyboard stack on the device against the CPU, float32 (index
   agreement, largest probability difference) and under bfloat16 autocast (agreement reported);
3. timing of the forward pass at the sizes of the paper's Table 2 datasets, synchronised, median of
   several runs, peak device memory, float32 and bfloat16, reference and fast paths;
4. training from the config for the rest of the budget, checkpointing as it goes, so a run cut short
   still leaves `last.pth`.

Everything lands flat in `--out` (7 files, each well under 16 MB): report.md, results.json, and the
training run's config.json, log.csv, val.csv, last.pth, weights.pth. On a CPU it runs the same steps
(timing rows say "no accelerator"), which is how the test suite checks it.
"""
import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import torch

# Table 2 of the paper times whole datasets; these are their typical stack shapes (N, H, W)
TABLE2_SIZES = [("Mobile Depth (the keyboard: 32 x 360x640)", 32, 360, 640), ("NYU Depth V2 (640x480)", 16, 480, 640),
                ("Middlebury (about 740x555)", 16, 544, 736), ("FlyingThings3D (960x540)", 16, 544, 960),
                ("Road-MF (about 520x520)", 16, 512, 512), ("a 12 MP camera (4000x3000)", 24, 3008, 4000)]


class Budget:
    "Seconds left of a wall-clock budget."
    def __init__(self, seconds: float): self.end = time.monotonic() + seconds
    def left(self) -> float: return self.end - time.monotonic()


def sync(dev):
    if dev.type == "cuda": torch.cuda.synchronize(dev)
    elif dev.type == "mps": torch.mps.synchronize()


def environment(dev) -> dict:
    "The device and the versions a reader needs to compare numbers."
    import cv2
    import skimage

    import stackmff_nb
    env = dict(python=platform.python_version(), torch=torch.__version__, numpy=np.__version__, opencv=cv2.__version__,
               skimage=skimage.__version__, stackmff_nb=stackmff_nb.__version__, device=str(dev), cpu_threads=torch.get_num_threads())
    if dev.type == "cuda":
        p = torch.cuda.get_device_properties(dev)
        env.update(gpu=p.name, gpu_memory_gb=round(p.total_memory / 2**30, 1), cuda=torch.version.cuda,
                   cudnn=torch.backends.cudnn.version(), capability=".".join(map(str, torch.cuda.get_device_capability(dev))))
    return env


@torch.inference_mode()
def forward(model, x, impl: str, bf16: bool):
    "Scores and probabilities of the reference or the fast pass, float32 or under bfloat16 autocast."
    from stackmff_nb.speed import fast_forward
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        out = model(x) if impl == "reference" else fast_forward(model, x)
    return out.probs.float(), out.focus.float()


def parity(model_cpu, dev, frames: int, crop) -> dict:
    "The network on the keyboard stack: the device against the CPU (the reference pass on the CPU is the yardstick)."
    from stackmff_nb.core import stack_luma
    from stackmff_nb.data import stack_path
    from stackmff_nb.io import read_stack
    from stackmff_nb.model import on_device
    from stackmff_nb.regression import focus_to_index
    st = read_stack(stack_path("keyboard"))
    x = stack_luma(st.frames[:frames], multiple=32)                        # (1,N,H',W') float32, padded to multiples of 32
    if crop: x = x[..., :crop[0], :crop[1]]
    n = x.shape[1]
    p_ref, f_ref = forward(model_cpu, x, "reference", False)
    i_ref = focus_to_index(f_ref, n)
    model = on_device(model_cpu, dev); xd = x.to(dev)
    rows = {}
    for impl in ("reference", "fast"):
        for bf16 in (False, True):
            p, f = forward(model, xd, impl, bf16)
            rows[f"{impl} {'bf16' if bf16 else 'float32'}"] = dict(
                index_agreement=float((focus_to_index(f, n).cpu() == i_ref).double().mean()),
                max_prob_diff=float((p.cpu() - p_ref).abs().max()), max_focus_diff=float((f.cpu() - f_ref).abs().max()))
    return dict(stack=f"keyboard, {n} frames, {x.shape[-1]}x{x.shape[-2]}", rows=rows,
                float32_ok=all(r["index_agreement"] >= 0.999 and r["max_prob_diff"] <= 1e-3 for k, r in rows.items() if "float32" in k))


def time_case(model, dev, n, h, w, impl, bf16, runs, budget) -> dict:
    "Median synchronised seconds of the forward pass on an (1,n,h,w) stack already on the device, and its peak memory."
    torch.manual_seed(0)
    x = torch.rand(1, n, h, w, device=dev)
    times = []
    if dev.type == "cuda": torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(dev)
    try:
        for k in range(runs + 1):                                         # the first run warms up (kernels, allocator)
            if budget.left() < 5: break
            sync(dev); t0 = time.perf_counter(); forward(model, x, impl, bf16); sync(dev)
            if k: times.append(time.perf_counter() - t0)
    except Exception as e:
        from stackmff_nb.core import is_out_of_memory
        if not is_out_of_memory(e): raise
        return dict(error="out of memory")
    finally: del x
    if not times: return dict(error="out of budget")
    peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else float("nan")
    return dict(seconds=statistics.median(times), runs=len(times), peak_mb=round(peak))


def timing(model_cpu, dev, runs: int, budget: Budget, sizes) -> list:
    from stackmff_nb.model import on_device
    if dev.type == "cpu": return [dict(case=c, n=n, size=f"{w}x{h}", note="no accelerator") for c, n, h, w in sizes]
    model, rows = on_device(model_cpu, dev), []
    for case, n, h, w in sizes:
        for impl in ("reference", "fast"):
            for bf16 in (False, True):
                r = time_case(model, dev, n, h, w, impl, bf16, runs, budget) if budget.left() > 10 else dict(error="out of budget")
                rows.append(dict(case=case, n=n, size=f"{w}x{h}", impl=impl, dtype="bf16" if bf16 else "float32", **r))
                print("timing", rows[-1], flush=True)
    return rows


def data_rate(cfg, seconds: float) -> dict:
    "Training stacks per second that the DataLoader's worker processes synthesise (the GPU step must not wait for them)."
    from torch.utils.data import ConcatDataset

    from stackmff_nb.train import RunSampler, _loader, make_sources
    sets = [ConcatDataset(make_sources(cfg, "train", 0))]
    dl = _loader(sets[0], RunSampler(sets, cfg.batch_size, seed=cfg.seed), cfg.workers)
    n, it = 0, iter(dl); next(it)                                       # the workers have started
    t0 = time.perf_counter()
    for b in it:
        n += b["stack"].shape[0]
        if time.perf_counter() - t0 > seconds: break
    dt = time.perf_counter() - t0
    return dict(stacks=n, seconds=round(dt, 2), stacks_per_second=round(n / dt, 1), workers=cfg.workers, size=cfg.size)


def train_rest(cfg, budget: Budget, out: Path, margin: float) -> dict:
    "Train from the config for what is left of the budget (less a margin for the final validation and the report)."
    from stackmff_nb.train import train
    cfg.out, cfg.max_seconds = str(out), max(1.0, budget.left() - margin)
    res = train(cfg, resume=(out / "last.pth").is_file(), progress=False)
    return dict(steps=res["step"], seconds=res["seconds"], val=res.get("val"), max_seconds=round(cfg.max_seconds, 1))


def report(results: dict) -> str:
    "The results as Markdown: environment, parity, timing, data rate, training."
    env, lines = results["environment"], ["# GPU run", ""]
    lines += [f"- {k}: {v}" for k, v in env.items()] + [f"- budget: {results['budget_s']} s, used {results['used_s']} s", ""]
    par = results.get("parity")
    if par:
        lines += [f"## Parity: {par['stack']}, device against the CPU reference pass", "",
                  "| path | index agreement | max prob diff | max focus diff |", "|---|---|---|---|"]
        lines += [f"| {k} | {r['index_agreement']:.4%} | {r['max_prob_diff']:.2e} | {r['max_focus_diff']:.2e} |" for k, r in par["rows"].items()]
        lines += ["", f"float32 within the bars (index >= 99.9%, probabilities within 1e-3): {'yes' if par['float32_ok'] else 'NO'}", ""]
    lines += ["## Forward pass time (synchronised, input on the device)", "",
              "| stack | N | size | path | dtype | median s | runs | peak MB |", "|---|---|---|---|---|---|---|---|"]
    for r in results.get("timing", []):
        if "seconds" in r: tail = [r["impl"], r["dtype"], f"{r['seconds']:.4f}", r["runs"], r["peak_mb"]]
        else: tail = [r.get("impl", "-"), r.get("dtype", "-"), r.get("note") or r.get("error"), "-", "-"]
        lines.append("| " + " | ".join(map(str, [r["case"], r["n"], r["size"], *tail])) + " |")
    if "data" in results:
        d = results["data"]
        lines += ["", f"## Data: {d['stacks_per_second']} training stacks/s from {d['workers']} worker processes ({d['size']}x{d['size']})"]
    if "train" in results:
        t = results["train"]
        lines += ["", f"## Training: {t['steps']} steps in {t['seconds']} s (limit {t['max_seconds']} s)", "",
                  "| source | Eq. 9 loss | focus MAE (layers) | PSNR dB | SSIM |", "|---|---|---|---|---|"]
        lines += [f"| {s} | {m['loss']:.5f} | {m['mae']:.3f} | {m['psnr']:.2f} | {m['ssim']:.4f} |" for s, m in (t.get("val") or {}).items()]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=float, required=True, help="wall-clock seconds for everything")
    ap.add_argument("--out", required=True, help="folder for the few files that come back")
    ap.add_argument("--config", default=str(ROOT / "configs" / "gpu-from-shipped.json"), help="training config (JSON TrainConfig)")
    ap.add_argument("--init", help="checkpoint to start training from (overrides the config's init)")
    ap.add_argument("--device", default="auto", help="cuda, mps, cpu or auto (default: %(default)s)")
    ap.add_argument("--parity-frames", type=int, default=32, help="keyboard frames for the parity check")
    ap.add_argument("--parity-crop", type=int, nargs=2, metavar=("H", "W"), help="crop the parity stack (multiples of 32)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per case (after one warm-up)")
    ap.add_argument("--sizes", type=int, default=len(TABLE2_SIZES), help="how many of the Table 2 sizes to time")
    ap.add_argument("--data-seconds", type=float, default=10, help="seconds to measure the synthesis rate")
    ap.add_argument("--margin", type=float, default=30, help="seconds kept back from training for the last validation and report")
    args = ap.parse_args(argv)
    budget, t0 = Budget(args.budget), time.monotonic()
    from stackmff_nb.core import resolve_device
    from stackmff_nb.model import load_model
    from stackmff_nb.train import TrainConfig
    dev = resolve_device(args.device)
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    results = dict(budget_s=args.budget, environment=environment(dev))
    def save():
        results["used_s"] = round(time.monotonic() - t0, 1)
        (out / "results.json").write_text(json.dumps(results, indent=1))
        (out / "report.md").write_text(report(results))
    print(json.dumps(results["environment"]), flush=True); save()
    cfg = TrainConfig.load(args.config)
    if args.init: cfg.init = args.init
    cfg.device = str(dev)
    official = load_model("official")
    results["parity"] = parity(official, dev, args.parity_frames, args.parity_crop); save()
    print("parity", json.dumps(results["parity"]), flush=True)
    results["timing"] = timing(official, dev, args.runs, Budget(max(0.0, budget.left() * 0.35)), TABLE2_SIZES[:args.sizes]); save()
    if cfg.workers and budget.left() > args.data_seconds + args.margin:
        results["data"] = data_rate(cfg, args.data_seconds); save(); print("data", results["data"], flush=True)
    results["train"] = train_rest(cfg, budget, out, args.margin); save()
    print(report(results))


if __name__ == "__main__":
    main()
