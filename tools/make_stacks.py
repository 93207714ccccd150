"""Write the reduced stacks shipped in `stackmff_nb/stacks/` from a mirror of the full-size originals.

    STACKMFF_NB_DATA=/path/to/mirror python tools/make_stacks.py

The mirror has the layout of `stackmff_nb/stacks/registry.txt` (`petteri_pcb/pcb/pcb_001.jpg`, ...);
every file is checked against its sha256 by `stackmff_nb.data.fetch`. `cou_dff/1/reference.npy` (the
depth map, converted from upstream's `reference.pkl` with a restricted unpickler) is read from the
mirror too. Frames are resized with area interpolation; EXIF blocks are carried over (without maker notes and thumbnails)."""
import os
import shutil
import sys

import cv2
import numpy as np

from stackmff_nb.data import DATASETS, MIRROR_ENV, SHIPPED_DIR, fetch, files
from stackmff_nb.io import natural_key, read_image, write_image

# name -> (longer side of the shipped frames, or None to copy the files unchanged; what the note says)
PLAN = {"keyboard": (None, "the 32 upstream files, unchanged (byte for byte: the parity fixtures were computed on them)"),
        "ring": (640, "all 6 frames, resized from 1521x1141 to 640x480 (area interpolation), JPEG quality 92, EXIF kept without maker notes and thumbnail"),
        "pcb": (640, "all 7 frames, resized from 2048x1536 to 640x480 (area interpolation), JPEG quality 92, EXIF kept without maker notes and thumbnail"),
        "beetle": (480, "all 28 frames, resized from 750x500 to 480x320 (area interpolation), JPEG quality 92, EXIF kept without maker notes and thumbnail"),
        "cou_1": (200, "all 41 frames, resized from 400x400 to 200x200 (area interpolation), JPEG quality 95; "
                       "reference.npy: the 359x359 depth map (float64) resized to 180x180 (area interpolation), float32")}

def small_exif(path) -> bytes:
    "The file's EXIF without the maker notes and the thumbnail (camera, exposure and date stay)."
    from PIL import Image
    with Image.open(path) as im: ex = im.getexif()
    if not ex: return b""
    ex.get_ifd(0x8769).pop(0x927C, None)                 # MakerNote, in the Exif IFD
    return ex.tobytes()

def source_md(name, d, note, files):
    return (f"# {name}\n\n{d['kind']}.\n\n- Upstream: {d['url']} (fixed commit)\n- Cite: {d['cite']}\n- Licence: {d['licence']}\n"
            f"- Ground truth: {d['truth']}\n- Shipped here: {note}\n- Files: {files}\n- Full size: `stackmff_nb.data.fetch({name!r})` "
            f"(sha256 of every upstream file in `../registry.txt`)\n")

def main():
    if not os.environ.get(MIRROR_ENV): sys.exit(f"set {MIRROR_ENV} to a mirror of the full-size stacks")
    for name, (side, note) in PLAN.items():
        d = DATASETS[name]; src = fetch(name); out = SHIPPED_DIR / d["shipped"]
        shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
        frames = sorted((src / k.rsplit("/", 1)[1] for k in files(name)), key=natural_key)
        for f in frames:
            if side is None: shutil.copyfile(f, out / f.name); continue
            img = read_image(f); s = side / max(img.shape[:2])
            small = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
            write_image(out / f.name, small, quality=95 if name.startswith("cou") else 92, exif=small_exif(f))
        if name == "cou_1":
            depth = np.load(src / "reference.npy")
            np.save(out / "reference.npy", cv2.resize(depth.astype(np.float32), (180, 180), interpolation=cv2.INTER_AREA))
        (out / "SOURCE.md").write_text(source_md(name, d, note, len(frames)))
        print(f"{name}: {len(frames)} frames -> {out} ({sum(p.stat().st_size for p in out.iterdir()) / 1e6:.2f} MB)")

if __name__ == "__main__": main()
