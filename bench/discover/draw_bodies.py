#!/usr/bin/env python3
"""Frames of bodies that act on each other, made outside Occam for bench/discover: numpy RK4
of a_i = sum_j c_ij (r_j - r_i)/|r_j - r_i|^3, discs drawn by 4x4 supersampling or Gaussian
PSFs integrated over pixels, Gaussian sensor noise (on a grey sky for the PSF look), written by
Pillow; no scene.json (calibration by flags).

    draw_bodies.py binary  OUT   two stars, masses 2:1 (GM 6 and 3), relative orbit a = 2, e = 0.6
    draw_bodies.py three   OUT   three bodies, GM 5, 2 and 1.2 (an inner pair and an outer body)
    draw_bodies.py charges OUT   two like charges, masses 1:3, k q^2 = 2, thrown past each other
    draw_bodies.py moon    OUT   a star (GM 30), a planet (GM 3) at 2.5 and its moon (GM 0.36) at 0.35

--look discs|psf, --noise SIGMA, --states FILE (the true t, then x, y, vx, vy of every body per
frame), --truth FILE (JSON: the coupling c_ij and the masses). 256x256 px. Prints the flags for
occam discover.
"""
import argparse, json, math, os
import numpy as np
import paint

p = argparse.ArgumentParser()
p.add_argument("system", choices=["binary", "three", "charges", "moon"])
p.add_argument("out")
p.add_argument("--look", choices=["discs", "psf"], default="discs")
p.add_argument("--noise", type=float, default=0.0)
p.add_argument("--states", type=str)
p.add_argument("--truth", type=str)
a = p.parse_args()

def circular(gm, r):
    return math.sqrt(gm / r)

if a.system == "binary":
    gm = [6.0, 3.0]
    c = [[0, gm[1]], [gm[0], 0]]
    rel_r, rel_v = 2.0 * 1.6, math.sqrt(9.0 * 0.4 / (2.0 * 1.6))  # apoapsis of a = 2, e = 0.6
    starts = [[-rel_r / 3, 0, 0, -rel_v / 3], [2 * rel_r / 3, 0, 0, 2 * rel_v / 3]]
    masses, scale, frames, dt = gm, 36.0, 400, 0.02
elif a.system == "three":
    gm = [5.0, 2.0, 1.2]
    c = [[0 if i == j else gm[j] for j in range(3)] for i in range(3)]
    inner_v = circular(7.0, 1.0)
    vcm = 2.0 * inner_v / 7.0
    starts = [[0, 0, 0, 0], [1.0, 0, 0, inner_v], [-2.6, 0, 0, vcm - circular(8.2, 2.6 + 2.0 / 7.0)]]
    masses, scale, frames, dt = gm, 30.0, 400, 0.02
elif a.system == "charges":
    k2, m = 2.0, [1.0, 3.0]
    c = [[0, -k2 / m[0]], [-k2 / m[1], 0]]
    starts = [[-3.0, 0.45, 2.0, 0], [1.0, -0.15, -2.0 / 3.0, 0]]
    masses, scale, frames, dt = m, 30.0, 170, 0.02
else:
    gm = [30.0, 3.0, 0.36]
    c = [[0 if i == j else gm[j] for j in range(3)] for i in range(3)]
    vp = circular(33.36, 2.5)
    starts = [[0, 0, 0, 0], [2.5, 0, 0, vp], [2.85, 0, 0, vp + circular(3.36, 0.35)]]
    masses, scale, frames, dt = gm, 32.0, 300, 0.01
starts = np.array(starts, dtype=float)
if a.system != "charges":
    w = np.array(masses)[:, None]
    starts -= (w * starts).sum(axis=0) / w.sum()
c = np.array(c, dtype=float)
n = len(starts)
size = 256

def accel(q):
    out = np.zeros((n, 2))
    for i in range(n):
        for j in range(n):
            if i != j:
                d = q[j, :2] - q[i, :2]
                out[i] += c[i, j] * d / np.hypot(*d) ** 3
    return out

def deriv(q):
    return np.concatenate([q[:, 2:], accel(q)], axis=1)

os.makedirs(a.out, exist_ok=True)
rng = np.random.default_rng(9)
radii = [4.0, 3.0, 2.5][:n] if a.system != "charges" else [3.0, 3.5]
levels = [230, 190, 160][:n] if a.system != "charges" else [180, 230]

def blob(img, x, y, radius, level):
    cu, cv = size / 2 + x * scale, size / 2 - y * scale
    if a.look == "psf":
        paint.psf(img, cu, cv, paint.psf_flux(0.9 * level))
    else:
        paint.disc(img, cu, cv, radius, level)

q = starts.copy()
states = []
for k in range(frames):
    states.append([k * dt] + q.ravel().tolist())
    img = np.zeros((size, size)) + (20.0 if a.look == "psf" and a.noise > 0 else 0.0)
    for i in range(n):
        blob(img, q[i, 0], q[i, 1], radii[i], levels[i])
    paint.save(img, a.noise, rng, os.path.join(a.out, f"frame_{k:05d}.png"))
    q = paint.rk4(deriv, q, dt)
S = np.array(states)
edge = (size / 2) / scale
if np.abs(S[:, 1:].reshape(len(S), n, 4)[:, :, :2]).max() > edge:
    raise SystemExit(f"{a.system}: a body leaves the frame")
if a.states:
    np.savetxt(a.states, S, delimiter=",", header="t," + ",".join(f"x{i},y{i},vx{i},vy{i}" for i in range(n)), comments="")
if a.truth:
    json.dump({"coupling": c.tolist(), "masses": list(masses)}, open(a.truth, "w"))
print(f"--px-per-unit {scale} --fps {1 / dt:g}")
