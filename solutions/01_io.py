"Worked solutions of the exercises in nbs/01_io.ipynb."
import re

from stackmff_nb.io import list_images


def natural_sorted(names):
    key = lambda n: [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", n)]
    return sorted(names, key=key)

def not_frames(folder):
    ignored = []; list_images(folder, ignored=ignored)
    return sorted(p.name for p in ignored)
