"""bench/feynman: the AI Feynman database's 100 equations, SRBench's protocol, Occam and peers.

Equations and sampling ranges: feynman100.csv, the table of the AI Feynman database
(Udrescu & Tegmark, "AI Feynman: a physics-inspired method for symbolic regression", Science
Advances 2020; FeynmanEquations.csv), as SRBench's Feynman set uses it (La Cava et al., NeurIPS
2021). Where a row's "# variables" disagrees with the names it lists, the names are used.

Protocol (per equation, noise level, training size and seed):
- training rows: every input uniform in its published range; target = the formula; Gaussian
  noise of σ = noise × RMS(target) added to the target (SRBench's rule);
- every tool gets the same CSV (inputs, then the target) and one core; wall time is measured
  around the call (Occam: its process, including writing its run folder; peers: the fit);
- exact up to constants (SRBench's symbolic check, done numerically): the returned expression's
  floating-point constants are freed and refitted (Levenberg–Marquardt from the returned values)
  to the noiseless formula on 1000 fresh rows from the training ranges; exact when the refitted
  expression reproduces it (relative RMS < 1e-6), or differs from it by a constant term or
  factor (relative spread < 1e-6) — what "model − truth or model / truth is a constant" accepts;
- R² > 0.999: the expression as returned (no refit), against the noiseless formula on 1000
  held-out rows from each range stretched by 25 % of its width (12.5 % each side; a positive
  range does not go below half its lower end).
Units track (tool occam-units): Occam with --units from units.csv and --dimensionless-constants.
Usage:
    bench/feynman/run [--noise 0,0.01] [--rows 100] [--seeds 1] [--tools occam,occam-units,gplearn,pyoperon,pysindy]
                      [--equations I.6.2a,...] [--jobs 2] [--timeout 600] [--json out.json] [--verbose]
                      [--occam-args "--functions +asin,acos,atan,tanh,sinh,cosh"]
"""
import argparse
import csv
import functools
import importlib.util
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
import zlib

import numpy as np
import sympy
from scipy.optimize import least_squares

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sr"))
import bench as sr  # noqa: E402  (the peers' settings and Occam's invocation, shared with bench/sr)

warnings.filterwarnings("ignore")
FUNCTIONS = {"arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan, "tanh": sympy.tanh, "exp": sympy.exp,
             "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "pi": sympy.pi}


def load():
    out = []
    with open(os.path.join(HERE, "feynman100.csv")) as f:
        for r in csv.DictReader(f):
            names = [r[f"v{i}_name"] for i in range(1, 11) if r.get(f"v{i}_name")]
            ranges = [(float(r[f"v{i}_low"]), float(r[f"v{i}_high"])) for i in range(1, len(names) + 1)]
            output = r["Output"] if r["Output"] not in names else r["Output"] + "_out"
            out.append({"name": r["Filename"], "output": output, "formula": r["Formula"], "inputs": names, "ranges": ranges})
    return out


BASE = {n: sympy.Symbol("u_" + n, positive=True) for n in ["m", "kg", "s", "A", "K"]}
_m, _kg, _s, _A, _K = (BASE[n] for n in ["m", "kg", "s", "A", "K"])
UNITS = {"m": _m, "kg": _kg, "s": _s, "A": _A, "K": _K, "Hz": 1 / _s, "N": _kg * _m / _s ** 2, "J": _kg * _m ** 2 / _s ** 2,
         "W": _kg * _m ** 2 / _s ** 3, "Pa": _kg / (_m * _s ** 2), "C": _A * _s, "V": _kg * _m ** 2 / (_A * _s ** 3),
         "T": _kg / (_A * _s ** 2), "F": _A ** 2 * _s ** 4 / (_kg * _m ** 2)}


@functools.lru_cache(maxsize=None)
def load_units():
    """{equation: {column: unit as occam --units takes it}} from units.csv."""
    out = {}
    with open(os.path.join(HERE, "units.csv")) as f:
        rows = [line for line in f if not line.startswith("#")]
    for r in csv.DictReader(rows):
        out[r["equation"]] = dict(item.split("=", 1) for item in r["units"].split())
    return out


def units_argument(eq, units):
    """The --units value for an equation's CSV columns (the target may carry the _out suffix)."""
    given = units[eq["name"]]
    named = {n: given[n] for n in eq["inputs"]}
    named[eq["output"]] = given[eq["output"].removesuffix("_out")]
    return ",".join(f"{k}={v}" for k, v in named.items())


def check_units(eqs, units):
    """Every formula is invariant under a change of base units: f(x scaled by its unit) equals
    f(x) scaled by the target's unit (so every sum has one dimension and every exp/sin/log a
    dimensionless argument). Returns the equations that are not."""
    bad = []
    rng = np.random.default_rng(0)
    for eq in eqs:
        given = units.get(eq["name"])
        if given is None or set(given) != set(eq["inputs"]) | {eq["output"].removesuffix("_out")}:
            bad.append(f"{eq['name']}: units.csv names {sorted(given or [])}, the equation {sorted(eq['inputs'] + [eq['output']])}")
            continue
        scale = {b: float(rng.uniform(1.5, 3)) for b in BASE.values()}

        def factor(unit):
            return float(sympy.sympify(unit.replace("^", "**"), locals=UNITS).subs(scale))
        f = truth_function(eq)
        x = [np.array([rng.uniform(lo, hi)]) for lo, hi in eq["ranges"]]
        xs = [xi * factor(given[n]) for xi, n in zip(x, eq["inputs"])]
        with np.errstate(all="ignore"):
            y, ys = float(np.ravel(f(*x))[0]), float(np.ravel(f(*xs))[0])
        want = y * factor(given[eq["output"].removesuffix("_out")])
        if not abs(ys - want) <= 1e-9 * max(abs(want), 1e-300):
            bad.append(f"{eq['name']}: not consistent ({ys:g} after rescaling the units, {want:g} expected)")
    return bad


def symbols(eq):
    local = dict(FUNCTIONS)
    local.update({n: sympy.Symbol(n) for n in eq["inputs"]})
    return local


def truth_function(eq):
    local = symbols(eq)
    expr = sympy.sympify(eq["formula"], locals=local)
    return sympy.lambdify([local[n] for n in eq["inputs"]], expr, "numpy")


def sample(eq, rows, rng, stretch=False):
    cols = []
    for lo, hi in eq["ranges"]:
        if stretch:
            w = hi - lo
            lo, hi = (max(lo - w / 8, lo / 2) if lo > 0 else lo - w / 8), hi + w / 8
        cols.append(rng.uniform(lo, hi, rows))
    return cols


def rng_for(name, seed, salt):
    return np.random.default_rng([zlib.crc32(name.encode()), seed, salt])


def write_table(eq, seed, noise, rows, folder):
    rng = rng_for(eq["name"], seed, 0)
    f = truth_function(eq)
    cols = sample(eq, rows, rng)
    with np.errstate(all="ignore"):
        y = np.asarray(f(*cols), dtype=float) * np.ones(rows)
    if noise > 0:
        y = y + rng.normal(0, noise * np.sqrt(np.mean(y ** 2)), rows)
    path = os.path.join(folder, f"{eq['name']}-s{seed}-n{noise:g}-r{rows}.csv")
    # two tools' tasks write the same table at once: each writes its own file and renames it
    part = f"{path}.{os.getpid()}.part"
    with open(part, "w") as out:
        out.write(",".join(eq["inputs"] + [eq["output"]]) + "\n")
        for i in range(rows):
            out.write(",".join(repr(float(c[i])) for c in cols) + f",{float(y[i])!r}\n")
    os.replace(part, path)
    return path


def parse(eq, text):
    local = symbols(eq)
    text = text.replace("^", "**")
    return sympy.sympify(text, locals=local), [local[n] for n in eq["inputs"]]


def score(eq, text, seed):
    """(exact up to constants, R² on stretched held-out rows) of a returned expression."""
    try:
        expr, args = parse(eq, text)
    except Exception:
        return False, float("nan")
    truth = truth_function(eq)
    floats = sorted(expr.atoms(sympy.Float), key=float)
    params = [sympy.Symbol(f"p_{i}") for i in range(len(floats))]
    template = expr.xreplace(dict(zip(floats, params)))
    try:
        f = sympy.lambdify(args + params, template, "numpy")
    except Exception:
        return False, float("nan")
    x0 = np.array([float(v) for v in floats])

    def values(cols, p):
        with np.errstate(all="ignore"):
            return np.asarray(f(*cols, *p), dtype=complex).real * np.ones(len(cols[0]))

    # R² as returned, off the training ranges
    held = sample(eq, 1000, rng_for(eq["name"], seed, 2), stretch=True)
    with np.errstate(all="ignore"):
        yt = np.asarray(truth(*held), dtype=float) * np.ones(1000)
    keep = np.isfinite(yt)
    try:
        yh = values(held, x0)
        ok = keep & np.isfinite(yh)
        r2 = 1 - np.sum((yh[keep] - yt[keep]) ** 2) / np.sum((yt[keep] - yt[keep].mean()) ** 2) if ok.sum() == keep.sum() else -np.inf
    except Exception:
        r2 = -np.inf

    # exact up to constants: refit the floats to the noiseless formula on fresh rows
    fresh = sample(eq, 1000, rng_for(eq["name"], seed, 1))
    with np.errstate(all="ignore"):
        y = np.asarray(truth(*fresh), dtype=float) * np.ones(1000)
    good = np.isfinite(y)
    fresh, y = [c[good] for c in fresh], y[good]
    scale = np.sqrt(np.mean(y ** 2)) or 1.0

    def residual(p):
        r = (values(fresh, p) - y) / scale
        return np.where(np.isfinite(r), r, 1e6)
    try:
        if len(params):
            fit = least_squares(residual, x0, method="lm", xtol=1e-15, ftol=1e-15, max_nfev=200 * (len(params) + 1))
            p = fit.x
        else:
            p = x0
        model = values(fresh, p)
    except Exception:
        return False, float(r2)
    if not np.all(np.isfinite(model)):
        return False, float(r2)
    exact = np.sqrt(np.mean(((model - y) / scale) ** 2)) < 1e-6
    if not exact:  # a constant term or factor off
        d = model - y
        exact = np.std(d) / scale < 1e-6
        if not exact and np.all(np.abs(y) > 1e-12 * scale):
            q = model / y
            exact = np.all(np.isfinite(q)) and abs(np.mean(q)) > 0 and np.std(q) / abs(np.mean(q)) < 1e-6
    return bool(exact), float(r2)


def task(args):
    eq, tool, noise, rows, seed, folder, timeout, extra = args
    path = write_table(eq, seed, noise, rows, folder)
    start = time.perf_counter()
    try:
        if tool == "occam":
            expr, err = run_occam(path, seed, timeout, extra)
        elif tool == "occam-units":
            units = ["--units", units_argument(eq, load_units()), "--dimensionless-constants"]
            expr, err = run_occam(path, seed, timeout, list(extra) + units)
        else:
            expr, err = sr.TOOLS[tool](path, seed)
    except Exception as e:  # a peer that crashes on an equation counts as not recovered
        expr, err = None, f"{type(e).__name__}: {e}"
    seconds = time.perf_counter() - start
    exact, r2 = score(eq, expr, seed) if expr is not None else (False, float("nan"))
    return {"equation": eq["name"], "tool": tool, "noise": noise, "rows": rows, "seed": seed, "seconds": seconds,
            "exact": exact, "r2": r2, "expression": expr, "error": err}


def run_occam(path, seed, timeout, extra=()):
    import subprocess
    names, target, _, _ = sr.names_and_data(path)
    with tempfile.TemporaryDirectory(prefix="occam-feynman-") as out:
        cmd = [sr.OCCAM, "discover", "--table", path, "--target", target, "--out", out + "/run", "--seed", str(seed),
               "--threads", "1"] + list(extra)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"timeout after {timeout} s"
        if p.returncode != 0:
            return None, p.stderr.strip()
        with open(out + "/run/equations.json") as f:
            return json.load(f)["equations"][0]["expression"], ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--noise", default="0,0.01")
    ap.add_argument("--rows", default="100")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--tools", default="occam,gplearn,pyoperon,pysindy")
    ap.add_argument("--equations", default=None, help="comma-separated names (default: all 100)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="equations run at once, one core each")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before Occam's run counts as a failure")
    ap.add_argument("--json", default=None, help="write every result here")
    ap.add_argument("--occam-args", default="", help="extra arguments for occam discover, e.g. \"--functions +asin,tanh\"")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--check-units", action="store_true", help="check units.csv against every formula and stop")
    a = ap.parse_args()
    eqs = load()
    if a.check_units:
        bad = check_units(eqs, load_units())
        print("\n".join(bad) or f"units.csv: all {len(eqs)} formulas dimensionally consistent")
        sys.exit(1 if bad else 0)
    if a.equations:
        wanted = a.equations.split(",")
        unknown = [w for w in wanted if w not in {e["name"] for e in eqs}]
        if unknown:
            sys.exit(f"bench/feynman: unknown equation(s) {', '.join(unknown)}")
        eqs = [e for e in eqs if e["name"] in wanted]
    tools = a.tools.split(",")
    for t in tools:
        if t not in ("occam", "occam-units") and t not in sr.TOOLS:
            sys.exit(f"bench/feynman: unknown tool '{t}' (occam, occam-units, {', '.join(k for k in sr.TOOLS if k != 'occam')})")
    # each peer's tool name is its Python module's; one that cannot import would score 0/100 and look like a result
    missing = [t for t in tools if t in ("gplearn", "pyoperon", "pysindy") and importlib.util.find_spec(t) is None]
    if missing:
        sys.exit(f"bench/feynman: {', '.join(missing)} not installed (python3 -m pip install {' '.join(missing)}, "
                 "or bench/feynman/run installs them)")
    noises = [float(n) for n in a.noise.split(",")]
    sizes = [int(n) for n in a.rows.split(",")]
    folder = tempfile.mkdtemp(prefix="occam-feynman-data-")
    extra = a.occam_args.split()
    tasks = [(e, t, z, n, s, folder, a.timeout, extra) for z in noises for n in sizes for e in eqs for t in tools
             for s in range(1, a.seeds + 1)]
    results = []
    with multiprocessing.Pool(a.jobs) as pool:
        for r in pool.imap_unordered(task, tasks):
            results.append(r)
            if a.verbose:
                print(f"  {r['equation']:12s} noise {r['noise']:<6g} rows {r['rows']:<5d} {r['tool']:9s} seed {r['seed']}: "
                      f"{'exact' if r['exact'] else 'no   '} R2 {r['r2']:.6f} {r['seconds']:7.2f}s  "
                      f"{r['expression'] if r['expression'] is not None else r['error']}", flush=True)
            elif len(results) % 20 == 0:
                print(f"  {len(results)}/{len(tasks)} done", file=sys.stderr, flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)

    # per equation: exact / R² per tool, first noise and size as columns
    print()
    cells = [(z, n) for z in noises for n in sizes]
    for z, n in cells:
        print(f"### noise {z:g}, {n} rows ({a.seeds} seed{'s' if a.seeds > 1 else ''}): exact up to constants / R² > 0.999, median s")
        print("| equation | " + " | ".join(tools) + " |")
        print("|---|" + "---|" * len(tools))
        for e in eqs:
            row = []
            for t in tools:
                rs = [r for r in results if r["equation"] == e["name"] and r["tool"] == t and r["noise"] == z and r["rows"] == n]
                ex = sum(r["exact"] for r in rs)
                r2 = sum(r["r2"] > 0.999 for r in rs)
                row.append(f"{ex}/{r2}/{len(rs)}, {statistics.median(r['seconds'] for r in rs):.1f}")
            print(f"| {e['name']} | " + " | ".join(row) + " |")
        print()
    print("| noise | rows | " + " | ".join(f"{t} exact" for t in tools) + " | " + " | ".join(f"{t} R²>0.999" for t in tools)
          + " | " + " | ".join(f"{t} median s (max)" for t in tools) + " |")
    print("|---|---|" + "---|" * (3 * len(tools)))
    for z, n in cells:
        def pick(t):
            return [r for r in results if r["tool"] == t and r["noise"] == z and r["rows"] == n]
        total = len(eqs) * a.seeds
        ex = [f"{sum(r['exact'] for r in pick(t))}/{total}" for t in tools]
        r2 = [f"{sum(r['r2'] > 0.999 for r in pick(t))}/{total}" for t in tools]
        tm = [f"{statistics.median(r['seconds'] for r in pick(t)):.1f} ({max(r['seconds'] for r in pick(t)):.0f})" for t in tools]
        print(f"| {z:g} | {n} | " + " | ".join(ex) + " | " + " | ".join(r2) + " | " + " | ".join(tm) + " |")
    for tool in [t for t in tools if t.startswith("occam")]:
        print()
        for z, n in cells:
            missed = sorted({r["equation"] for r in results if r["tool"] == tool and r["noise"] == z and r["rows"] == n
                             and not r["exact"]})
            print(f"{tool} not exact at noise {z:g}, {n} rows ({len(missed)}): {', '.join(missed)}")


if __name__ == "__main__":
    main()
