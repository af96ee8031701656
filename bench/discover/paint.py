"""What bench/discover's drawn frames share (draw.py, draw_bodies.py): numpy RK4 with 20 steps per
frame, discs by 4x4 supersampling, Gaussian point-spread functions integrated over pixels, and
Gaussian sensor noise rounded, clipped and written by Pillow. Not Occam's renderer."""
import math

import numpy as np
from PIL import Image

SIGMA = 1.3  # px, the point-spread function's width
_erf = np.vectorize(math.erf)
_SUB = (np.arange(4) + 0.5) / 4  # sample points across a pixel, per axis


def _share(edges, centre):
    """Share of a unit Gaussian of width SIGMA centred at `centre` between consecutive edges."""
    return 0.5 * (_erf((edges[1:] - centre) / (SIGMA * math.sqrt(2))) - _erf((edges[:-1] - centre) / (SIGMA * math.sqrt(2))))


def psf_flux(peak):
    """Total flux whose pixel-integrated PSF peaks at `peak` in a pixel centred on it."""
    return peak / math.erf(0.5 / (SIGMA * math.sqrt(2))) ** 2


def psf(img, cu, cv, flux):
    """Add a Gaussian PSF of `flux` centred at pixel coordinates (cu, cv), integrated over pixels."""
    size = img.shape[0]
    u0, u1 = max(0, int(cu - 6 * SIGMA)), min(size, int(cu + 6 * SIGMA) + 2)
    v0, v1 = max(0, int(cv - 6 * SIGMA)), min(size, int(cv + 6 * SIGMA) + 2)
    if u0 >= u1 or v0 >= v1:
        return
    sx = _share(np.arange(u0, u1 + 1, dtype=float), cu)
    sy = _share(np.arange(v0, v1 + 1, dtype=float), cv)
    img[v0:v1, u0:u1] += flux * sy[:, None] * sx[None, :]


def disc(img, cu, cv, radius, level):
    """Add a disc of `radius` px and grey `level` at (cu, cv), anti-aliased by 4x4 supersampling."""
    size = img.shape[0]
    for py in range(max(0, int(cv - radius) - 1), min(size, int(cv + radius) + 2)):
        for px in range(max(0, int(cu - radius) - 1), min(size, int(cu + radius) + 2)):
            du = px + _SUB[None, :] - cu
            dv = py + _SUB[:, None] - cv
            img[py, px] += level * np.mean(du * du + dv * dv <= radius * radius)


def star_and_planet(img, look, centre, u, v):
    """A static star at `centre` and a planet at (u, v) in `look`: "discs" (r 5 px at 230, r 2.5
    px at 180, 4x4 supersampled) or "psf" (fluxes 60000, which saturates, and 2000)."""
    if look == "discs":
        disc(img, *centre, 5.0, 230)
        disc(img, u, v, 2.5, 180)
    else:
        psf(img, *centre, 60000)
        psf(img, u, v, 2000)


def rk4(deriv, state, dt, steps=20):
    """The state one frame interval `dt` later: `steps` classical Runge-Kutta steps."""
    h = dt / steps
    for _ in range(steps):
        k1 = deriv(state); k2 = deriv(state + h / 2 * k1); k3 = deriv(state + h / 2 * k2); k4 = deriv(state + h * k3)
        state = state + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return state


def save(img, noise, rng, path):
    """Add Gaussian noise of `noise` grey levels, round, clip to 0..255 and write an 8-bit PNG."""
    img += noise * rng.standard_normal(img.shape)
    Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "L").save(path)
