#!/usr/bin/env python3
"""Frames made outside Occam for bench/discover: numpy RK4 motion, discs drawn by 4x4
supersampling, Gaussian sensor noise, written by Pillow; no scene.json (calibration by flags).

    draw.py harmonic OUT [--noise 2]   a = -k r with k = 1.5, a star at the centre, two bodies
                                       (on one orbit a = -k r and a velocity law a = (c1 vy, c2 vx)
                                       are the same acceleration; a second orbit separates them)
    draw.py gravity  OUT [--noise 2]   a = (0, -g) with g = 1.2, no reference body
    draw.py exb      OUT [--noise 2]   a = (q/m)(E + v x B): omega = 1.6, (q/m)E = (0, 0.8), no star

One object, one orbit or arc (the off-orbit cases: the law must hold off the filmed motion):
    draw.py kepler1    OUT   a = -GM r/r^3, GM = 20, e = 0.5 from periapsis 1.5, 1.25 turns, a star
    draw.py harmonic1  OUT   a = -k r, k = 1.5, one ellipse (semi-axes 3 and 1.8), 1.2 turns, an anchor
    draw.py cyclotron  OUT   a = omega (vy, -vx), omega = 1.6, one circle of radius 2, 1.1 turns, no star
    draw.py throw      OUT   a = (0, -g), g = 1.2, leaves the frame after 3.9 s of 5
--look discs (4x4 supersampled discs) or psf (Gaussian PSF, sigma 1.3 px, integrated over pixels;
the star saturates); --states FILE writes the true t, x, y, vx, vy per frame (for the checks).

256x256, 25 px per unit: harmonic 600 frames at dt = 0.02 s (2.3 periods); gravity 300 frames
at 0.01 s (a 3 s throw that stays in view). Prints the flags for occam discover.
"""
import argparse, math, os
import numpy as np
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("law", choices=["harmonic", "gravity", "exb", "kepler1", "harmonic1", "cyclotron", "throw"])
p.add_argument("--look", choices=["discs", "psf"], default="discs")
p.add_argument("--states", type=str)
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
    a.frames = {"gravity": 300, "kepler1": 460, "harmonic1": 310, "cyclotron": 216, "throw": 500}.get(a.law, 600)
size, scale = a.size, a.scale
dt = a.dt or {"harmonic": 0.02, "gravity": 0.01, "exb": 0.02, "throw": 0.01}.get(a.law, 0.02)
K, G = 1.5, 1.2
second = None
if a.law == "harmonic":
    state = np.array([3.0, 0.0, 0.0, 2.2])
    second = np.array([0.0, 2.0, 1.6, 0.0])
    accel = lambda s: -K * s[:2]
    star = True
elif a.law == "kepler1":
    GM = 20.0
    state = np.array([1.5, 0.0, 0.0, np.sqrt(GM * 1.5 / 1.5)])
    accel = lambda s: -GM * s[:2] / np.hypot(s[0], s[1]) ** 3
    star = True
elif a.law == "harmonic1":
    state = np.array([3.0, 0.0, 0.0, 2.2])
    accel = lambda s: -K * s[:2]
    star = True
elif a.law == "cyclotron":
    W = 1.6
    state = np.array([0.5, 1.0, 3.2, 0.0])
    accel = lambda s: np.array([W * s[3], -W * s[2]])
    star = False
elif a.law in ("gravity", "throw"):
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
SIGMA = 1.3
erf = np.vectorize(math.erf)
def share(edges, c):
    return 0.5 * (erf((edges[1:] - c) / (SIGMA * math.sqrt(2))) - erf((edges[:-1] - c) / (SIGMA * math.sqrt(2))))
def disc(img, x, y, radius, level):
    cu, cv = size / 2 + x * scale, size / 2 - y * scale
    if a.look == "psf":
        # a Gaussian PSF integrated over pixels, its centre pixel at 180 (a star's at 400: saturated)
        peak = 400 if radius > 4 else 180
        flux = peak / math.erf(0.5 / (SIGMA * math.sqrt(2))) ** 2
        u0, u1 = max(0, int(cu - 6 * SIGMA)), min(size, int(cu + 6 * SIGMA) + 2)
        v0, v1 = max(0, int(cv - 6 * SIGMA)), min(size, int(cv + 6 * SIGMA) + 2)
        if u0 >= u1 or v0 >= v1:
            return
        sx = share(np.arange(u0, u1 + 1, dtype=float), cu)
        sy = share(np.arange(v0, v1 + 1, dtype=float), cv)
        img[v0:v1, u0:u1] += flux * sy[:, None] * sx[None, :]
        return
    for py in range(max(0, int(cv - radius) - 1), min(size, int(cv + radius) + 2)):
        for px in range(max(0, int(cu - radius) - 1), min(size, int(cu + radius) + 2)):
            du = px + sub[None, :] - cu
            dv = py + sub[:, None] - cv
            img[py, px] += level * np.mean(du * du + dv * dv <= radius * radius)
def deriv(s):
    return np.concatenate([s[2:], accel(s)])
states = []
for k in range(a.frames):
    states.append([k * dt, *state])
    img = np.zeros((size, size)) + (20.0 if a.look == "psf" and a.noise > 0 else 0.0)
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
if a.states:
    np.savetxt(a.states, np.array(states), delimiter=",", header="t,x,y,vx,vy", comments="")
print(f"--px-per-unit {scale} --fps {1 / dt:g}")
