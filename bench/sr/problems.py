"""Recovery problems for symbolic regression (issue 5), generated independently of Occam.

Each problem is a CSV (header row, one column per input and the target) drawn with numpy from
a seeded generator, and a SymPy string of the true law. Relative Gaussian noise multiplies the
target: y * (1 + noise * N(0, 1)).
"""
import csv
import os
import zlib

import numpy as np

GM_SUN = 39.476926  # AU^3 / yr^2
KM_PER_AU = 1.495978707e8

# name: (inputs with ranges, target name, true law (SymPy, in the column names), numpy function)
PROBLEMS = {
    "kepler_third_law": (
        # semi-major axis in km, period in days: values spanning two decades, unscaled
        {"a": (0.3 * KM_PER_AU, 30 * KM_PER_AU)}, "T",
        f"365.25*(a/{KM_PER_AU})**(3/2)",
        lambda c: 365.25 * (c["a"] / KM_PER_AU) ** 1.5),
    "inverse_square_x": (
        {"x": (-3, 3), "y": (-3, 3)}, "ax",
        f"-{GM_SUN}*x/(x**2 + y**2)**(3/2)",
        lambda c: -GM_SUN * c["x"] / (c["x"] ** 2 + c["y"] ** 2) ** 1.5),
    "inverse_square_y": (
        {"x": (-3, 3), "y": (-3, 3)}, "ay",
        f"-{GM_SUN}*y/(x**2 + y**2)**(3/2)",
        lambda c: -GM_SUN * c["y"] / (c["x"] ** 2 + c["y"] ** 2) ** 1.5),
    "lorentz_x": (
        {"vy": (-2, 2)}, "ax", "1.7*(0.45 + vy*1.3)", lambda c: 1.7 * (0.45 + c["vy"] * 1.3)),
    "lorentz_y": (
        {"vx": (-2, 2)}, "ay", "1.7*(-0.3 - vx*1.3)", lambda c: 1.7 * (-0.3 - c["vx"] * 1.3)),
    "lorentz_x_columns": (
        {"qm": (0.5, 3), "E": (-2, 2), "B": (0.2, 2), "vy": (-2, 2)}, "ax",
        "qm*(E + vy*B)", lambda c: c["qm"] * (c["E"] + c["vy"] * c["B"])),
    "lorentz_y_columns": (
        {"qm": (0.5, 3), "E": (-2, 2), "B": (0.2, 2), "vx": (-2, 2)}, "ay",
        "qm*(E - vx*B)", lambda c: c["qm"] * (c["E"] - c["vx"] * c["B"])),
    "cyclotron": (
        {"q": (0.5, 3), "B": (0.2, 2), "m": (0.5, 4)}, "omega", "q*B/m", lambda c: c["q"] * c["B"] / c["m"]),
    "exb_drift": (
        {"E": (0.1, 2), "B": (0.2, 2)}, "v", "E/B", lambda c: c["E"] / c["B"]),
    "feynman_I_9_18": (
        {"m1": (1, 2), "m2": (1, 2), "G": (1, 2), "x1": (3, 4), "x2": (1, 2), "y1": (3, 4), "y2": (1, 2),
         "z1": (3, 4), "z2": (1, 2)}, "F",
        "G*m1*m2/((x2 - x1)**2 + (y2 - y1)**2 + (z2 - z1)**2)",
        lambda c: c["G"] * c["m1"] * c["m2"] / ((c["x2"] - c["x1"]) ** 2 + (c["y2"] - c["y1"]) ** 2 + (c["z2"] - c["z1"]) ** 2)),
    "feynman_I_12_11": (
        {"q": (1, 5), "Ef": (1, 5), "B": (1, 5), "v": (1, 5), "theta": (1, 5)}, "F",
        "q*(Ef + B*v*sin(theta))", lambda c: c["q"] * (c["Ef"] + c["B"] * c["v"] * np.sin(c["theta"]))),
}

# Laws outside the recovery suite, a check of generality that nothing was tuned on
# (`bench/sr/run --set unseen`): AI Feynman I.8.14, I.11.19, I.10.7, I.13.12, and Coulomb's
# force between two charges in a plane.
UNSEEN = {
    "distance_I_8_14": (
        {"x1": (1, 5), "x2": (1, 5), "y1": (1, 5), "y2": (1, 5)}, "d",
        "sqrt((x2 - x1)**2 + (y2 - y1)**2)",
        lambda c: np.sqrt((c["x2"] - c["x1"]) ** 2 + (c["y2"] - c["y1"]) ** 2)),
    "dot_product_I_11_19": (
        {"x1": (1, 5), "x2": (1, 5), "x3": (1, 5), "y1": (1, 5), "y2": (1, 5), "y3": (1, 5)}, "A",
        "x1*y1 + x2*y2 + x3*y3", lambda c: c["x1"] * c["y1"] + c["x2"] * c["y2"] + c["x3"] * c["y3"]),
    "relativistic_mass_I_10_7": (
        {"m0": (1, 5), "v": (1, 2), "c": (3, 10)}, "m",
        "m0/sqrt(1 - v**2/c**2)", lambda c: c["m0"] / np.sqrt(1 - c["v"] ** 2 / c["c"] ** 2)),
    "potential_energy_I_13_12": (
        {"G": (1, 5), "m1": (1, 5), "m2": (1, 5), "r1": (1, 5), "r2": (1, 5)}, "U",
        "G*m1*m2*(1/r2 - 1/r1)", lambda c: c["G"] * c["m1"] * c["m2"] * (1 / c["r2"] - 1 / c["r1"])),
    "coulomb_plane": (
        {"q1": (1, 3), "q2": (1, 3), "x1": (-1, 1), "x2": (2, 4), "y1": (-1, 1), "y2": (2, 4)}, "F",
        "8.99*q1*q2/((x1 - x2)**2 + (y1 - y2)**2)",
        lambda c: 8.99 * c["q1"] * c["q2"] / ((c["x1"] - c["x2"]) ** 2 + (c["y1"] - c["y2"]) ** 2)),
}
SETS = {"suite": PROBLEMS, "unseen": UNSEEN}
ALL = {**PROBLEMS, **UNSEEN}


def sample(name, seed, noise, rows=100):
    inputs, target, _, law = ALL[name]
    rng = np.random.default_rng([seed, zlib.crc32(name.encode()), int(noise * 1e4)])
    cols = {}
    for k, (lo, hi) in inputs.items():
        cols[k] = rng.uniform(lo, hi, rows)
    if name.startswith("inverse_square"):
        # keep away from the singularity at r = 0 (r >= 0.5)
        r = np.hypot(cols["x"], cols["y"])
        bad = r < 0.5
        while bad.any():
            cols["x"][bad] = rng.uniform(-3, 3, bad.sum())
            cols["y"][bad] = rng.uniform(-3, 3, bad.sum())
            bad = np.hypot(cols["x"], cols["y"]) < 0.5
    y = law(cols)
    y = y * (1 + noise * rng.standard_normal(rows))
    return cols, target, y


def write(name, seed, noise, folder, rows=100):
    cols, target, y = sample(name, seed, noise, rows)
    path = os.path.join(folder, f"{name}-s{seed}-n{noise:g}.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(list(cols) + [target])
        for i in range(rows):
            w.writerow([repr(float(cols[k][i])) for k in cols] + [repr(float(y[i]))])
    return path
