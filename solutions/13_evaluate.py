"Worked solutions of the exercises in nbs/13_evaluate.ipynb."
import numpy as np

from stackmff_nb.core import dtype_max
from stackmff_nb.evaluate import PSNR_CAP


def psnr(reference, fused):
    mse = np.mean((reference.astype(np.float64) - fused.astype(np.float64)) ** 2)
    return PSNR_CAP if mse == 0 else min(PSNR_CAP, float(10 * np.log10(dtype_max(reference.dtype) ** 2 / mse)))

def mean_ranks(scores):
    ranks = {}
    for d, s in scores.items():
        for r, m in enumerate(sorted(s, key=lambda m: -s[m]), start=1): ranks.setdefault(m, []).append(r)
    return {m: float(np.mean(v)) for m, v in ranks.items()}
