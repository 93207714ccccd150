"""One model shared by several threads: the fast path keeps no per-call state on the model, so concurrent calls give the sequential result."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import stackmff_nb as smn
from stackmff_nb.data import stack_path


def test_three_threads_with_tiles_give_the_sequential_index_map():
    model = smn.load_model("official")
    frames = smn.read_stack(stack_path("keyboard")).frames[::6]                   # 6 frames, 360x640
    alone = smn.fuse(frames, model, tile=320).index                               # tiles forced: the path that kept state before
    with ThreadPoolExecutor(3) as ex: together = list(ex.map(lambda _: smn.fuse(frames, model, tile=320).index, range(3)))
    assert all(np.array_equal(t, alone) for t in together)
    assert (smn.fuse(frames, model, tile=0).index == alone).mean() >= 0.999                # and the tiles are the untiled map
