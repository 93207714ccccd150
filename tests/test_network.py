"""The network from the installed package: parity with the authors' code, the public API, sizes and layer counts."""
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

import stackmff_nb as smn
from stackmff_nb.data import stack_path
from stackmff_nb.regression import sample_layers

KEYBOARD = stack_path("keyboard")

@pytest.fixture(scope="module")
def official():
    return smn.load_model("official")

def test_stage_parity(official):
    ref = np.load(FIXTURES / "stages_small.npz")
    with torch.no_grad(): out = official(torch.from_numpy(ref["input"]))
    assert np.abs(out.features.numpy() - ref["ulda"]).max() < 1e-4
    assert np.abs(out.scores.numpy() - ref["logits"]).max() < 1e-4
    assert np.abs(out.probs.numpy() - ref["probs"]).max() < 1e-4
    assert np.abs(out.focus.numpy() + 1 - ref["expected_index_1based"][:, 0]).max() < 1e-4

def test_keyboard_end_to_end_official_mode(official):
    res = smn.fuse(KEYBOARD, official, compat="official")
    theirs = np.load(FIXTURES / "keyboard_end_to_end.npz")["index"]
    assert (res.index == theirs).mean() >= 0.999
    assert (res.fused == smn.read_image(FIXTURES / "keyboard_fused_official.png")).all(-1).mean() >= 0.999

@pytest.mark.parametrize("n", [1, 2, 64])
def test_layer_counts(official, n):
    rng = np.random.default_rng(n)
    frames = rng.integers(0, 256, (n, 40, 52, 3), dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = smn.fuse(frames, official)
    assert res.fused.shape == (40, 52, 3) and res.index.shape == (40, 52)
    assert res.index.min() >= 0 and res.index.max() <= n - 1 and np.isfinite(res.focus).all()
    if n == 1: assert np.array_equal(res.fused, frames[0])

@settings(max_examples=15, deadline=None)
@given(st.integers(2, 6), st.integers(8, 70), st.integers(8, 70), st.sampled_from([np.uint8, np.uint16]), st.booleans(), st.integers(0, 10**6))
def test_sampling_property(official, n, h, w, dtype, colour, seed):
    rng = np.random.default_rng(seed)
    hi = 255 if dtype == np.uint8 else 65535
    frames = rng.integers(0, hi + 1, (n, h, w, 3) if colour else (n, h, w)).astype(dtype)
    res = smn.fuse(frames, official, blend="select")                         # Eq. 8
    assert res.fused.dtype == dtype and res.fused.shape == frames.shape[1:]
    assert np.array_equal(res.fused, sample_layers(frames, res.index))      # every pixel comes from the stack
    again = smn.fuse(frames, official, blend="select")
    assert np.array_equal(again.index, res.index)                           # deterministic
    assert res.index.min() >= 0 and res.index.max() <= n - 1                # in range
    rev = smn.fuse(frames[::-1], official, reverse=True, blend="select")    # a far-to-near copy, declared as such
    assert np.array_equal(rev.fused, res.fused) and np.array_equal(rev.index, res.index)

@settings(max_examples=10, deadline=None)
@given(st.integers(1, 5), st.integers(8, 50), st.integers(8, 50), st.integers(0, 10**6))
def test_constant_stack_fuses_to_itself(official, n, h, w, seed):
    frame = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in (None, "laplacian"):
            res = smn.fuse(np.repeat(frame[None], n, 0), official if method is None else None, method=method)
            assert np.array_equal(res.fused, frame)

def test_cli_fuse_keyboard(tmp_path):
    exe = Path(sys.executable).parent / "stackmff-nb"
    r = subprocess.run([str(exe), "fuse", str(KEYBOARD), "-o", str(tmp_path / "out"),
                        "--model", "official", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["n"] == 32 and s["method"] == "stackmff" and len(s["outputs"]) == 5
    assert smn.read_image(tmp_path / "out" / "fused.jpg").shape == (360, 640, 3)
    idx = np.load(tmp_path / "out" / "index.npy"); assert idx.shape == (360, 640) and idx.max() <= 31

def test_bad_checkpoint_cli(tmp_path):
    exe = Path(sys.executable).parent / "stackmff-nb"
    bad = tmp_path / "weights.pth"; bad.write_bytes(b"\x00" * 100)
    r = subprocess.run([str(exe), "fuse", str(KEYBOARD), "-o", str(tmp_path / "o"), "--model", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "weights.pth: not a readable PyTorch checkpoint" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
