"Worked solutions of the exercises in nbs/09_baselines.ipynb."
import cv2
import numpy as np

from stackmff_nb.core import rgb_to_y, to_float
from stackmff_nb.io import read_stack
from stackmff_nb.regression import FusionResult, sample_layers


def tenengrad_fuse(stack):
    st = read_stack(stack)
    def measure(f):
        y = to_float(rgb_to_y(f))
        g = cv2.Sobel(y, cv2.CV_32F, 1, 0) ** 2 + cv2.Sobel(y, cv2.CV_32F, 0, 1) ** 2
        return cv2.boxFilter(g, -1, (9, 9), borderType=cv2.BORDER_REFLECT)
    index = np.stack([measure(f) for f in st.frames]).argmax(0).astype(np.int64)
    return FusionResult(sample_layers(st.frames, index), index, index.astype(np.float32), "tenengrad")

def mode_filter(index, size=5):
    layers = np.unique(index)
    votes = np.stack([cv2.boxFilter((index == k).astype(np.float32), -1, (size, size), normalize=False, borderType=cv2.BORDER_REPLICATE) for k in layers])
    return layers[votes.argmax(0)]
