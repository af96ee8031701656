"""Reference renderer for bench/render: draws the same frames as `occam simulate` with numpy
and Pillow, the way a careful Python user would.

It reads the true pixel positions from truth.csv and the radii, brightness and background from
scene.json of an Occam run, draws each disc anti-aliased with 4x4 = 16 samples per pixel over
the disc's bounding box (vectorised with numpy), and saves 8-bit PNGs with Pillow's defaults.
"""
import csv
import json
import os
import sys

import numpy as np
from PIL import Image

SUB = 4  # samples per pixel side


def load(run_dir):
    with open(os.path.join(run_dir, "scene.json")) as f:
        scene = json.load(f)
    frames = {}
    with open(os.path.join(run_dir, "truth.csv")) as f:
        for row in csv.DictReader(f):
            frames.setdefault(int(row["frame"]), []).append((row["body"], float(row["u_px"]), float(row["v_px"])))
    looks = {b["name"]: (b["radius_px"], b["brightness"][0]) for b in scene["bodies"]}
    discs = [[(u, v) + looks[name] for name, u, v in frames[k]] for k in sorted(frames)]
    return scene, discs


def render(width, height, background, discs):
    img = np.full((height, width), float(background), dtype=np.float64)
    offsets = (np.arange(SUB) + 0.5) / SUB
    for u, v, r, b in discs:
        i0, i1 = max(0, int(np.floor(u - r))), min(width - 1, int(np.floor(u + r)))
        j0, j1 = max(0, int(np.floor(v - r))), min(height - 1, int(np.floor(v + r)))
        if i0 > i1 or j0 > j1:
            continue
        xs = (np.arange(i0, i1 + 1)[:, None] + offsets[None, :]).ravel() - u
        ys = (np.arange(j0, j1 + 1)[:, None] + offsets[None, :]).ravel() - v
        inside = (xs[None, :] ** 2 + ys[:, None] ** 2) <= r * r
        cover = inside.reshape(j1 - j0 + 1, SUB, i1 - i0 + 1, SUB).mean(axis=(1, 3))
        img[j0:j1 + 1, i0:i1 + 1] += cover * b
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def render_run(run_dir, out_dir):
    scene, discs = load(run_dir)
    w, h = scene["image"]["width"], scene["image"]["height"]
    bg = scene["render"]["background"][0]
    os.makedirs(out_dir, exist_ok=True)
    total = 0
    for k, frame in enumerate(discs):
        path = os.path.join(out_dir, "frame_%05d.png" % k)
        Image.fromarray(render(w, h, bg, frame), mode="L").save(path)
        total += os.path.getsize(path)
    return len(discs), total


if __name__ == "__main__":
    n, size = render_run(sys.argv[1], sys.argv[2])
    print(n, size)
