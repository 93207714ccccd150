"Worked solutions of the exercises in nbs/03_optics.ipynb."
import numpy as np

from stackmff_nb.optics import coc_radius


def depth_of_field(s, f, F, r_max):
    K = f**2 / (2 * (s - f) * F)                        # Eq. 1: r = K |1 - s/d|
    near = s / (1 + r_max / K)
    far = s / (1 - r_max / K) if r_max < K else np.inf
    return near, far

def sharpest_plane(d, planes):
    return np.stack([coc_radius(np.asarray(d), s) for s in planes]).argmin(0)
