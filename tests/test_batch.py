"""Batches at scale, with real processes: Dask workers killed mid-batch, a driver killed mid-batch, OME-Zarr plates in and out.
No test needs the network: the classical Laplacian method fuses every stack."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import stackmff_nb as smn
from stackmff_nb.baselines import laplacian_fuse
from stackmff_nb.batch import MANIFEST, read_manifest
from stackmff_nb.io import read_image, read_stack, write_image
from stackmff_nb.synth import depth_occluders, layered_stack, load_texture

EXE = str(Path(sys.executable).parent / "stackmff-nb")
TESTS = Path(__file__).resolve().parent

def make_stacks(root:Path, count:int, n:int=6, size:int=96) -> Path:
    tex = load_texture("camera")[..., 1]
    for i in range(count):
        rng = np.random.default_rng(i); (root / f"s{i:02d}").mkdir(parents=True)
        st, _ = layered_stack(tex[rng.integers(0, 300):][:size, :size], depth_occluders(size, size, rng), n)
        for k, fr in enumerate(st): write_image(root / f"s{i:02d}" / f"{k}.png", fr)
    return root

def outputs(out:Path) -> dict:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name != MANIFEST}

def manifest_names(out:Path) -> list:
    return [json.loads(line)["name"] for line in (out / MANIFEST).read_text().splitlines() if line.strip()]

def test_two_workers_write_the_same_bytes_as_one_process(tmp_path):
    src = make_stacks(tmp_path / "in", 8)
    here = subprocess.run([EXE, "fuse", src, "-o", tmp_path / "here", "--method", "laplacian", "-q"], capture_output=True, text=True)
    two = subprocess.run([EXE, "fuse", src, "-o", tmp_path / "two", "--method", "laplacian", "--workers", "2", "--json"], capture_output=True, text=True)
    assert here.returncode == 0 and two.returncode == 0, here.stderr + two.stderr
    summary = json.loads(two.stdout)
    assert len(summary["fused"]) == 8 and summary["skipped"] == [] and summary["failed"] == []
    assert len({r["worker"] for r in summary["fused"]}) == 2                      # both workers took stacks
    assert outputs(tmp_path / "here") == outputs(tmp_path / "two") and len(outputs(tmp_path / "two")) == 8 * 4   # fused, index.npy, index.png, focus.tif
    again = subprocess.run([EXE, "fuse", src, "-o", tmp_path / "two", "--method", "laplacian", "--json"], capture_output=True, text=True)
    assert json.loads(again.stdout)["skipped"] == [f"s{i:02d}" for i in range(8)] and json.loads(again.stdout)["fused"] == []
    os.utime(src / "s03" / "0.png", ns=(1, 1))                                     # an input changed: that stack is redone, alone
    again = subprocess.run([EXE, "fuse", src, "-o", tmp_path / "two", "--method", "laplacian", "--json"], capture_output=True, text=True)
    assert [r["name"] for r in json.loads(again.stdout)["fused"]] == ["s03"]

def _driver(src:Path, out:Path, workers:int, seconds:float):
    code = ("import sys; from stackmff_nb.batch import plan_tasks, run_batch; import batch_jobs; "
            f"r = run_batch(plan_tasks({str(src)!r}), batch_jobs.slow_job, {str(out)!r}, workers={workers}, quiet=True); "
            "sys.exit(2 if r['failed'] else 0)")
    env = {**os.environ, "PYTHONPATH": str(TESTS) + os.pathsep + os.environ.get("PYTHONPATH", ""), "SLOW_JOB_SECONDS": str(seconds)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

def _wait_for_lines(out:Path, k:int, proc, timeout:float=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if (out / MANIFEST).is_file() and len(manifest_names(out)) >= k: return
        if proc.poll() is not None: pytest.fail(f"the batch ended before {k} stacks: {proc.stderr.read()[-2000:]}")
        time.sleep(0.05)
    pytest.fail(f"fewer than {k} stacks done in {timeout} s")

def _check_fused(src:Path, out:Path, count:int):
    assert sorted(manifest_names(out)) == [f"s{i:02d}" for i in range(count)]    # every stack recorded exactly once
    for i in range(count):
        res = laplacian_fuse(read_stack(src / f"s{i:02d}").frames)
        assert (read_image(out / f"s{i:02d}" / "fused.png") == res.fused).all()
        assert (np.load(out / f"s{i:02d}" / "index.npy") == res.index).all()
    assert not [p for p in out.rglob("*") if ".part" in p.name or p.name.startswith(".")]   # nothing half-written left

def test_a_worker_killed_mid_batch_loses_nothing(tmp_path):
    src, out = make_stacks(tmp_path / "in", 10), tmp_path / "out"
    proc = _driver(src, out, workers=2, seconds=0.8)
    _wait_for_lines(out, 1, proc)
    victim = int(read_manifest(out)[manifest_names(out)[0]]["worker"].rsplit(":", 1)[1])
    os.kill(victim, signal.SIGKILL)                                                 # mid-task: it had taken its next stack
    assert proc.wait(timeout=300) == 0, proc.stderr.read()[-3000:]
    records = read_manifest(out)
    assert any(int(r["worker"].rsplit(":", 1)[1]) != victim for r in records.values())
    _check_fused(src, out, 10)

@pytest.mark.parametrize("workers", [0, 2])
def test_a_driver_killed_mid_batch_resumes_without_repeats(tmp_path, workers):
    src, out = make_stacks(tmp_path / "in", 8), tmp_path / "out"
    proc = _driver(src, out, workers=workers, seconds=0.5)
    _wait_for_lines(out, 3, proc)
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()                                # the driver and its workers, as a lost machine
    first = manifest_names(out); assert 3 <= len(first) < 8
    rerun = _driver(src, out, workers=workers, seconds=0.0)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read()[-3000:]
    assert manifest_names(out)[:len(first)] == first                                # the first run's records stand, none redone
    _check_fused(src, out, 8)

def test_an_ome_zarr_plate_fuses_to_a_plate(tmp_path):
    import zarr
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader
    from ome_zarr.writer import write_image as zwrite
    from ome_zarr.writer import write_plate_metadata, write_well_metadata
    plate, wells, fields = tmp_path / "plate.zarr", ["A/1", "B/2"], {}
    root = zarr.open_group(str(plate), mode="w"); write_plate_metadata(root, ["A", "B"], ["1", "2"], wells, field_count=2)
    tex = load_texture("coffee")[..., 1]
    for i, w in enumerate(wells):
        wg = root.require_group(w[0]).require_group(w[2]); write_well_metadata(wg, ["0", "1"])
        for f in range(2):
            rng = np.random.default_rng(10 * i + f)
            st, _ = layered_stack(tex[rng.integers(0, 200):][:80, :96], depth_occluders(80, 96, rng), 6)
            zwrite(st, wg.require_group(str(f)), axes="zyx", scale_factors=[]); fields[f"{w}/{f}"] = st
    out = tmp_path / "fused.zarr"
    r = subprocess.run([EXE, "fuse", plate, "-o", out, "--method", "laplacian", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert sorted(x["name"] for x in json.loads(r.stdout)["fused"]) == sorted(fields)
    for name, st in fields.items():
        node = next(iter(Reader(parse_url(str(out / name)))()))                    # as ome-zarr-py (and napari) read it
        alone = smn.fuse(st, method="laplacian")                                    # the same stack fused alone, as `fuse` does it
        assert (np.asarray(node.data[0]) == alone.fused).all()
        label = zarr.open_group(str(out / name / "labels" / "index"), mode="r")
        assert (np.asarray(label[dict(label.attrs)["ome"]["multiscales"][0]["datasets"][0]["path"]][...]) == alone.index).all()
    meta = dict(zarr.open_group(str(out), mode="r").attrs)["ome"]["plate"]
    assert [w["path"] for w in meta["wells"]] == wells and meta["field_count"] == 2

def test_batch_throughput_benchmark_runs(tmp_path):
    "The benchmark at a small size: every way of running writes the same bytes as `fuse` called directly, and the table says so."
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "batch_throughput.py"), "--runs", "1", "--fields", "1", "--size", "64",
                        "--out", str(tmp_path / "t.md")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    table = (tmp_path / "t.md").read_text()
    assert "| fuse, 2 Dask workers |" in table and "sha256 of images and index labels: same for all 3 ways" in table
    assert "ms per task" in table
