"""Widget callbacks without a browser: build each explorer, set control values, assert on the figure data."""
import numpy as np
import pytest

from stackmff_nb import widgets as wd
from stackmff_nb.model import load_model
from stackmff_nb.synth import depth_occluders, layered_stack, load_texture


@pytest.fixture(scope="module")
def stack():
    img = load_texture("coffee")[:64, :96]
    return layered_stack(img, depth_occluders(64, 96, np.random.default_rng(0)), 6)[0]

@pytest.mark.parametrize("weights", ["default", "official"])
def test_regression_explorer_follows_the_sliders(stack, weights):
    model = load_model(weights)
    ex = wd.regression_explorer(model, stack)
    probs_before = np.array(ex.figure.data[6].y)
    ex.x.value, ex.y.value = 5, 60
    assert list(ex.figure.data[2].x) == [5] and list(ex.figure.data[2].y) == [60]
    assert not np.allclose(probs_before, ex.figure.data[6].y)
    assert abs(np.sum(ex.figure.data[6].y) - 1) < 1e-5
    assert "pixel (y=60, x=5)" in ex.figure.layout.title.text

def test_scrubber_optics_synthesis(stack):
    s = wd.stack_scrubber(stack, np.zeros(stack.shape[1:3], int)); z0 = np.array(s.figure.data[0].z)
    s.layer.value = 5
    assert not np.array_equal(z0, np.array(s.figure.data[0].z)) and "layer 5" in s.figure.layout.annotations[0].text
    o = wd.optics_playground(); y0 = np.array(o.figure.data[0].y)
    o.controls[1].value = 8.0                                   # stop down: less blur everywhere
    assert np.all(np.array(o.figure.data[0].y) <= y0 + 1e-12) and np.array(o.figure.data[0].y).max() < y0.max()
    p = wd.synthesis_playground(); p.controls[1].value = 16
    assert "N=16" in p.figure.layout.annotations[3].text
