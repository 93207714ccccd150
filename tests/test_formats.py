"""Stacks as microscopes and cameras write them: multi-page, OME and ImageJ TIFF z-stacks, camera RAW, physical depth."""
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skimage import data as skdata

from stackmff_nb.core import StackError
from stackmff_nb.fuse import fuse
from stackmff_nb.io import _libraw_quiet, read_image, read_stack, tiff_stacks, write_dng
from stackmff_nb.synth import depth_occluders, layered_stack

EXE = str(Path(sys.executable).parent / "stackmff-nb")
def run(*args): return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True)

@pytest.fixture(scope="module")
def scene():
    "A 6-layer synthetic stack of 96x128 RGB uint8, and its grey uint16 version (the issue's z-stack)."
    img = cv2.resize(skdata.astronaut(), (128, 96), interpolation=cv2.INTER_AREA)
    rgb, _ = layered_stack(img, depth_occluders(96, 128, np.random.default_rng(0)), 6)
    rgb = np.asarray(rgb)
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in rgb]).astype(np.uint16) * 257
    return rgb, grey

def expected(a, axes):
    "Stack t of an array with `axes`: (Z,Y,X[,colour]) for each position along T, in T order."
    if "T" not in axes: a, axes = a[None], "T" + axes
    colour = next((c for c in "SC" if c in axes), "")
    return [np.take(a, t, axis=axes.index("T")).transpose([axes.replace("T", "").index(c) for c in "ZYX" + colour])
            for t in range(a.shape[axes.index("T")])]

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lead=st.permutations("ZTC"), use=st.sets(st.sampled_from("TC")), z=st.integers(2, 5), t=st.integers(2, 3),
       colour=st.sampled_from(["C", "S", ""]), dtype=st.sampled_from([np.uint8, np.uint16]), seed=st.integers(0, 99))
def test_axis_orders_read_back_as_the_same_stacks(tmp_path, lead, use, z, t, colour, dtype, seed):
    "Any order of Z, T and C that OME allows, colour as C or S (or none): every stack reads back exactly, named by T."
    keep = {"Z"} | (use - {"C"}) | ({"C"} if colour == "C" else set())
    axes = "".join(a for a in lead if a in keep) + "YX" + ("S" if colour == "S" else "")
    size = dict(Z=z, T=t, C=3, Y=8, X=10, S=3)
    a = np.random.default_rng(seed).integers(0, np.iinfo(dtype).max, [size[c] for c in axes], dtype=dtype)
    path = tmp_path / "s.ome.tif"
    tifffile.imwrite(path, a, metadata=dict(axes=axes), photometric="rgb" if colour == "S" else "minisblack")
    found = tiff_stacks(path)
    want = expected(a, axes)
    assert [s.name for s in found] == ([f"t{i}" for i in range(t)] if "T" in axes else [""])
    for s, w in zip(found, want, strict=True):
        got = read_stack(s)
        assert got.frames.dtype == dtype and np.array_equal(got.frames, w)

def test_imagej_hyperstack_with_spacing(tmp_path, scene):
    "An ImageJ TZCYX hyperstack with one channel: stacks by T, spacing and pixel size from its metadata."
    _, grey = scene
    a = np.stack([grey, grey[::-1]])[:, :, None]                             # (T,Z,C,Y,X) with C = 1
    tifffile.imwrite(tmp_path / "h.tif", a, imagej=True, resolution=(1 / 0.65, 1 / 0.65),
                     metadata=dict(axes="TZCYX", spacing=2.5, unit="micron"))
    found = tiff_stacks(tmp_path / "h.tif")
    assert [s.name for s in found] == ["t0", "t1"]
    s1 = read_stack(found[1])
    assert np.array_equal(s1.frames, grey[::-1]) and (s1.spacing, s1.unit) == (2.5, "µm") and abs(s1.pixel_size - 0.65) < 1e-6

def test_height_map_in_physical_units(tmp_path, scene):
    "fuse carries the spacing into a height map: focus x spacing, in the file's unit."
    _, grey = scene
    tifffile.imwrite(tmp_path / "ij.tif", grey, imagej=True, resolution=(1 / 0.65, 1 / 0.65), metadata=dict(axes="ZYX", spacing=2.5, unit="um"))
    res = fuse(tmp_path / "ij.tif")
    assert res.fused.shape == (96, 128) and res.fused.dtype == np.uint16
    assert np.allclose(res.height, res.focus * 2.5) and res.unit == "µm" and abs(res.pixel_size - 0.65) < 1e-6
    assert fuse(grey).height is None                                           # an array has no spacing: no height

def test_cli_formats(tmp_path, scene):
    "The issue's cases through the CLI: z-stack TIFF, OME RGB z-stack, DNG folder, TZYX file, empty checkpoint."
    rgb, grey = scene
    tifffile.imwrite(tmp_path / "zstack.tif", grey, metadata=None)
    tifffile.imwrite(tmp_path / "rgb.ome.tif", rgb.astype(np.uint16) * 257, photometric="rgb",
                     metadata=dict(axes="ZYXS", PhysicalSizeZ=2.0, PhysicalSizeX=0.5))
    tifffile.imwrite(tmp_path / "tz.ome.tif", np.stack([grey, grey[::-1]]), metadata=dict(axes="TZYX"))
    (tmp_path / "dng").mkdir()
    for k, f in enumerate(rgb): write_dng(tmp_path / "dng" / f"IMG_{k + 1}.dng", ((f / 255.0) ** 2.2 * 65535).astype(np.uint16))
    for name, shape in (("zstack.tif", (96, 128)), ("rgb.ome.tif", (96, 128, 3)), ("dng", (96, 128, 3))):
        r = run("fuse", tmp_path / name, "-o", tmp_path / f"out_{name}", "-q")
        assert r.returncode == 0, r.stderr
        out = read_image(tmp_path / f"out_{name}" / "fused.tif")
        assert out.shape == shape and out.dtype == np.uint16, name
    assert (tmp_path / "out_rgb.ome.tif" / "height.tif").is_file() and not (tmp_path / "out_zstack.tif" / "height.tif").exists()
    r = run("fuse", tmp_path / "tz.ome.tif", "-o", tmp_path / "out_tz", "--json")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["fused"]) == 2
    for t in ("t0", "t1"): assert read_image(tmp_path / "out_tz" / t / "fused.tif").shape == (96, 128)
    (tmp_path / "empty.pth").write_bytes(b"")
    r = run("fuse", tmp_path / "zstack.tif", "-o", tmp_path / "out_empty", "--model", tmp_path / "empty.pth")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "empty file (0 bytes)" in r.stderr
    assert not (tmp_path / "out_empty").exists()

def test_raw_bad_inputs(tmp_path, scene):
    "A truncated DNG and a frame from another camera: one line naming the file, exit 2, nothing written."
    rgb, _ = scene
    lin = [((f / 255.0) ** 2.2 * 65535).astype(np.uint16) for f in rgb[:3]]
    for case in ("cut", "camera"):
        d = tmp_path / case; d.mkdir()
        for k, f in enumerate(lin): write_dng(d / f"{k}.dng", f)
        if case == "cut": (d / "1.dng").write_bytes((d / "1.dng").read_bytes()[:3000])
        else: write_dng(d / "2.dng", lin[2], matrix=(0.9, -0.2, -0.1, -0.4, 1.3, 0.1, -0.1, 0.2, 0.6))
        r = run("fuse", d, "-o", tmp_path / f"out_{case}", "-q")
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert ("1.dng: a corrupt, truncated" if case == "cut" else "2.dng: another camera's sensor") in r.stderr
        assert not (tmp_path / f"out_{case}").exists()

def test_libraw_quiet_on_threads_gives_stderr_back():
    "Two decoding threads overlap (A in, B in, A out, B out): LibRaw is silenced while either runs, and stderr is back after."
    before = os.fstat(2).st_ino
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    inside = []
    def a():
        with _libraw_quiet(): a_in.set(); b_in.wait(); inside.append(os.fstat(2).st_ino)
        a_out.set()
    def b():
        a_in.wait()
        with _libraw_quiet(): b_in.set(); a_out.wait(); inside.append(os.fstat(2).st_ino)
    ts = [threading.Thread(target=f) for f in (a, b)]
    for t in ts: t.start()
    for t in ts: t.join()
    null = os.stat(os.devnull).st_ino
    assert inside == [null, null] and os.fstat(2).st_ino == before

def test_raw_stack_is_developed_once(tmp_path, scene):
    "Every frame gets the first frame's white balance: frames shot with another as-shot neutral develop alike."
    rgb, _ = scene
    f = ((rgb[0] / 255.0) ** 2.2 * 65535).astype(np.uint16)
    write_dng(tmp_path / "1.dng", f); write_dng(tmp_path / "2.dng", f, neutral=(0.8, 1.0, 0.4))
    s = read_stack(tmp_path)
    assert s.frames.dtype == np.uint16 and np.array_equal(s.frames[0], s.frames[1])
    alone = read_image(tmp_path / "2.dng")                                     # developed on its own: its own balance
    assert np.abs(alone.astype(int) - s.frames[1]).mean() > 100

def test_tiff_bad_inputs(tmp_path, scene):
    _, grey = scene
    tifffile.imwrite(tmp_path / "fluo.ome.tif", np.stack([grey, grey]), metadata=dict(axes="CZYX"))
    with pytest.raises(StackError, match="2 channels on axis C"): read_stack(tmp_path / "fluo.ome.tif")
    tifffile.imwrite(tmp_path / "t.ome.tif", grey, metadata=dict(axes="TYX"))
    with pytest.raises(StackError, match="no Z axis"): read_stack(tmp_path / "t.ome.tif")
    tifffile.imwrite(tmp_path / "z.tif", grey, metadata=None)
    (tmp_path / "frames").mkdir(); (tmp_path / "frames" / "a.tif").write_bytes((tmp_path / "z.tif").read_bytes())
    tifffile.imwrite(tmp_path / "frames" / "b.tif", grey[0])
    with pytest.raises(StackError, match="a.tif: a z-stack of 6 planes"): read_stack(tmp_path / "frames")
    (tmp_path / "cut.tif").write_bytes((tmp_path / "z.tif").read_bytes()[:5000])
    with pytest.raises(StackError, match="cut.tif"): read_stack(tmp_path / "cut.tif")
    mixed = tmp_path / "mixed"; mixed.mkdir()
    tifffile.imwrite(mixed / "1.tif", grey[0]); tifffile.imwrite(mixed / "2.tif", (grey[1] >> 8).astype(np.uint8))
    with pytest.raises(StackError, match="bit depth"): read_stack(mixed)

def test_uncompressed_zstack_is_mapped_not_decoded(tmp_path, scene):
    "An uncompressed z-stack is memory-mapped (pages read as used); a compressed one is decoded; both fuse alike."
    _, grey = scene
    tifffile.imwrite(tmp_path / "raw.tif", grey, metadata=None)
    tifffile.imwrite(tmp_path / "zip.tif", grey, metadata=None, compression="zlib")
    mapped, decoded = read_stack(tmp_path / "raw.tif"), read_stack(tmp_path / "zip.tif")
    assert isinstance(mapped.frames, np.memmap) and not isinstance(decoded.frames, np.memmap)
    assert np.array_equal(mapped.frames, grey) and np.array_equal(read_stack(tmp_path / "raw.tif", reverse=True).frames, grey[::-1])
    assert np.array_equal(fuse(mapped).fused, fuse(decoded).fused)

def test_large_zstack_benchmark_runs(tmp_path):
    "The benchmark script at a small size: both readings run, the mapped one maps, the table is written."
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "large_zstack.py"), "--frames", "6", "--size", "96", "--runs", "1",
                        "--out", str(tmp_path / "t.md")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    table = (tmp_path / "t.md").read_text()
    assert "| mapped from the file (default) |" in table and "| decoded whole first |" in table
