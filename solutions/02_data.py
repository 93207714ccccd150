"Worked solutions of the exercises in nbs/02_data.ipynb."
import numpy as np

from stackmff_nb.baselines import laplacian_fuse
from stackmff_nb.data import stack_path
from stackmff_nb.io import list_images, read_stack


def runs_near_to_far(stack, depth):
    index = laplacian_fuse(stack).index
    (H, W), (h, w) = index.shape, depth.shape
    y, x = (H - h) // 2, (W - w) // 2
    return bool(np.corrcoef(index[y:y + h, x:x + w].ravel(), depth.ravel())[0, 1] > 0)

def every_kth(name, k):
    return read_stack(list_images(stack_path(name))[::k])
