"""Training from the command line: one process, two DDP processes (gloo), bad configs."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

BIN = Path(sys.executable).parent

def cfg(tmp, name, **kw):
    c = dict(out=str(tmp / name), epochs=1, batch_size=4, size=32, ns=[8, 12], train_stacks=8, val_stacks=1,
             workers=0, threads=1, log_every=1, ckpt_every=100, seed=5, lr=2e-3)
    c.update(kw); p = tmp / f"{name}.json"; p.write_text(json.dumps(c)); return p

def losses(run):
    with open(run / "log.csv") as f: return np.array([float(r["loss"]) for r in csv.DictReader(f)])

def test_ddp_matches_single_process(tmp_path):
    env = {**os.environ, "STACKMFF_BACKEND": "gloo", "OMP_NUM_THREADS": "1"}
    one = subprocess.run([str(BIN / "stackmff-nb"), "train", "--config", str(cfg(tmp_path, "one")), "-q"], capture_output=True, text=True, env=env)
    assert one.returncode == 0, one.stderr[-2000:]
    two = subprocess.run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node", "2", str(BIN / "stackmff-nb"), "train",
                          "--config", str(cfg(tmp_path, "two")), "-q"], capture_output=True, text=True, env=env, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = losses(tmp_path / "one"), losses(tmp_path / "two")
    assert len(a) == len(b) >= 3
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)      # same global batches, same loss curve
    wa = torch.load(tmp_path / "one" / "weights.pth", weights_only=True)["model"]
    wb = torch.load(tmp_path / "two" / "weights.pth", weights_only=True)["model"]
    assert max(float((wa[k] - wb[k]).abs().max()) for k in wa) < 1e-3

def test_bad_config(tmp_path):
    p = tmp_path / "c.json"; p.write_text('{"epochs": 1, "learning_rate": 3}')
    r = subprocess.run([str(BIN / "stackmff-nb"), "train", "--config", str(p)], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown config keys ['learning_rate']" in r.stderr
    p.write_text("{not json")
    r = subprocess.run([str(BIN / "stackmff-nb"), "train", "--config", str(p)], capture_output=True, text=True)
    assert r.returncode == 2 and "not a readable JSON config" in r.stderr
