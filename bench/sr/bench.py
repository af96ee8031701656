"""bench/sr: symbolic-regression recovery suite, Occam next to gplearn, PySINDy and pyoperon.

Every tool sees the same CSV (bench/sr/problems.py, numpy, seeded) and is timed by wall clock
on one core. Recovery ("exact") means: the returned expression, with its float constants freed
and refitted to the noiseless law on fresh points, reproduces the law (relative RMS < 1e-6),
each returned constant lies within 1 % of its refitted value (plus 1e-3 absolute, for
constants whose true value is 0, such as a phase), and the returned expression itself is within
1 % RMS of the law on those points. Usage:

    bench/sr/run [--seeds 10] [--noise 0,0.01] [--set suite|unseen] [--problems a,b]
                 [--tools occam,gplearn,pysindy,pyoperon]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import sympy
from scipy.optimize import least_squares

sys.path.insert(0, os.path.dirname(__file__))
import problems  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# OCCAM_BINARY compares another build (e.g. one kept aside while the release build changes)
OCCAM = os.environ.get("OCCAM_BINARY") or os.path.join(ROOT, ".build", "release", "occam")
warnings.filterwarnings("ignore")


def names_and_data(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return header[:-1], header[-1], data[:, :-1], data[:, -1]


# ---------------------------------------------------------------- tools

def run_occam(path, seed):
    names, target, _, _ = names_and_data(path)
    with tempfile.TemporaryDirectory(prefix="occam-sr-") as out:
        cmd = [OCCAM, "discover", "--table", path, "--target", target, "--out", out + "/run", "--seed", str(seed),
               "--threads", "1"]  # one core per problem, as the peers
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return None, p.stderr.strip()
        with open(out + "/run/equations.json") as f:
            return json.load(f)["equations"][0]["expression"], ""


def run_gplearn(path, seed):
    from gplearn.genetic import SymbolicRegressor
    names, target, x, y = names_and_data(path)
    # gplearn's README settings scaled to a 100-row table: 1000 programs, 20 generations,
    # parsimony 0.001, the arithmetic/sqrt/log/sin/cos/inv/neg function set, one job.
    est = SymbolicRegressor(population_size=1000, generations=20, stopping_criteria=1e-10,
                            function_set=("add", "sub", "mul", "div", "sqrt", "log", "sin", "cos", "inv", "neg"),
                            parsimony_coefficient=0.001, random_state=seed, n_jobs=1)
    est.fit(x, y)
    local = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
             "div": lambda a, b: a / b, "sqrt": lambda a: sympy.sqrt(sympy.Abs(a)),
             "log": lambda a: sympy.log(sympy.Abs(a)), "sin": sympy.sin, "cos": sympy.cos,
             "inv": lambda a: 1 / a, "neg": lambda a: -a}
    for i, n in enumerate(names):
        local[f"X{i}"] = sympy.Symbol(n)
    return str(sympy.sympify(str(est._program), locals=local)), ""


def run_pysindy(path, seed):
    import pysindy as ps
    names, target, x, y = names_and_data(path)
    # PySINDy's sparse regression (STLSQ, threshold 0.05 relative to the target's scale) over a
    # library of polynomials to degree 3, sin/cos and 1/x of every input.
    lib = ps.PolynomialLibrary(degree=3) + ps.FourierLibrary(n_frequencies=1) + ps.CustomLibrary(
        library_functions=[lambda a: 1 / a], function_names=[lambda a: f"1/({a})"])
    theta = lib.fit_transform(x)
    feature_names = lib.get_feature_names(input_features=names)
    scale = np.std(y) or 1.0
    opt = ps.STLSQ(threshold=0.05, alpha=1e-6)
    opt.fit(np.asarray(theta), y.reshape(-1, 1) / scale)
    coef = opt.coef_.ravel() * scale
    terms = []
    for c, fname in zip(coef, feature_names):
        if c != 0:
            text = fname.replace("^", "**").replace(" ", "*")
            terms.append(f"({float(c)!r})*({text})")
    return " + ".join(terms) or "0", ""


def run_pyoperon(path, seed):
    from pyoperon.sklearn import SymbolicRegressor
    names, target, x, y = names_and_data(path)
    # pyoperon's defaults with the same operator set as Occam, one thread.
    est = SymbolicRegressor(allowed_symbols="add,sub,mul,div,constant,variable,sqrt,log,exp,sin,cos,square",
                            random_state=seed, n_threads=1, max_length=30, generations=1000,
                            max_evaluations=200000)
    est.fit(x, y)
    text = est.get_model_string(est.model_, 16, names)
    return text, ""


TOOLS = {"occam": run_occam, "gplearn": run_gplearn, "pysindy": run_pysindy, "pyoperon": run_pyoperon}

# ---------------------------------------------------------------- recovery check


def recovered(expr_text, name, rng):
    inputs, target, truth_text, law = problems.ALL[name]
    syms = {k: sympy.Symbol(k) for k in inputs}
    try:
        expr = sympy.sympify(expr_text.replace("^", "**"), locals=syms)
    except Exception:
        return False
    floats = sorted(expr.atoms(sympy.Float), key=lambda f: float(f))
    params = [sympy.Symbol(f"p{i}") for i in range(len(floats))]
    template = expr.xreplace(dict(zip(floats, params)))
    cols = {k: rng.uniform(lo, hi, 300) for k, (lo, hi) in inputs.items()}
    if name.startswith("inverse_square"):
        keep = np.hypot(cols["x"], cols["y"]) >= 0.5
        cols = {k: v[keep] for k, v in cols.items()}
    truth = law(cols)
    args = [syms[k] for k in inputs]
    try:
        f = sympy.lambdify(args + params, template, "numpy")
        x0 = np.array([float(v) for v in floats])

        def residual(p):
            with np.errstate(all="ignore"):
                v = np.asarray(f(*[cols[k] for k in inputs], *p), dtype=float) * np.ones_like(truth)
            r = (v - truth) / np.sqrt(np.mean(truth ** 2))
            return np.where(np.isfinite(r), r, 1e6)
        if len(params):
            fit = least_squares(residual, x0, method="lm", xtol=1e-15, ftol=1e-15, max_nfev=2000)
            p, rms = fit.x, np.sqrt(np.mean(fit.fun ** 2))
        else:
            p, rms = x0, np.sqrt(np.mean(residual(x0) ** 2))
    except Exception:
        return False
    if not rms < 1e-6:
        return False
    if not all(abs(a - b) <= 0.01 * abs(b) + 1e-3 for a, b in zip(x0, p)):
        return False
    # and the returned expression itself stays within 1 % (RMS) of the law on fresh points
    return bool(np.sqrt(np.mean(residual(x0) ** 2)) < 0.01)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--peer-seeds", type=int, default=None, help="seeds for the peers (default: --seeds)")
    ap.add_argument("--noise", default="0,0.01")
    ap.add_argument("--set", default="suite", choices=sorted(problems.SETS),
                    help="suite: the recovery suite of issue 5; unseen: laws outside it (a generality check)")
    ap.add_argument("--problems", default=None, help="comma-separated problem names (default: the whole --set)")
    ap.add_argument("--tools", default="occam,gplearn,pysindy,pyoperon")
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if a.problems is None:
        a.problems = ",".join(problems.SETS[a.set])
    tools = a.tools.split(",")
    noises = [float(n) for n in a.noise.split(",")]
    folder = tempfile.mkdtemp(prefix="occam-sr-data-")
    table = {}
    for name in a.problems.split(","):
        for noise in noises:
            for tool in tools:
                hits, times = 0, []
                seeds = a.seeds if tool == "occam" or a.peer_seeds is None else a.peer_seeds
                for seed in range(1, seeds + 1):
                    path = problems.write(name, seed, noise, folder, a.rows)
                    start = time.perf_counter()
                    try:
                        expr, err = TOOLS[tool](path, seed)
                    except Exception as e:  # a peer that crashes on a problem counts as not recovered
                        expr, err = None, f"{type(e).__name__}: {e}"
                    times.append(time.perf_counter() - start)
                    ok = expr is not None and recovered(expr, name, np.random.default_rng(seed + 1000))
                    hits += ok
                    if a.verbose:
                        print(f"  {name} noise={noise} {tool} seed={seed}: {'yes' if ok else 'no '} "
                              f"{times[-1]:.2f}s  {expr if expr is not None else err}", flush=True)
                table[(name, noise, tool)] = (hits, statistics.median(times), seeds)
                print(f"{name:20s} noise {noise:<5g} {tool:9s} recovered {hits:2d}/{seeds}  "
                      f"median {statistics.median(times):7.2f} s", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    print()
    print("| problem | noise | " + " | ".join(f"{t} (recovered, median s)" for t in tools) + " |")
    print("|---|---|" + "---|" * len(tools))
    for name in a.problems.split(","):
        for noise in noises:
            cells = [f"{table[(name, noise, t)][0]}/{table[(name, noise, t)][2]}, {table[(name, noise, t)][1]:.2f}" for t in tools]
            print(f"| {name} | {noise:g} | " + " | ".join(cells) + " |")
    totals = {t: sum(1 for k, v in table.items() if k[2] == t and v[0] >= 0.9 * v[2]) for t in tools}
    print()
    print("problems × noise levels recovered in ≥ 90 % of seeds: " + ", ".join(f"{t} {n}/{len(table) // len(tools)}" for t, n in totals.items()))
    # Speed at equal recovery: over the cells both Occam and a peer recover in ≥ 90 % of seeds,
    # the ratio of Occam's median wall time to the peer's (geometric mean, and the worst cell).
    # Occam's time includes starting its process and writing the run folder; the peers' is the
    # in-process fit.
    if "occam" in tools:
        for t in tools:
            if t == "occam":
                continue
            ratios = [(table[(n, z, "occam")][1] / max(table[(n, z, t)][1], 1e-9), n, z)
                      for (n, z, tool) in table if tool == t
                      and table[(n, z, "occam")][0] >= 0.9 * table[(n, z, "occam")][2]
                      and table[(n, z, t)][0] >= 0.9 * table[(n, z, t)][2]]
            if not ratios:
                print(f"occam / {t} time at equal recovery: no cell both recover")
                continue
            geo = float(np.exp(np.mean([np.log(r) for r, _, _ in ratios])))
            worst = max(ratios)
            print(f"occam / {t} time at equal recovery: {geo:.2f}x over {len(ratios)} cells "
                  f"(worst {worst[0]:.2f}x on {worst[1]} noise {worst[2]:g})")


if __name__ == "__main__":
    main()
