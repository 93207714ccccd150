"""Real stacks beside enfuse: the whole command's time and memory, seams and detail kept, PSNR where a reference exists.

On every real stack shipped in the package (and Devernay's office scene, both two-frame stacks, where
`stackmff_nb.data.fetch("office")` can get it, e.g. with STACKMFF_NB_DATA pointing at a mirror):

- our default (`stackmff-nb fuse`, seamless spline), the same decision by Eq. 8 (`--blend select`),
  the Laplacian argmax by Eq. 8 and blended (enfuse's hard-mask recipe on our side), and
- enfuse with its manual's focus-stacking recipe (`apt-get install enfuse`; skipped with a note
  where it is absent),

each run as a whole command in a fresh process (the package byte-compiled first, as an installed one is): the methods alternate within each round, the table
gives the median of `--runs` rounds and the peak RSS of the process (`os.wait4`). Quality is
measured on lossless outputs: ours from the library call the command makes (the fused array before
it is encoded), enfuse's from its TIFF. A figure of crops (where Eq. 8 leaves the most seams, and at
where most strong edges have a low confidence: occlusion edges) goes beside the table. A second table
times every shipped stack in one command (a folder of stack folders: Python and torch start once)
beside enfuse run on each stack in turn, the two alternating: what a user with many stacks pays.

One more row per stack times our default through a resident server (`stackmff-nb serve --detach`, started
once before the rounds, lesson 20): the command is then the client, which starts without torch. Its
outputs are the default's (the same bytes), so its quality columns repeat the default's; its peak
memory is the server's, given once below the table. Every other command of ours runs with no server.

With `--large`, the pcb stack enlarged 3x and 5x (7 x 1920x1440 and 7 x 3200x2400, bicubic, as
`fuse_profile.py --large` makes them) joins the time table: where the network, not the start, is the
cost. The median over the shipped stacks leaves them out.

A last table gives each stack's floor: the network's multiply-adds (`torch.utils.flop_counter`, counted at
the size the network runs at) at the speed PyTorch's convolution reaches on the ConvGRU's shape on every
core (`machine_speed`, measured before each stack's rounds and after the last; the fastest counts),
everything else free. A time bar below the floor cannot be met by work on the rest of the command: only a
faster convolution kernel, fewer multiplications (Winograd-style), lower precision or a smaller network go
below it. A command in a fresh process also imports PyTorch first (`python -c "import torch"`, one more
command in every round; the fastest counts): its floor adds that.

    python benchmarks/real_stacks.py [--runs 3] [--large] [--out benchmarks/real_stacks.md] [--figure benchmarks/real_stacks.jpg]
"""
import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np

ENFUSE = ["--exposure-weight=0", "--saturation-weight=0", "--contrast-weight=1", "--hard-mask",
          "--contrast-window-size=5", "--gray-projector=l-star"]
OURS = {"ours (default, spline)": [], "ours, select (Eq. 8)": ["--blend", "select"],
        "laplacian, select": ["--method", "laplacian", "--blend", "select"], "laplacian, spline": ["--method", "laplacian"]}


SHIPPED = ("keyboard", "beetle", "pcb", "ring", "cou_1")


def stacks(names=None, large=None) -> list:
    "(name, list of frame paths, all-in-focus path or None) for every real stack this machine has (or those in `names`); enlarged ones in `large`."
    from stackmff_nb.core import StackError
    from stackmff_nb.data import fetch, stack_path
    from stackmff_nb.io import list_images
    out = [(n, [str(p) for p in list_images(stack_path(n))], None) for n in SHIPPED]
    if large is not None:
        from benchmarks.fuse_profile import enlarged
        out += [(f"pcb x{k}", [str(p) for p in list_images(enlarged(stack_path("pcb"), k, large / f"pcb{k}"))], None) for k in (3, 5)]
    try:
        office = fetch("office")
        out += [(f"office d{d}", [str(office / f"office_stereo1_near{s}.png"), str(office / f"office_stereo1_far{s}.png")],
                 str(office / "office_stereo1_all.png")) for d, s in ((5, ""), (10, "2"))]
    except StackError as e: print(f"office scene left out: {str(e)[:100]}", flush=True)
    return [s for s in out if not names or s[0] in names]


# A small launcher starts each command: Linux carries a process's memory high-water mark across fork and exec,
# so a command forked from this (large) process would report this process's RSS as its own peak.
LAUNCHER = """import json, os, subprocess, sys, time
t0 = time.perf_counter(); p = subprocess.Popen(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = p.stderr.read(); _, status, ru = os.wait4(p.pid, 0)
print(json.dumps(dict(seconds=time.perf_counter() - t0, rss_mb=ru.ru_maxrss / 1024, status=status, err=err.decode(errors="replace")[-300:])))"""


def timed(cmd: list) -> dict:
    "Run a command in a fresh process: wall seconds and its peak RSS (MB)."
    import json
    r = json.loads(subprocess.run([sys.executable, "-c", LAUNCHER, json.dumps(cmd)], capture_output=True, text=True, check=True).stdout)
    if r["status"] != 0: raise RuntimeError(f"{' '.join(cmd[:3])} ... failed: {r['err'].strip()}")
    return dict(seconds=r["seconds"], rss_mb=r["rss_mb"])


def alternating(cmds: dict, runs: int) -> dict:
    "{method: [timed(...) of each round]}: every round runs each command once, in turn forwards and backwards."
    times = {k: [] for k in cmds}
    for r in range(runs):
        for k in (list(cmds) if r % 2 == 0 else list(cmds)[::-1]): times[k].append(timed(cmds[k]))
    return times


CLI = str(Path(sys.executable).parent / "stackmff-nb")


def enfuse_cmd(enfuse: str, frames: list, out: Path) -> list: return [enfuse, *ENFUSE, "-o", str(out), *frames]


SERVED = "ours (default), resident server"
IMPORT = "import torch"


def served(sock: Path) -> list: return ["env", f"STACKMFF_NB_SOCKET={sock}", CLI]   # our program, talking to the server at `sock`


def start_server() -> tuple:
    "A detached `stackmff-nb serve` on a socket of its own: (socket path, pid). Commands of ours elsewhere see no server."
    import re
    os.environ["STACKMFF_NB_SOCKET"] = str(Path(tempfile.mkdtemp(prefix="noserve-")) / "none.sock")
    sock = Path(tempfile.mkdtemp(prefix="serve-")) / "s.sock"
    r = subprocess.run([*served(sock), "serve", "--detach", "--idle", "3600"], capture_output=True, text=True, check=True)
    return sock, int(re.search(r"pid (\d+)", r.stderr)[1])


def stop_server(sock: Path, pid: int) -> float:
    "Stop the server; its peak RSS (MB) over the whole benchmark."
    hwm = next(int(l.split()[1]) for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("VmHWM")) / 1024
    subprocess.run([*served(sock), "serve", "--stop"], capture_output=True, check=True)
    return hwm


def commands(frames: list, work: Path, enfuse: str, sock: Path) -> dict:
    "The whole command of every method on one stack, each writing into its own folder under `work`."
    cmds = {k: [CLI, "fuse", *frames, "-o", str(work / f"method{i}"), "-q", "--overwrite", *extra] for i, (k, extra) in enumerate(OURS.items())}
    cmds[SERVED] = [*served(sock), "fuse", *frames, "-o", str(work / "served"), "-q", "--overwrite"]
    if enfuse: cmds["enfuse (hard mask)"] = enfuse_cmd(enfuse, frames, work / "enfuse.tif")
    cmds[IMPORT] = [sys.executable, "-c", "import torch"]                      # what every fresh command of ours pays first
    return cmds


def one_command(sts: list, runs: int, enfuse: str) -> dict:
    "Every stack in one `stackmff-nb fuse` (a folder of stack folders) and enfuse on each in turn: {method: median seconds}."
    work = Path(tempfile.mkdtemp(prefix="batch-"))
    for name, frames, _ in sts:
        (work / "in" / name).mkdir(parents=True)
        for f in frames: (work / "in" / name / Path(f).name).symlink_to(f)
    cmds = {"ours (default, spline)": [CLI, "fuse", str(work / "in"), "-o", str(work / "out"), "-q", "--overwrite"],
            "enfuse (hard mask)": ["sh", "-c", " && ".join(shlex.join(enfuse_cmd(enfuse, frames, work / f"{name}.tif")) for name, frames, _ in sts)]}
    times = alternating(cmds, runs)
    shutil.rmtree(work, ignore_errors=True)
    return {k: statistics.median(t["seconds"] for t in v) for k, v in times.items()}


def outputs(frames: list, work: Path) -> dict:
    "The fused arrays (lossless) of every method, plus ours' index and confidence maps."
    import cv2

    import stackmff_nb as smn
    st = smn.read_stack(frames)
    res = {"ours (default, spline)": smn.fuse(st), "ours, select (Eq. 8)": smn.fuse(st, blend="select"),
           "laplacian, select": smn.fuse(st, method="laplacian", blend="select"), "laplacian, spline": smn.fuse(st, method="laplacian")}
    out = {k: r.fused for k, r in res.items()}
    if (work / "enfuse.tif").is_file():
        e = cv2.imread(str(work / "enfuse.tif"), cv2.IMREAD_UNCHANGED)
        if e.ndim == 3 and e.shape[2] in (2, 4): e = e[..., :-1]                 # drop enfuse's alpha channel
        e = cv2.cvtColor(e, cv2.COLOR_BGR2RGB) if e.ndim == 3 and e.shape[2] == 3 else e.reshape(e.shape[:2])
        if e.dtype != st.dtype: e = (e >> 8).astype(np.uint8) if st.dtype == np.uint8 else e
        out["enfuse (hard mask)"] = e
    return st, out, res["ours (default, spline)"]


def network_gmac(st) -> tuple:
    "(N, H', W', GMAC): the size the network runs at (luma padded to multiples of 32) and its multiply-adds, counted on a meta-device copy."
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from stackmff_nb.fuse import network_input
    from stackmff_nb.model import StackMFFV2
    shape = network_input(st.frames)[0].shape
    with torch.no_grad(), FlopCounterMode(display=False) as fc: StackMFFV2().to("meta")(torch.empty(shape, device="meta"))
    return (*shape[1:], fc.get_total_flops() / 2e9)


def crops(st, out: dict, res, best, size: int = 96) -> list:
    "Two crops: where Eq. 8 adds the most edges no frame has, and where most strong edges have a confidence below 0.3."
    import cv2

    from stackmff_nb.composite import luma_gradient
    seam = (luma_gradient(out["ours, select (Eq. 8)"]) > cv2.dilate(best, np.ones((3, 3), np.uint8)) + 10).astype(np.float32)
    unsure = (res.confidence < 0.3) & (best > np.percentile(best, 90))   # unsure where a frame has strong edges: occlusions
    places = []
    for score in (seam, unsure):
        d = cv2.boxFilter(score.astype(np.float32), -1, (size, size))
        y, x = np.unravel_index(np.argmax(d), d.shape)
        y, x = int(np.clip(y - size // 2, 0, st.size[0] - size)), int(np.clip(x - size // 2, 0, st.size[1] - size))
        places.append((slice(y, y + size), slice(x, x + size)))
    return places


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stacks", nargs="*", help="only these (default: all), e.g. ring 'office d5'")
    ap.add_argument("--large", action="store_true", help="also the pcb stack enlarged 3x and 5x (time table only in the median's sense)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "real_stacks.md"))
    ap.add_argument("--figure", default=str(ROOT / "benchmarks" / "real_stacks.jpg"))
    args = ap.parse_args(argv)
    import compileall

    import stackmff_nb
    from benchmarks.bench_fuse import machine_speed
    from stackmff_nb.composite import best_gradient, seams_and_detail
    from stackmff_nb.evaluate import psnr_ssim
    from stackmff_nb.io import read_image
    compileall.compile_dir(str(Path(stackmff_nb.__file__).parent), quiet=1)   # bytecode, as an installed package has it
    enfuse = shutil.which("enfuse")
    if not enfuse: print("enfuse not found: its rows are left out (Debian: apt-get install enfuse)", flush=True)
    large = Path(tempfile.mkdtemp(prefix="large-")) if args.large else None
    rows, panels, sts, nets, speeds, imports = [], [], stacks(args.stacks, large), {}, [], []
    sock, pid = start_server()
    for name, frames, aif in sts:
        work = Path(tempfile.mkdtemp(prefix="real-"))
        cmds = commands(frames, work, enfuse, sock); speeds.append(machine_speed(os.cpu_count()))
        times = alternating(cmds, args.runs); imports += [t["seconds"] for t in times[IMPORT]]
        st, out, res = outputs(frames, work)
        nets[name] = network_gmac(st)
        best = best_gradient(st.frames); ref = read_image(aif) if aif else None
        base = statistics.median(t["seconds"] for t in times["enfuse (hard mask)"]) if enfuse else None
        quality = {k: seams_and_detail(img, st.frames, best=best) for k, img in out.items()}
        quality[SERVED] = quality["ours (default, spline)"]                     # the same bytes as the default's
        for k, q in quality.items():
            img = out.get(k, out["ours (default, spline)"])
            row = dict(stack=name, n=st.n, size=f"{st.size[1]}x{st.size[0]}", method=k, seconds=statistics.median(t["seconds"] for t in times[k]),
                       rss_mb=statistics.median(t["rss_mb"] for t in times[k]), **q)
            row["ratio"] = row["seconds"] / base if base else None
            if ref is not None: row["psnr"] = psnr_ssim(ref.astype(img.dtype), img)[0]
            rows.append(row); print(row, flush=True)
        if name in SHIPPED and quality["ours, select (Eq. 8)"]["seams"] > 0.01:
            panels.append((name, st, out, crops(st, out, res, best)))           # the stacks where Eq. 8 leaves seams
        shutil.rmtree(work, ignore_errors=True)
    if large: shutil.rmtree(large, ignore_errors=True)
    server_mb = stop_server(sock, pid); speeds.append(machine_speed(os.cpu_count()))
    shipped = [s for s in sts if s[0] in SHIPPED]
    together = one_command(shipped, args.runs, enfuse) if enfuse and len(shipped) > 1 else None
    write_table(rows, args, enfuse, together, [s[0] for s in shipped], server_mb, floor_table(rows, nets, speeds, min(imports)))
    write_figure(panels, args.figure)


BAR, MEDIAN_BAR = 3.0, 2.0  # issue 22: no stack over 3.0x enfuse's whole-command time, the median over the shipped stacks at most 2.0x


def floor_table(rows, nets: dict, speeds: list, torch_s: float) -> list:
    "Markdown lines: each stack's network size, multiply-adds and floor (seconds at the fastest speed measured; plus `torch_s` in a fresh process)."
    speed = max(speeds); t = {(r["stack"], r["method"]): r for r in rows}
    L = ["", f"The network's floor: its multiply-adds at {speed:.0f} GMAC/s, a 3x3 convolution of the ConvGRU's shape on all {os.cpu_count()} cores (`machine_speed`, "
         f"{min(speeds):.0f} to {speed:.0f} GMAC/s over the run; the fastest counts), with nothing else costing any time; in a fresh process PyTorch's import "
         f"comes first (`python -c \"import torch\"` in every round: {torch_s:.2f} s, the fastest).", "",
         "| stack | network runs at | GMAC | floor s | floor x enfuse | ours, server x enfuse | fresh floor x enfuse | ours, fresh x enfuse |",
         "|---" * 8 + "|"]
    over, shipped = [], []
    for name, (n, h, w, gmac) in nets.items():
        enf = t.get((name, "enfuse (hard mask)")); floor = gmac / speed
        ratio = lambda m: f"{t[(name, m)]['ratio']:.2f}" if enf and (name, m) in t else "-"
        of = lambda s: f"{s / enf['seconds']:.2f}" if enf else "-"
        L.append(f"| {name} | {n} x {w}x{h} | {gmac:.1f} | {floor:.2f} | {of(floor)} | {ratio(SERVED)} | {of(floor + torch_s)} | "
                 f"{ratio('ours (default, spline)')} |")
        if enf and name in SHIPPED:
            r = floor / enf["seconds"]; shipped.append((r, (floor + torch_s) / enf["seconds"]))
            if r > BAR: over.append(f"{name} ({r:.2f}x)")
    if shipped: L += ["", f"Median over the shipped stacks: the floor {statistics.median(f for f, _ in shipped):.2f}x enfuse's time, the fresh floor "
                      f"{statistics.median(f for _, f in shipped):.2f}x (the bar for the median: {MEDIAN_BAR:.1f}x)."]
    if over: L += ["", f"Over {BAR:.1f}x enfuse's time by the network's floor alone: {', '.join(over)}. There the bar cannot be met by this "
                   "network with PyTorch's float32 convolution on this machine, whatever the rest of the command costs."]
    return L


def write_table(rows, args, enfuse, together=None, names=(), server_mb=None, floor=()):
    import datetime

    import torch

    from benchmarks.bench_fuse import cpu_name
    L = [f"# Real stacks: our default beside enfuse ({cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, {datetime.date.today()})", "",
         f"Produced by `python benchmarks/real_stacks.py --runs {args.runs}{' --large' * args.large}`. Time: the whole command in a fresh process (interpreter start, "
         f"imports, decoding, the network, compositing, encoding, every output file), median of {args.runs} rounds with the methods alternating; "
         "RSS: the process's peak. Seams: % of pixels with an edge no frame has there (more than 10 grey levels above the frames' best gradient "
         "within one pixel); detail: % of the frames' best per-pixel gradient kept (`seams_and_detail`, lesson 11). PSNR against the all-in-focus "
         "image where one exists. enfuse: " + (f"`enfuse {' '.join(ENFUSE)}` (its manual's focus-stacking recipe)." if enfuse else "not installed, left out."), "",
         "| stack | N | size | method | seconds | x enfuse | peak MB | seams % | detail % | PSNR dB |", "|---" * 10 + "|"]
    for r in rows:
        L.append(f"| {r['stack']} | {r['n']} | {r['size']} | {r['method']} | {r['seconds']:.2f} | " + (f"{r['ratio']:.2f}" if r["ratio"] else "-")
                 + f" | {'-' if r['method'] == SERVED else format(r['rss_mb'], '.0f')} | {r['seams']:.3f} | {r['detail']:.1f} | " + (f"{r['psnr']:.2f}" if "psnr" in r else "-") + " |")
    if enfuse:
        ours = {r["stack"]: r for r in rows if r["method"] == "ours (default, spline)"}
        enf = {r["stack"]: r for r in rows if r["method"] == "enfuse (hard mask)"}
        ok_s = [s for s in ours if ours[s]["seams"] <= enf[s]["seams"]]; ok_d = [s for s in ours if ours[s]["detail"] >= enf[s]["detail"] - 3]
        ratios = [ours[s]["ratio"] for s in ours if s in SHIPPED]
        L += ["", f"Our default against enfuse: seams at or below enfuse's on {len(ok_s)} of {len(ours)} stacks, detail kept at least enfuse's "
              f"minus 3 points on {len(ok_d)} of {len(ours)}; whole-command time {statistics.median(ratios):.2f}x enfuse's (median over the stacks; "
              f"{min(ratios):.2f}x to {max(ratios):.2f}x)."]
        bigger = [s for s in ours if s.startswith("pcb x")]
        if bigger: L[-1] += " Enlarged, where the network is most of the time: " + ", ".join(f"{s} {ours[s]['ratio']:.2f}x" for s in bigger) + "."
        served = {r["stack"]: r["ratio"] for r in rows if r["method"] == SERVED}
        if served:
            sr = [served[s] for s in served if s in SHIPPED]
            L += ["", f"Through a resident server (`stackmff-nb serve`, started once): {statistics.median(sr):.2f}x enfuse's time (median over the "
                  f"shipped stacks; {min(sr):.2f}x to {max(sr):.2f}x" + ("; " + ", ".join(f"{s} {served[s]:.2f}x" for s in bigger) if bigger else "")
                  + f"). The server's peak RSS over the whole benchmark: {server_mb:.0f} MB."]
    if together:
        ours, enf = together["ours (default, spline)"], together["enfuse (hard mask)"]
        L += ["", f"Every shipped stack ({', '.join(names)}) in one command, `stackmff-nb fuse FOLDER_OF_STACKS` against enfuse run on each "
              f"in turn, median of {args.runs} alternating rounds:", "", "| command | seconds | x enfuse |", "|---|---|---|",
              f"| ours (default, spline), one process | {ours:.2f} | {ours / enf:.2f} |", f"| enfuse (hard mask), one per stack | {enf:.2f} | 1.00 |"]
    L += list(floor)
    L += ["", "![crops](real_stacks.jpg)", "",
          "The figure: for each stack where Eq. 8 leaves seams, the crop where it leaves the most (top) and the crop where most strong edges have a confidence "
          "below 0.3 (bottom: occlusion edges, mostly), fused by each method. What to notice: Eq. 8 and the Laplacian argmax leave blotches in "
          "the beetle's dark background and a hard-edged white patch on the pcb; the spline removes them and keeps the edges, where enfuse's "
          "blend rings on the ring's facets and the pcb's rim."]
    Path(args.out).write_text("\n".join(L) + "\n")
    print("\n".join(L))


def write_figure(panels, path):
    import matplotlib; matplotlib.use("Agg")  # noqa: I001 (the backend before pyplot)
    import matplotlib.pyplot as plt
    methods = list(panels[0][2])
    fig, axs = plt.subplots(2 * len(panels), len(methods), figsize=(2.2 * len(methods), 2.3 * 2 * len(panels)), squeeze=False)
    for i, (name, st, out, places) in enumerate(panels):
        for j, (ys, xs) in enumerate(places):
            for k, m in enumerate(methods):
                ax = axs[2 * i + j, k]; img = out[m][ys, xs]
                ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=255); ax.set_xticks([]); ax.set_yticks([])
                if 2 * i + j == 0: ax.set_title(m, fontsize=8)
                if k == 0: ax.set_ylabel(f"{name}: {'seams' if j == 0 else 'unsure'}", fontsize=8)
    fig.suptitle("Real stacks, crops: Eq. 8's seams (rows 'seams') and the places the network is least sure (rows 'unsure')", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97)); fig.savefig(path, dpi=110, pil_kwargs={"quality": 88}); plt.close(fig)


if __name__ == "__main__":
    main()
