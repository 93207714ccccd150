"Worked solutions of the exercises in nbs/11_composite.ipynb."
import numpy as np

from stackmff_nb.composite import collapse, gaussian_pyramid, laplacian_pyramid, layer_weight


def two_image_spline(a, b, mask, levels=4):
    ga, gb = laplacian_pyramid(a, levels), laplacian_pyramid(b, levels)
    gm = gaussian_pyramid(mask.astype(np.float32), levels)
    return collapse([m * x + (1 - m) * y for m, x, y in zip(gm, ga, gb)])

def adaptive_weight(index, n, conf, s_sure=0.5, s_unsure=3.0):
    return conf * layer_weight(index, n, s_sure) + (1 - conf) * layer_weight(index, n, s_unsure)
