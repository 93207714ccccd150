"Worked solutions of the exercises in nbs/16_align.ipynb."
import numpy as np

from stackmff_nb.align import register_pair


def compose(a, b):
    A, B = np.vstack([a, [0, 0, 1]]), np.vstack([b, [0, 0, 1]])
    return (A @ B)[:2].astype(np.float32)

def recover_shift(ref, moved):
    w = register_pair(ref.astype(np.float32), moved.astype(np.float32))
    return float(w[0, 2]), float(w[1, 2])
