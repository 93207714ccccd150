"Worked solutions of the exercises in nbs/07_regression.ipynb."
import numpy as np

from stackmff_nb.regression import best_case_expected_index


def expected_index(scores, scale=1.0):
    z = scale * np.asarray(scores, np.float64); p = np.exp(z - z.max()); p /= p.sum()
    return float((np.arange(len(p)) * p).sum())

def scale_needed(n, short=0.5):
    lo, hi = 0.01, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if best_case_expected_index(n, n - 1, 4 * mid) >= n - 1 - short: hi = mid
        else: lo = mid
    return hi
