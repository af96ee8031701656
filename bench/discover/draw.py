#!/usr/bin/env python3
"""Frames made outside Occam for bench/discover: numpy RK4 motion, discs drawn by 4x4
supersampling, Gaussian sensor noise, written by Pillow; no scene.json (calibration by flags).

    draw.py harmonic OUT [--noise 2]   a = -k r with k = 1.5, a star at the centre, two bodies
                                       (on one orbit a = -k r and a velocity law a = (c1 vy, c2 vx)
                                       are the same acceleration; a second orbit separates them)
    draw.py gravity  OUT [--noise 2]   a = (0, -g) with g = 1.2, no reference body
    draw.py exb      OUT [--noise 2]   a = (q/m)(E + v x B): omega = 1.6, (q/m)E = (0, 0.8), no star

256x256, 25 px per unit: harmonic 600 frames at dt = 0.02 s (2.3 periods); gravity 300 frames
at 0.01 s (a 3 s throw that stays in view). Prints the flags for occam discover.
"""
import argparse, os
import numpy as np
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("law", choices=["harmonic", "gravity", "exb"])
p.add_argument("out")
p.add_argument("--noise", type=float, default=0.0)
p.add_argument("--frames", type=int)
p.add_argument("--size", type=int, default=256)
p.add_argument("--scale", type=float, default=25.0)
p.add_argument("--dt", type=float)
p.add_argument("--ey", type=float, default=0.8, help="exb: (q/m)E_y")
p.add_argument("--start", type=str, help="x,y,vx,vy")
a = p.parse_args()
if a.frames is None:
    a.frames = 300 if a.law == "gravity" else 600
size, scale = a.size, a.scale
dt = a.dt or {"harmonic": 0.02, "gravity": 0.01, "exb": 0.02}[a.law]
K, G = 1.5, 1.2
second = None
if a.law == "harmonic":
    state = np.array([3.0, 0.0, 0.0, 2.2])
    second = np.array([0.0, 2.0, 1.6, 0.0])
    accel = lambda s: -K * s[:2]
    star = True
elif a.law == "gravity":
    state = np.array([-4.5, -3.5, 2.5, 4.6])
    accel = lambda s: np.array([0.0, -G])
    star = False
else:
    W, EY = 1.6, a.ey
    state = np.array([-3.0, 0.5, 0.0, 1.2])
    accel = lambda s: np.array([W * s[3], EY - W * s[2]])
    star = False
if a.start:
    state = np.array([float(v) for v in a.start.split(",")])
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
    if second is not None:
        disc(img, second[0], second[1], 3.0, 200)
    img += a.noise * rng.standard_normal(img.shape)
    Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "L").save(os.path.join(a.out, f"frame_{k:05d}.png"))
    h = dt / 20
    for _ in range(20):
        k1 = deriv(state); k2 = deriv(state + h / 2 * k1); k3 = deriv(state + h / 2 * k2); k4 = deriv(state + h * k3)
        state = state + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if second is not None:
            k1 = deriv(second); k2 = deriv(second + h / 2 * k1); k3 = deriv(second + h / 2 * k2); k4 = deriv(second + h * k3)
            second = second + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
print(f"--px-per-unit {scale} --fps {1 / dt:g}")
