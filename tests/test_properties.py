"""Properties of the optics and the synthesis that must hold for any input (hypothesis)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stackmff_nb.io import natural_key
from stackmff_nb.optics import coc_radius, gaussian_psf, render_defocus
from stackmff_nb.synth import depth_regions, layered_stack

sizes = st.tuples(st.integers(4, 24), st.integers(4, 24))

@st.composite
def scenes(draw, dtype=np.uint8):
    h, w = draw(sizes)
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    c = draw(st.sampled_from([None, 3]))
    img = rng.integers(0, 256, (h, w) if c is None else (h, w, c)).astype(dtype)
    depth = rng.random((h, w)) * draw(st.floats(0.0, 100.0))
    return img, depth

@settings(max_examples=60, deadline=None)
@given(scenes(), st.integers(1, 12))
def test_layered_stack_in_focus_region_is_exact(scene, n):
    img, depth = scene
    stack, regions = layered_stack(img, depth, n)
    assert stack.shape == (n,) + img.shape and stack.dtype == img.dtype
    assert regions.min() >= 0 and regions.max() <= n - 1
    for k in range(n): assert np.array_equal(stack[k][regions == k], img[regions == k])

@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=2, max_size=50), st.integers(1, 30))
def test_regions_follow_depth_order(ds, n):
    d = np.array(ds)
    r = depth_regions(d, n)
    order = np.argsort(d, kind="stable")
    assert np.all(np.diff(r[order]) >= 0)           # nearer never gets a farther region
    if d.max() > d.min(): assert r[d.argmin()] == 0 and r[d.argmax()] == n - 1
    # normalised depth and normalised region agree within one quantisation step (Sec. 3.5)
    if d.max() > d.min() and n > 1:
        dn = (d - d.min()) / (d.max() - d.min())
        assert np.abs(dn - r / (n - 1)).max() <= 1 / n + 1e-9

@settings(max_examples=40, deadline=None)
@given(scenes(), st.integers(2, 10), st.data())
def test_partial_span_places_scene_inside(scene, n, data):
    img, depth = scene
    lo = data.draw(st.integers(0, n - 1)); hi = data.draw(st.integers(lo, n - 1))
    stack, regions = layered_stack(img, depth, n, span=(lo, hi))
    assert regions.min() >= lo and regions.max() <= hi
    for k in range(lo, hi + 1): assert np.array_equal(stack[k][regions == k], img[regions == k])

@settings(max_examples=50, deadline=None)
@given(st.floats(0, 20))
def test_psf_sums_to_one(sigma):
    assert abs(gaussian_psf(sigma).sum() - 1) < 1e-9

@settings(max_examples=50, deadline=None)
@given(st.floats(0.1, 50), st.floats(0.2, 50), st.floats(1.0, 22))
def test_coc_zero_only_at_focus(d, s, F):
    assert coc_radius(s, s, 0.05, F) == 0
    if abs(d - s) > 1e-9 and s > 0.05: assert coc_radius(d, s, 0.05, F) > 0

@settings(max_examples=20, deadline=None)
@given(scenes())
def test_zero_blur_renders_input(scene):
    img, depth = scene
    out = render_defocus(img, depth + 1.0, 1.5, k=0.0, n_layers=8)
    assert np.array_equal(out, img.astype(np.float32) / 255)

@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=30, unique=True))
def test_natural_sort_orders_numbers(nums):
    names = [f"frame_{n}.png" for n in nums]
    assert [natural_key(x)[1] for x in sorted(names, key=natural_key)] == sorted(nums)

# --- reading files: any corruption of a valid file is either read (the right shape) or refused by name, never a crash
import tempfile
import warnings
from pathlib import Path

from stackmff_nb.core import StackError
from stackmff_nb.io import read_image, write_image

_IMG = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
_FILES = {}
def _valid(ext):
    if ext not in _FILES:
        d = Path(tempfile.mkdtemp()); write_image(d / f"a{ext}", _IMG if ext != ".tif" else _IMG.astype(np.uint16) * 257)
        _FILES[ext] = (d / f"a{ext}").read_bytes()
    return _FILES[ext]

@settings(max_examples=80, deadline=None)
@given(st.sampled_from([".png", ".jpg", ".tif", ".bmp"]), st.sampled_from(["truncate", "flip", "zero"]), st.integers(0, 10**6), st.integers(1, 64))
def test_corrupt_files_are_read_or_refused_by_name(tmp_path_factory, ext, how, at, n):
    data = bytearray(_valid(ext)); k = at % len(data)
    if how == "truncate": data = data[:k]
    elif how == "flip":
        for j in range(k, min(len(data), k + n)): data[j] ^= 0xFF
    else: data[k:k + n] = bytes(len(data[k:k + n]))
    p = tmp_path_factory.mktemp("c") / f"frame{ext}"; p.write_bytes(bytes(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore"); img = read_image(p)
    except StackError as e:
        assert str(e).startswith(str(p)) and "\n" not in str(e)                # one line, naming the file
    else:
        assert img.shape[:2] == (48, 64) and img.dtype in (np.uint8, np.uint16)

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(1, 40), st.integers(1, 40), st.sampled_from([np.uint8, np.uint16]), st.sampled_from([1, 3, 4]), st.integers(0, 10**6))
def test_any_stack_of_arrays_fuses_or_is_refused(n, h, w, dtype, c, seed):
    import stackmff_nb as smn
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, np.iinfo(dtype).max, (n, h, w) if c == 1 else (n, h, w, c), endpoint=True).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore"); res = smn.fuse(frames, method="laplacian")
    assert res.fused.shape == frames.shape[1:3] + ((3,) if c in (3, 4) else ())
    assert res.fused.dtype == dtype and res.index.min() >= 0 and res.index.max() <= n - 1

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 90), st.integers(1, 9), st.integers(1, 30), st.sampled_from([1, 2, 4]), st.data())
def test_skewed_gru_strips_give_the_one_strip_scores(n, h, w, rows, workers, data):
    "The GRU's skewed strips (10_speed) give the scores of one strip over the whole image, bit for bit, for any span, strip height and workers."
    import torch

    from stackmff_nb.model import StackMFFV2
    from stackmff_nb.speed import gru_scores
    a = data.draw(st.one_of(st.just(0), st.integers(0, h - 1))); b = data.draw(st.one_of(st.just(h), st.integers(a + 1, h)))   # edges often
    torch.manual_seed(n * 1000 + h)
    model = StackMFFV2().eval()
    f = torch.rand(n, 8, h, w).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        one = gru_scores(model, f, rows=h, workers=1, span=(a, b))
        assert torch.equal(gru_scores(model, f, rows=rows, workers=workers, span=(a, b)), one)
        band = torch.full_like(one, float("nan"))
        def put(s, e, sc): band[:, :, s - a:e - a] = sc
        gru_scores(model, f, rows=rows, workers=workers, span=(a, b), on_strip=put)
        assert torch.equal(band, one)
