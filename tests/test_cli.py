"""The `stackmff-nb` program, run as a user would: a real process, real files."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage import data as skdata

from stackmff_nb.datasets import read_training_set
from stackmff_nb.io import read_image, write_image

EXE = str(Path(sys.executable).parent / "stackmff-nb")

def run(*args, **kw):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, **kw)

def test_help_lists_subcommands():
    r = run("--help"); assert r.returncode == 0
    for cmd in ("demo", "synth"): assert cmd in r.stdout
    r = run("synth", "--help"); assert r.returncode == 0 and "--depth" in r.stdout

def test_demo_writes_results(tmp_path):
    r = run("demo", "-o", tmp_path / "demo", "--size", "160", "-n", "8")
    assert r.returncode == 0, r.stderr
    from stackmff_nb.model import DEFAULT_WEIGHTS
    said = "fused with the StackMFF V2 network (default weights)" if DEFAULT_WEIGHTS.is_file() else "fused with the classical laplacian method"
    assert said in r.stdout and str(tmp_path / "demo") in r.stdout
    out = tmp_path / "demo"
    fused = read_image(out / "fused.png"); assert fused.shape == (160, 160, 3) and fused.dtype == np.uint8
    assert read_image(out / "focus_map.png").shape == (160, 160, 3)
    assert read_image(out / "figure.png").ndim == 3
    assert len(list((out / "stack").glob("*.png"))) == 8
    psnr = float(r.stdout.split("PSNR ")[1].split(" dB")[0]); assert psnr > 35

def test_synth_three_images(tmp_path):
    pics, depths = tmp_path / "pics", tmp_path / "depths"; pics.mkdir(); depths.mkdir()
    for i, name in enumerate(("astronaut", "coffee", "chelsea")):
        write_image(pics / f"{name}.jpg", getattr(skdata, name)()[:120, :160])
    yy = np.tile(np.linspace(0, 255, 120)[:, None], (1, 160)).astype(np.uint8)
    write_image(depths / "coffee.png", yy)   # one picture with a depth map, two procedural
    r = run("synth", pics, "-o", tmp_path / "set", "-n", "8", "12", "--seed", "3", "--depth", depths)
    assert r.returncode == 2 and "astronaut" in r.stderr and "no depth map" in r.stderr   # --depth given: every picture needs one
    assert not (tmp_path / "set" / "image_stacks").exists() or not any((tmp_path / "set" / "image_stacks").iterdir())
    r = run("synth", pics, "-o", tmp_path / "set", "-n", "8", "12", "--seed", "3")
    assert r.returncode == 0, r.stderr
    scenes = read_training_set(tmp_path / "set")
    assert [s["scene"] for s in scenes] == ["astronaut", "chelsea", "coffee"]
    for s in scenes:
        assert s["n"] in (8, 12) and s["aif"] is not None
        frames = [read_image(f) for f in s["files"]]
        assert all(f.shape == (120, 160, 3) for f in frames)
        assert read_image(s["depth"]).shape == (120, 160)
    r = run("synth", pics, "-o", tmp_path / "set")
    assert r.returncode == 2 and "already holds a training set" in r.stderr

@pytest.mark.parametrize("setup,needle", [
    (lambda d: None, "no image files found"),
    (lambda d: (d / "a.png").write_text("hello"), "a.png: not an image"),
])
def test_synth_bad_input(tmp_path, setup, needle):
    src = tmp_path / "src"; src.mkdir(); setup(src)
    r = run("synth", src, "-o", tmp_path / "out")
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr

def test_eval_authors_layout(tmp_path):
    from stackmff_nb.synth import depth_occluders, layered_stack
    img = skdata.coffee()[:96, :128]
    for ds in ("SetA", "SetB"):
        for i in range(2):
            stack, _ = layered_stack(img, depth_occluders(96, 128, np.random.default_rng(i)), 6)
            d = tmp_path / "bench" / ds / "dof_stack" / f"scene{i}"; d.mkdir(parents=True)
            for k, layer in enumerate(stack): write_image(d / f"{k + 1}.png", layer)
        (tmp_path / "bench" / ds / "AiF").mkdir(); write_image(tmp_path / "bench" / ds / "AiF" / "scene0.png", img)
        write_image(tmp_path / "bench" / ds / "AiF" / "scene1.png", img)
    r = run("eval", tmp_path / "bench", "--synthetic", "2", "--methods", "laplacian", "pairwise-laplacian", "dtcwt", "-o", tmp_path / "res", "-q")
    assert r.returncode == 0, r.stderr
    t1 = (tmp_path / "res" / "table1.md").read_text()
    assert "SetA (SSIM / PSNR)" in t1 and "synthetic-layered (SSIM / PSNR)" in t1 and "pairwise-laplacian" in t1
    rows = list(__import__("csv").DictReader(open(tmp_path / "res" / "results.csv")))
    assert len(rows) == 6 * 3 and all(float(x["psnr"]) > 25 for x in rows)
    assert "mean rank" in (tmp_path / "res" / "table4.md").read_text()

def test_fuse_batch_continues_past_a_broken_stack(tmp_path):
    from stackmff_nb.synth import depth_occluders, layered_stack
    img = skdata.coffee()[:64, :96]
    root = tmp_path / "stacks"
    for name in ("a", "b"):
        stack, _ = layered_stack(img, depth_occluders(64, 96, np.random.default_rng(1)), 4)
        (root / name).mkdir(parents=True)
        for k, layer in enumerate(stack): write_image(root / name / f"{k}.png", layer)
    (root / "broken").mkdir(); write_image(root / "broken" / "0.png", img); write_image(root / "broken" / "1.png", img[:32])
    r = run("fuse", root, "-o", tmp_path / "out", "--method", "laplacian", "-q")
    assert r.returncode == 2 and "broken" in r.stderr and "differs" in r.stderr
    assert (tmp_path / "out" / "a" / "fused.png").is_file() and (tmp_path / "out" / "b" / "index.npy").is_file()
    assert not (tmp_path / "out" / "broken").exists() or not any((tmp_path / "out" / "broken").iterdir())

def test_fuse_unwritable_output(tmp_path):
    src = tmp_path / "s"; src.mkdir()
    for k in range(2): write_image(src / f"{k}.png", skdata.coffee()[:32, :32])
    (tmp_path / "afile").write_text("x")                     # a folder cannot be made inside a file, even by root
    r = run("fuse", src, "-o", tmp_path / "afile" / "sub", "--method", "laplacian")
    assert r.returncode == 2 and "afile/sub: cannot create the output folder" in r.stderr and "Traceback" not in r.stderr
    r = run("fuse", src, "-o", tmp_path / "afile", "--method", "laplacian")
    assert r.returncode == 2 and "exists and is not a folder" in r.stderr

def test_fuse_align_a_shaken_stack(tmp_path):
    import json

    import cv2

    from stackmff_nb.synth import depth_slanted, layered_stack
    img = skdata.astronaut()[::2, ::2]
    stack, _ = layered_stack(img, depth_slanted(256, 256, np.random.default_rng(1)), 6)
    src = tmp_path / "shaken"; src.mkdir()
    for k, f in enumerate(stack):
        m = cv2.getRotationMatrix2D((128, 128), 0, 1 + 0.005 * k); m[:, 2] += (2 * (-1) ** k, k)
        write_image(src / f"{k}.png", cv2.warpAffine(f, m, (256, 256), borderMode=cv2.BORDER_REFLECT))
    r = run("fuse", src, "-o", tmp_path / "out", "--method", "laplacian", "--align", "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout); y0, y1, x0, x1 = s["align"]["crop"]
    assert 0 < y0 < 20 and 236 < y1 <= 256 and 0 < x0 < 20 and 236 < x1 <= 256      # a crop, but most of the frame is kept
    assert "common area" in r.stderr
    assert read_image(tmp_path / "out" / "fused.png").shape == (y1 - y0, x1 - x0, 3)

def test_fuse_refuses_an_existing_output_before_the_work(tmp_path, monkeypatch, capsys):
    "A second run into the same folder is refused at once, not after the network has run (or 87 s at 12 MP x 24)."
    import importlib

    from stackmff_nb import cli
    src = tmp_path / "s"; src.mkdir()
    for k in range(2): write_image(src / f"{k}.jpg", skdata.coffee()[:64, :64])
    assert cli.main(["fuse", str(src), "-o", str(tmp_path / "out"), "--method", "laplacian", "-q"]) == 0
    def no_work(*a, **k): raise AssertionError("fused before refusing")
    monkeypatch.setattr(importlib.import_module("stackmff_nb.fuse"), "fuse", no_work)
    assert cli.main(["fuse", str(src), "-o", str(tmp_path / "out"), "-q"]) == 2
    assert "fused.jpg: exists (use overwrite=True / --overwrite" in capsys.readouterr().err
