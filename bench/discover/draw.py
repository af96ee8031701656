#!/usr/bin/env python3
"""Frames made outside Occam for bench/discover: numpy RK4 motion, discs drawn by 4x4
supersampling, Gaussian sensor noise, written by Pillow; no scene.json (calibration by flags).

    draw.py harmonic OUT [--noise 2]   a = -k r with k = 1.5, a star at the centre
    draw.py gravity  OUT [--noise 2]   a = (0, -g) with g = 1.2, no reference body

600 frames of 256x256, 25 px per unit; dt = 0.02 s (harmonic, 2.3 periods) or 0.005 s
(gravity, 3 s of a throw that stays in view). Prints the flags for occam discover.
"""
import argparse, os
import numpy as np
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("law", choices=["harmonic", "gravity"])
p.add_argument("out")
p.add_argument("--noise", type=float, default=0.0)
p.add_argument("--frames", type=int, default=600)
a = p.parse_args()
size, scale = 256, 25.0
dt = 0.02 if a.law == "harmonic" else 0.005
K, G = 1.5, 1.2
if a.law == "harmonic":
    state = np.array([3.0, 0.0, 0.0, 2.2])
    accel = lambda s: -K * s[:2]
    star = True
else:
    state = np.array([-4.5, -3.5, 2.5, 4.6])
    accel = lambda s: np.array([0.0, -G])
    star = False
os.makedirs(a.out, exist_ok=True)
rng = np.random.default_rng(5)
sub = (np.arange(4) + 0.5) / 4
def disc(img, x, y, radius, level):
    cu, cv = size / 2 + x * scale, size / 2 - y * scale
    for py in range(max(0, int(cv - radius) - 1), min(size, int(cv + radius) + 2)):
        for px in range(max(0, int(cu - radius) - 1), min(size, int(cu + radius) + 2)):
            du = px + sub[None, :] - cu
            dv = py + sub[:, None] - cv
            img[py, px] += level * np.mean(du * du + dv * dv <= radius * radius)
def deriv(s):
    return np.concatenate([s[2:], accel(s)])
for k in range(a.frames):
    img = np.zeros((size, size))
    if star:
        disc(img, 0, 0, 4.5, 250)
    disc(img, state[0], state[1], 3.0, 200)
    img += a.noise * rng.standard_normal(img.shape)
    Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "L").save(os.path.join(a.out, f"frame_{k:05d}.png"))
    h = dt / 20
    for _ in range(20):
        k1 = deriv(state); k2 = deriv(state + h / 2 * k1); k3 = deriv(state + h / 2 * k2); k4 = deriv(state + h * k3)
        state = state + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
print(f"--px-per-unit {scale} --fps {1 / dt:g}")
