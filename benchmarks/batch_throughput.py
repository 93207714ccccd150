"""Throughput of a batch: one process against Dask workers, and what each task costs beyond its fusion.

Writes an OME-Zarr plate of `--fields` fields (default 24: 2 rows x 3 columns x 4 fields), each a grey stack of
8 planes of 256x256 synthesised from scikit-image's camera, then runs in a fresh process per run, alternating:

- the whole command, `stackmff-nb fuse plate.zarr -o out.zarr` in this process (`--workers 0`) and on a local
  Dask cluster of 1 and 2 worker processes (each worker gets cores/K torch threads);
- a job that does nothing (so what remains is the batch's own cost: fingerprints, the manifest, the scheduler),
  on 24 and on 96 tasks; the difference over the 72 extra tasks is the marginal cost of one task, the rest is the
  start of the cluster.

Every run's output plate must hold the same bytes as the in-process run, and the in-process run the same as
`fuse` called directly on each field. Writes `batch_throughput.md`: medians of `--runs`, stacks per second, the
ratio against in-process, the driver's and the largest worker's peak RSS.

    python benchmarks/batch_throughput.py --runs 3
"""
import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
plate, out, workers, job = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if job == "fuse":
    from stackmff_nb.cli import main
    rc = main(["fuse", plate, "-o", out, "--workers", str(workers), "-q"]); n = None
else:
    from stackmff_nb.batch import Task, plan_tasks, run_batch
    def noop(task, out): return dict(outputs=[])
    tasks = plan_tasks(plate); k = int(job.split(":")[1]) // len(tasks)
    tasks = [Task(f"{t.name}#{i}", t.source, t.field) for i in range(k) for t in tasks]
    r = run_batch(tasks, noop, out, workers=workers, quiet=True); rc = 0 if not r["failed"] else 2; n = len(r["fused"])
secs = time.perf_counter() - t0
print(json.dumps(dict(rc=rc, n=n, seconds=secs, driver=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      worker=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)))
"""

def make_plate(path: Path, rows="AB", cols=(1, 2, 3), fields=4, n=8, size=256):
    "An OME-Zarr plate whose every field is a grey focus stack (z, y, x) of `n` planes."
    import zarr
    from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata

    from stackmff_nb.synth import depth_occluders, layered_stack, load_texture
    wells = [f"{r}/{c}" for r in rows for c in cols]
    root = zarr.open_group(str(path), mode="w")
    write_plate_metadata(root, list(rows), [str(c) for c in cols], wells, field_count=fields)
    tex = load_texture("camera")
    for i, w in enumerate(wells):
        r, c = w.split("/"); wg = root.require_group(r).require_group(c)
        write_well_metadata(wg, [str(f) for f in range(fields)])
        for f in range(fields):
            rng = np.random.default_rng(10 * i + f); y, x = rng.integers(0, tex.shape[0] - size, 2)
            st, _ = layered_stack(tex[y:y + size, x:x + size, 1], depth_occluders(size, size, rng), n)
            write_image(st, wg.require_group(str(f)), axes="zyx", scale_factors=[])
    return [f"{w}/{f}" for w in wells for f in range(fields)]

def plate_digest(path: Path, fields) -> str:
    "One hash of every field's full-resolution image and index labels, in field order."
    import zarr

    from stackmff_nb.batch import _ome
    root, h = zarr.open_group(str(path), mode="r"), hashlib.sha256()
    for f in fields:
        for g in (root[f], root[f"{f}/labels/index"]):
            level0 = _ome(g)["multiscales"][0]["datasets"][0]["path"]; h.update(np.ascontiguousarray(g[level0][:]).tobytes())
    return h.hexdigest()

def direct_digest(plate: Path, fields) -> str:
    "The same hash for `fuse` called on each field here, with no batch machinery (channels first, as the plate holds it)."
    from stackmff_nb.batch import read_zarr_stack
    from stackmff_nb.fuse import fuse
    h = hashlib.sha256()
    for f in fields:
        res = fuse(read_zarr_stack(plate, f)); img = res.fused if res.fused.ndim == 2 else np.moveaxis(res.fused, -1, 0)
        h.update(np.ascontiguousarray(img).tobytes()); h.update(res.index.astype(np.uint16).tobytes())
    return h.hexdigest()

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3); ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--fields", type=int, default=4, help="fields per well (6 wells)")
    ap.add_argument("--out", default=str(Path(__file__).with_suffix(".md")))
    a = ap.parse_args(argv)
    n = 6 * a.fields
    rows = {"fuse, in this process": (0, "fuse"), "fuse, 1 Dask worker": (1, "fuse"), "fuse, 2 Dask workers": (2, "fuse"),
            **{f"no-op x{m}, {w}": (k, f"noop:{m}") for m in (n, 4 * n) for k, w in ((0, "in this process"), (2, "2 Dask workers"))}}
    got = {k: [] for k in rows}; digests = {}
    with tempfile.TemporaryDirectory() as d:
        plate = Path(d) / "plate.zarr"; fields = make_plate(plate, fields=a.fields, size=a.size)
        for r in range(a.runs):
            for k in (list(rows) if r % 2 == 0 else list(rows)[::-1]):
                workers, job = rows[k]; out = Path(d) / f"out-{r}-{abs(hash(k))}.zarr"
                p = subprocess.run([sys.executable, "-c", CHILD, str(plate), str(out), str(workers), job], capture_output=True, text=True)
                if p.returncode: sys.exit(f"{k}: failed\n{p.stderr[-2000:]}")
                res = json.loads(p.stdout.strip().splitlines()[-1]); got[k].append(res)
                if job == "fuse": digests.setdefault(k, set()).add(plate_digest(out, fields))
        direct = direct_digest(plate, fields)
    base = "fuse, in this process"
    same = {k: v == {direct} for k, v in digests.items()}
    assert all(same.values()), f"outputs differ from fuse() called directly: {same}"
    med = lambda k, f: statistics.median(g[f] for g in got[k])
    lines = [f"# Batch throughput: one process against Dask workers ({platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')})", "",
             f"Produced by `python benchmarks/batch_throughput.py --runs {a.runs}`: an OME-Zarr plate of {n} fields, each "
             f"8 grey planes of {a.size}x{a.size}, fused by the default network through the whole command "
             f"(`stackmff-nb fuse plate.zarr -o out.zarr --workers K`), a fresh process per run, the rows alternating; "
             f"medians of {a.runs}. Seconds include Python's start, imports and, with workers, the cluster's start.", "",
             "| run | seconds | stacks/s | x in-process | driver peak RSS MB | largest worker peak RSS MB |", "|---|---|---|---|---|---|"]
    for k in rows:
        if not k.startswith("fuse"): continue
        s = med(k, "seconds")
        lines.append(f"| {k} | {s:.1f} | {n / s:.2f} | {s / med(base, 'seconds'):.2f} | {med(k, 'driver') / 1e6:.0f} | "
                     + (f"{med(k, 'worker') / 1e6:.0f} |" if rows[k][0] else "- |"))
    lines += ["", f"Every output plate holds the same bytes as `fuse` called directly on each field "
              f"(sha256 of images and index labels: {'same' if all(same.values()) else 'DIFFERENT'} for all {len(same)} ways).", "",
              "What a task costs beyond its fusion (a job that does nothing):", "",
              "| run | seconds |", "|---|---|"]
    for k in rows:
        if not k.startswith("no-op"): continue
        lines.append(f"| {k} | {med(k, 'seconds'):.2f} |")
    extra = 3 * n
    for w in ("in this process", "2 Dask workers"):
        small, large = [k for k in rows if k.startswith("no-op") and k.endswith(w)]
        per = (med(large, "seconds") - med(small, "seconds")) / extra * 1e3
        start = med(small, "seconds") - n * per / 1e3
        lines.append(f"\n{w}: {per:.1f} ms per task (the {extra} extra tasks of x{4 * n} over x{n}), "
                     f"{start:.1f} s to start (Python, imports" + (", the cluster)" if "Dask" in w else ")"))
    lines += ["", "On a machine this small the workers only share its cores: the point of the table is what Dask adds "
              "per task and to start, which on a cluster of many machines is the whole price of spreading the plate."]
    Path(a.out).write_text("\n".join(lines) + "\n"); print("\n".join(lines))

if __name__ == "__main__":
    main()
