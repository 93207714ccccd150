"""The real stacks shipped in the package: order, size, bit depth, provenance notes, and a classical fusion."""
from pathlib import Path

import numpy as np
from conftest import FIXTURES

from stackmff_nb.baselines import laplacian_fuse
from stackmff_nb.data import datasets, files, sha256, stack_path
from stackmff_nb.io import read_stack


def test_keyboard_stack():
    st = read_stack(stack_path("keyboard"))
    assert st.n == 32 and st.size == (360, 640) and st.is_colour and st.dtype == np.uint8
    assert [Path(p).name for p in st.paths[:3]] == ["a00.jpg", "a01.jpg", "a02.jpg"]
    res = laplacian_fuse(st)
    assert res.fused.shape == (360, 640, 3) and res.index.min() >= 0 and res.index.max() <= 31
    # the top rows are in focus in early layers, the bottom rows in late ones, as the authors' network finds too
    assert np.median(res.index[:60]) < 8 and np.median(res.index[-60:]) > 24
    official = np.load(FIXTURES / "keyboard_end_to_end.npz")["index"]
    assert np.corrcoef(official.ravel(), res.index.ravel())[0, 1] > 0.8

def test_keyboard_is_the_upstream_files():
    "The parity fixtures were computed on these exact bytes."
    want = files("keyboard")
    for key, digest in want.items(): assert sha256(stack_path("keyboard") / Path(key).name) == digest, key

def test_cou_natural_order_and_depth():
    st = read_stack(stack_path("cou_1"))
    names = [Path(p).name for p in st.paths]
    assert names[:3] == ["image_1.jpg", "image_2.jpg", "image_3.jpg"] and names[-1] == "image_41.jpg"
    assert st.n == 41 and not st.is_colour and st.size == (200, 200)
    depth = np.load(stack_path("cou_1") / "reference.npy")
    assert depth.shape == (180, 180) and np.isfinite(depth).all() and depth.max() - depth.min() > 1

def test_every_shipped_stack_reads_and_says_where_it_comes_from():
    shipped = [r["name"] for r in datasets() if r["shipped"] != "-"]
    assert shipped == ["keyboard", "ring", "pcb", "beetle", "cou_1"]
    for name in shipped:
        st = read_stack(stack_path(name))
        assert st.n == len(files(name)) and max(st.size) <= 640
        note = (stack_path(name) / "SOURCE.md").read_text()
        assert "Licence:" in note and "Upstream: https://" in note
