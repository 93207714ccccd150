"""Reading the real stacks in ../shared/data: order, size, bit depth, and a classical fusion."""
import numpy as np
from pathlib import Path
from stackmff_nb.io import read_stack
from stackmff_nb.baselines import laplacian_fuse

def test_keyboard_stack(shared_data):
    st = read_stack(shared_data / "mobile_depth_keyboard")
    assert st.n == 32 and st.size == (360, 640) and st.is_colour and st.dtype == np.uint8
    assert [Path(p).name for p in st.paths[:3]] == ["a00.jpg", "a01.jpg", "a02.jpg"]
    res = laplacian_fuse(st)
    assert res.fused.shape == (360, 640, 3) and res.index.min() >= 0 and res.index.max() <= 31
    # the top rows are in focus in early layers, the bottom rows in late ones, as the authors' network finds too
    assert np.median(res.index[:60]) < 8 and np.median(res.index[-60:]) > 24
    official = np.load(shared_data.parent / "reference" / "keyboard_end_to_end.npz")["index"]
    assert np.corrcoef(official.ravel(), res.index.ravel())[0, 1] > 0.8

def test_cou_natural_order(shared_data):
    st = read_stack(shared_data / "cou_dff" / "1")
    names = [Path(p).name for p in st.paths]
    assert names[:3] == ["image_1.jpg", "image_2.jpg", "image_3.jpg"] and names[-1] == "image_41.jpg"
    assert st.n == 41 and not st.is_colour

def test_every_real_stack_reads(shared_data):
    for folder in ["mcguinness_ring/Input", "noah_peeters_beetle/images", "petteri_pcb/pcb"]:
        st = read_stack(shared_data / folder)
        assert st.n >= 6 and st.is_colour
