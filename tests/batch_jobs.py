"""Jobs for tests/test_batch.py, importable by Dask worker processes (the tests put this folder on PYTHONPATH)."""
import os
import time
from pathlib import Path

from stackmff_nb.baselines import laplacian_fuse
from stackmff_nb.io import read_stack, write_fusion


def slow_job(task, out):
    "Laplacian fusion of a stack folder into out/<name>/, after a pause long enough to kill something mid-batch."
    time.sleep(float(os.environ.get("SLOW_JOB_SECONDS", "0.4")))
    res = laplacian_fuse(read_stack(task.source).frames)
    return dict(outputs=write_fusion(Path(out) / task.name, res, ".png", overwrite=True))
