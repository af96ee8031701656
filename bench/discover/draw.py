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
import argparse, os
import numpy as np
import paint

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
def disc(img, x, y, radius, level):
    cu, cv = size / 2 + x * scale, size / 2 - y * scale
    if a.look == "psf":
        # a Gaussian PSF integrated over pixels, its centre pixel at 180 (a star's at 400: saturated)
        paint.psf(img, cu, cv, paint.psf_flux(400 if radius > 4 else 180))
    else:
        paint.disc(img, cu, cv, radius, level)
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
    paint.save(img, a.noise, rng, os.path.join(a.out, f"frame_{k:05d}.png"))
    state = paint.rk4(deriv, state, dt)
    if second is not None:
        second = paint.rk4(deriv, second, dt)
if a.states:
    np.savetxt(a.states, np.array(states), delimiter=",", header="t,x,y,vx,vy", comments="")
print(f"--px-per-unit {scale} --fps {1 / dt:g}")
