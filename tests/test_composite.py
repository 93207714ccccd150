"""The compositing stage: the spline keeps what a fusion must (a frame chosen everywhere, identical frames, bit depth),
its CPU and PyTorch paths agree, tiles and threads change nothing, and the CLI and benchmark expose it."""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import stackmff_nb as smn
from stackmff_nb.composite import composite, layer_weight, seams_and_detail, spline_blend, spline_blend_torch
from stackmff_nb.core import StackError
from stackmff_nb.data import stack_path
from stackmff_nb.io import read_image, read_stack
from stackmff_nb.regression import sample_layers

frames_of = lambda rng, n, h, w, dtype, colour: rng.integers(0, np.iinfo(dtype).max, (n, h, w, 3) if colour else (n, h, w),
                                                             endpoint=True).astype(dtype)

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 80), st.integers(1, 80), st.sampled_from([np.uint8, np.uint16]), st.booleans(), st.integers(0, 10**6))
def test_frame_chosen_everywhere_and_identical_frames(n, h, w, dtype, colour, seed):
    rng = np.random.default_rng(seed)
    frames = frames_of(rng, n, h, w, dtype, colour); k = int(rng.integers(0, n))
    out = composite(frames, np.full((h, w), k))
    assert out.dtype == dtype and np.array_equal(out, frames[k])                       # frame k everywhere gives frame k
    same = np.repeat(frames[:1], n, 0)
    assert np.array_equal(composite(same, rng.integers(0, n, (h, w))), frames[0])       # identical frames give that frame

@settings(max_examples=20, deadline=None)
@given(st.integers(2, 5), st.integers(16, 90), st.integers(16, 90), st.sampled_from([np.uint8, np.uint16]), st.booleans(),
       st.sampled_from([0.0, 0.5, 1.0]), st.integers(0, 10**6))
def test_torch_path_equals_opencv_path(n, h, w, dtype, colour, sigma, seed):
    rng = np.random.default_rng(seed)
    frames = frames_of(rng, n, h, w, dtype, colour); index = rng.integers(0, n, (h, w))   # a worst case: the choice changes everywhere
    a, b = spline_blend(frames, index, sigma), spline_blend_torch(frames, index, sigma)
    assert a.dtype == b.dtype == dtype and a.shape == b.shape
    assert np.abs(a.astype(np.int64) - b).max() <= (1 if dtype == np.uint8 else 257)    # one 8-bit grey level

def test_weights_are_a_partition_of_unity():
    index = np.random.default_rng(0).integers(0, 7, (33, 47))
    for sigma in (0.0, 0.5, 2.0):
        assert np.allclose(sum(layer_weight(index, k, sigma) for k in range(7)), 1, atol=1e-5)

@pytest.fixture(scope="module")
def ring():
    return read_stack(stack_path("ring")).frames

def test_sharpest_frame_everywhere_is_the_result():
    "A stack whose frame k is the sharpest everywhere (the others blurred copies of a texture) fuses to frame k."
    k = 2
    tex = cv2.GaussianBlur(np.random.default_rng(0).integers(0, 256, (96, 128, 3), dtype=np.uint8), (0, 0), 0.7)
    frames = np.stack([tex if j == k else cv2.GaussianBlur(tex, (0, 0), 1 + abs(j - k)) for j in range(5)])
    lap = smn.fuse(frames, method="laplacian")
    assert (lap.index == k).all() and np.array_equal(lap.fused, frames[k])
    net = smn.fuse(frames)
    assert (net.index == k).mean() > 0.99 and (net.fused == frames[k]).mean() > 0.99

def test_fuse_default_blends_and_select_is_eq8(ring):
    res, sel = smn.fuse(ring), smn.fuse(ring, blend="select")
    assert np.array_equal(res.index, sel.index) and np.array_equal(sel.fused, sample_layers(ring, sel.index))
    assert not np.array_equal(res.fused, sel.fused)
    assert seams_and_detail(res.fused, ring)["seams"] < seams_and_detail(sel.fused, ring)["seams"]
    off = smn.fuse(ring, "official", compat="official")
    assert np.array_equal(off.fused, sample_layers(ring, off.index))                    # the authors' pipeline selects
    assert res.confidence.shape == ring.shape[1:3] and res.confidence.dtype == np.float32
    assert 0 <= res.confidence.min() and res.confidence.max() <= 1
    r16 = smn.fuse(ring.astype(np.uint16) * 257)
    assert r16.fused.dtype == np.uint16 and np.abs(r16.fused.astype(int) // 257 - composite(ring, r16.index)).max() <= 1
    with pytest.raises(StackError, match="blend must be"): smn.fuse(ring, blend="soft")

def test_tiles_equal_untiled(ring):
    "Tiles decide; the blend runs once on the whole index map, so tiled = untiled up to the network's own tile tolerance."
    a, b = smn.fuse(ring, tile=0), smn.fuse(ring, tile=320)
    assert (a.index == b.index).mean() >= 0.999
    assert np.abs(a.fused.astype(int) - b.fused).max() <= 2 and (a.fused == b.fused).mean() >= 0.999
    assert np.abs(a.confidence - b.confidence).max() < 1e-2

def test_concurrent_calls_equal_sequential(ring):
    alone = smn.fuse(ring).fused
    with ThreadPoolExecutor(3) as ex: together = list(ex.map(lambda _: smn.fuse(ring).fused, range(3)))
    assert all(np.array_equal(t, alone) for t in together)

def test_cli_blend_and_confidence(tmp_path, ring):
    exe = Path(sys.executable).parent / "stackmff-nb"
    src = stack_path("ring")
    r = subprocess.run([str(exe), "fuse", str(src), "-o", str(tmp_path / "sel"), "--blend", "select", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)["outputs"]
    assert [Path(p).name for p in out] == ["fused.jpg", "index.npy", "index.png", "focus.tif", "confidence.tif"]
    conf = read_image(tmp_path / "sel" / "confidence.tif")
    assert conf.dtype == np.float32 and conf.shape == ring.shape[1:3] and 0 <= conf.min() and conf.max() <= 1
    bad = subprocess.run([str(exe), "fuse", str(src), "-o", str(tmp_path / "x"), "--blend", "soft"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice: 'soft'" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()

def test_real_stacks_benchmark_runs(tmp_path):
    "The benchmark script runs end to end on one small stack (enfuse's rows are there only where it is installed)."
    out, fig = tmp_path / "t.md", tmp_path / "f.jpg"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "real_stacks.py"), "--runs", "1", "--stacks", "ring", "--out", str(out),
                        "--figure", str(fig)], capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr[-2000:]
    table = out.read_text()
    assert "| ring | 6 | 640x480 | ours (default, spline) |" in table and "| ring | 6 | 640x480 | ours, select (Eq. 8) |" in table
    assert "| ring | 6 x 640x480 | 38.7 |" in table          # the floor's multiply-adds: 6 x 640x480 x 20,983 per pixel and layer
    assert cv2.imread(str(fig)) is not None
