"""The weights shipped in the package: every file loads, the default records a reproducible start and config, needs no stretch, and fuses partial-span stacks well."""
import json

import numpy as np
from conftest import ROOT
from skimage import data as skdata

import stackmff_nb as smn
from stackmff_nb.evaluate import psnr_ssim
from stackmff_nb.model import DEFAULT_WEIGHTS, StackMFFV2
from stackmff_nb.synth import depth_occluders, layered_stack


def test_every_shipped_file_loads():
    files = sorted(p.name for p in DEFAULT_WEIGHTS.parent.glob("*.pth"))
    assert files == ["stackmff_nb_default.pth", "stackmff_v2_official.pth"]
    for f in files: assert isinstance(smn.load_model(str(DEFAULT_WEIGHTS.parent / f)), StackMFFV2)
    assert DEFAULT_WEIGHTS.stat().st_size < 1_000_000 and (DEFAULT_WEIGHTS.parent / "MODEL_CARD.md").is_file()

def test_default_is_reproducible_from_a_committed_config():
    m = smn.load_model("default")
    assert m.stretch is False and m.scale.item() > 1.0          # trained with the fixed normalisation and a learnt sharper softmax
    init = m.meta["init"]                                        # a name, or a file of the repository (relative to its root, where training runs)
    assert isinstance(smn.load_model(init if init in ("official", "default") else str(ROOT / init)), StackMFFV2)
    made_by = [f for f in (ROOT / "configs").glob("*.json") if json.loads(f.read_text()).get("out") == m.meta["config"]["out"]]
    assert len(made_by) == 1, f"no single committed config writes to {m.meta['config']['out']}"
    committed = json.loads(made_by[0].read_text())
    assert {k: m.meta["config"][k] for k in committed} == committed

def test_default_fuse_uses_network_on_partial_span():
    img = skdata.chelsea()[::2, ::2][:128, :192]
    stack, truth = layered_stack(img, depth_occluders(128, 192, np.random.default_rng(4)), 16, span=(4, 10))
    res = smn.fuse(stack)
    assert res.method == "stackmff"
    assert np.abs(res.index - truth).mean() < 1.0                # the right layers, not a stretched guess
    assert psnr_ssim(img, res.fused)[0] > 35
