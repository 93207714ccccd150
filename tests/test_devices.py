"""Device-agnostic code without a GPU: every path computes on the device of its input (PyTorch's `meta` device
raises at the first tensor made on the CPU by mistake), devices this machine lacks are refused by name, and
the caller's model never moves."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import stackmff_nb as smn
from stackmff_nb.core import StackError
from stackmff_nb.model import load_model, on_device
from stackmff_nb.speed import fast_forward, tiled_forward


@pytest.fixture(scope="module")
def meta_model():
    return load_model("official").to("meta")

@pytest.mark.parametrize("path", ["reference", "fast", "tiled"])
def test_every_path_stays_on_the_input_device(meta_model, path):
    x = torch.rand(1, 4, 128, 160, device="meta")
    out = {"reference": lambda: meta_model(x), "fast": lambda: fast_forward(meta_model, x),
           "tiled": lambda: tiled_forward(meta_model, x, tile=96, margin=32)}[path]()
    assert out.focus.device.type == "meta" and out.focus.shape == (1, 128, 160)

def test_absent_devices_are_refused_by_name():
    frames = np.zeros((3, 32, 32), np.uint8)
    with pytest.raises(StackError, match="unknown device 'bogus'"): smn.fuse(frames, "official", device="bogus")
    if not torch.cuda.is_available():
        with pytest.raises(StackError, match="no CUDA GPU is usable here"): smn.fuse(frames, "official", device="cuda")

def test_cli_refuses_a_bogus_device_before_any_work(tmp_path):
    exe = Path(sys.executable).parent / "stackmff-nb"
    r = subprocess.run([str(exe), "fuse", str(tmp_path), "-o", str(tmp_path / "out"), "--device", "bogus"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown device 'bogus'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()

def test_the_callers_model_stays_put():
    m = load_model("official")
    assert on_device(m, "cpu") is m and on_device(m) is m
    smn.fuse(np.random.default_rng(0).integers(0, 255, (3, 40, 40), dtype=np.uint8), m, device="cpu")
    assert next(m.parameters()).device.type == "cpu"
