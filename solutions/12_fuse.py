"Worked solutions of the exercises in nbs/12_fuse.ipynb."
import numpy as np


def pad_reflect(img, m=32):
    H, W = img.shape; ph, pw = (-H) % m, (-W) % m
    return np.pad(img, ((0, ph), (0, pw)), mode="reflect" if ph < H and pw < W else "edge")

def sampled_from_stack(fused, frames):
    same = frames == fused[None]
    if same.ndim == 4: same = same.all(-1)
    return bool(same.any(0).all())
