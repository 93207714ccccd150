"""The weights shipped in the package: they load, need no stretch, and fuse partial-span stacks well."""
import numpy as np
from skimage import data as skdata
import stackmff_nb as smn
from stackmff_nb.model import DEFAULT_WEIGHTS
from stackmff_nb.synth import layered_stack, depth_occluders
from stackmff_nb.evaluate import psnr_ssim

def test_default_weights_ship_and_load():
    assert DEFAULT_WEIGHTS.is_file() and DEFAULT_WEIGHTS.stat().st_size < 1_000_000
    assert (DEFAULT_WEIGHTS.parent / "MODEL_CARD.md").is_file()
    m = smn.load_model("default")
    assert m.stretch is False and m.scale.item() > 1.0          # trained with the fixed normalisation and a learnt sharper softmax

def test_default_fuse_uses_network_on_partial_span():
    img = skdata.chelsea()[::2, ::2][:128, :192]
    stack, truth = layered_stack(img, depth_occluders(128, 192, np.random.default_rng(4)), 16, span=(4, 10))
    res = smn.fuse(stack)
    assert res.method == "stackmff"
    assert np.abs(res.index - truth).mean() < 1.0                # the right layers, not a stretched guess
    assert psnr_ssim(img, res.fused)[0] > 35

def test_scratch_weights_are_from_random_init():
    m = smn.load_model("scratch")
    assert m.stretch is False and m.meta["init"] is None and m.meta["norm"] == "fixed"
    d = smn.load_model("default")
    assert d.meta["init"].startswith("official") and d.meta["step"] == 1000
