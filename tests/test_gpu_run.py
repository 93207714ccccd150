"""The GPU script (benchmarks/gpu_run.py) on the CPU, as a GPU machine would run it: no install, no network, and
none of the optional packages that machine lacks (PyWavelets, pytorch_wavelets, plotly, ipywidgets, platformdirs, pooch)."""
import json
import subprocess
import sys
import textwrap

import torch
from conftest import ROOT

MISSING = ["pywt", "pytorch_wavelets", "plotly", "ipywidgets", "anywidget", "platformdirs", "pooch"]
BLOCK = textwrap.dedent(f"""
    import sys, importlib.abc
    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in {MISSING!r}: raise ModuleNotFoundError(f"No module named {{name!r}} (absent on the GPU machine)", name=name)
    sys.meta_path.insert(0, Missing())
""")

def run_python(code, cwd, timeout=300):
    return subprocess.run([sys.executable, "-c", BLOCK + code], cwd=cwd, capture_output=True, text=True, timeout=timeout)

def test_package_imports_with_the_gpu_machines_packages(tmp_path):
    r = run_python("import stackmff_nb, stackmff_nb.train, stackmff_nb.evaluate, stackmff_nb.speed, stackmff_nb.cli, stackmff_nb.data, stackmff_nb.align\n"
                   "import numpy as np; from stackmff_nb.baselines import laplacian_fuse, pyramid_fuse\n"
                   "r = stackmff_nb.fuse(np.random.default_rng(0).integers(0, 255, (3, 40, 40, 3), dtype=np.uint8)); print(r.index.shape)", ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "(40, 40)" in r.stdout

def test_gpu_script_on_cpu_writes_every_file(tmp_path):
    cfg = tmp_path / "tiny.json"
    cfg.write_text(json.dumps(dict(epochs=1, batch_size=2, size=32, ns=[8], train_stacks=4, val_stacks=1, workers=1, threads=1,
                                   log_every=1, ckpt_every=1, init="official", dist_weight=0.05)))
    out = tmp_path / "out"
    argv = ["--budget", "60", "--out", str(out), "--device", "cpu", "--config", str(cfg), "--parity-frames", "4",
            "--parity-crop", "64", "96", "--data-seconds", "1", "--margin", "5"]
    r = run_python(f"import runpy, sys; sys.argv = ['gpu_run.py'] + {argv!r}; runpy.run_path('benchmarks/gpu_run.py', run_name='__main__')", ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    files = sorted(p.name for p in out.iterdir())
    assert files == ["config.json", "last.pth", "log.csv", "report.md", "results.json", "val.csv", "weights.pth"]
    assert len(files) <= 8 and all(p.stat().st_size < 16 << 20 for p in out.iterdir())          # what comes back from the machine
    res = json.loads((out / "results.json").read_text())
    assert res["environment"]["device"] == "cpu" and res["parity"]["float32_ok"]
    assert res["parity"]["rows"]["fast float32"]["index_agreement"] >= 0.999
    assert {t["note"] for t in res["timing"]} == {"no accelerator"}
    assert res["train"]["steps"] >= 1 and res["data"]["stacks_per_second"] > 0
    report = (out / "report.md").read_text()
    assert "## Parity" in report and "## Training" in report and "| source0 |" in report
    from stackmff_nb.model import load_model
    assert load_model(str(out / "weights.pth")).scale.item() > 0
    assert torch.load(out / "last.pth", weights_only=True)["step"] == res["train"]["steps"]
