#!/usr/bin/env python3
"""bench/discover --all: every "must recover" case of the discovery job at full size, clean and
with Gaussian sensor noise sigma = 2 grey levels, each checked against the truth it was made
from (never read by the job). Release build; prints one line per case and a summary.

Cases: one eccentric planet (k = GM within 1 %), four planets (one k; T = c a^(3/2) with c within
1 % of 2 pi / sqrt(GM)), E x B drift (omega within 1 % of qB/m, offsets match (q/m)E), a sweep
over B and q (omega = (q/m) B within 1 % on every run), and frames drawn by bench/discover/draw.py
(not Occam's renderer): a harmonic force a = -k r, uniform gravity a = (0, -g) and E x B drift
(the law within 2 % at test states).

Off-orbit cases (drawn by draw.py, one object, one orbit or arc, supersampled discs and Gaussian
PSFs): Kepler (e = 0.5, 1.25 turns), harmonic a = -k r (one ellipse), E x B drift, cyclotron (one
circle), a throw that leaves the frame. Each component must depend on exactly the variables of
the true law (r read as sqrt(x^2 + y^2)), its constants must be within 1 % (clean) / 3 %
(sigma = 2), and at 200 random states off the filmed orbit (positions in the observed range,
velocities of observed speeds in random directions) the RMS error of the acceleration must be
within 2 % of the RMS truth.

Interacting cases (drawn by draw_bodies.py: a 2:1 binary, three bodies, two repelling charges
1:3, a star with a planet and its moon; discs clean and PSFs with sigma = 2; and Occam's own
simulations/binary.yaml, charges.yaml and three-bodies.yaml): the interaction in equations.json must be the inverse
square along the separation (p = -3 exactly, one strength per body), the mass ratios within 1 %
(clean) / 3 % (sigma = 2), and equations.py's accelerations(t, positions, velocities) at 200
random configurations (each body in the box it was filmed in, every separation within its filmed
range) within 2 % RMS of the truth.
"""
import json, math, os, re, subprocess, sys, tempfile, time

try:  # draw.py and draw_bodies.py paint the drawn cases' frames with these
    import numpy, PIL  # noqa: F401
except ImportError as e:
    sys.exit(f"bench/discover: the drawn cases need numpy and Pillow ({e}); python3 -m pip install numpy pillow "
             "(bench/discover/run --all installs them)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OCCAM = os.path.join(ROOT, ".build", "release", "occam")
WORK = tempfile.mkdtemp(prefix="occam-bench-discover-")
NOISES = [0, 2]

def occam(*args):
    p = subprocess.run([OCCAM, *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}")
    return p.stdout

def scenario(name, noise, edit=lambda t: t):
    text = edit(open(os.path.join(ROOT, "simulations", name + ".yaml")).read())
    text = re.sub(r"^render:.*$", "", text, flags=re.M) + f"\nrender: {{background: 0, noise_sigma: {noise}, seed: 7}}\n"
    path = os.path.join(WORK, f"{name}-{noise}.yaml")
    open(path, "w").write(text)
    return path

def law_functions(run):
    ns = {}
    exec(open(os.path.join(run, "equations.py")).read(), ns)
    return ns["ax"], ns["ay"]

def evaluate(run, x, y, vx, vy, t=0.5):
    ax, ay = law_functions(run)
    r = math.hypot(x, y)
    return ax(t, x, y, vx, vy, r), ay(t, x, y, vx, vy, r)

def scene(frames):
    return json.load(open(os.path.join(frames, "scene.json")))

def discover(frames, run, *flags):
    start = time.perf_counter()
    out = occam("discover", frames, "--out", run, "--force", *flags)
    return time.perf_counter() - start, json.load(open(os.path.join(run, "equations.json"))), out

def gravity_case(name, noise):
    frames = os.path.join(WORK, f"{name}-{noise}")
    occam("simulate", scenario(name, noise), "--out", frames, "--force")
    s = scene(frames)
    gm = s["G"] * [b for b in s["bodies"] if b["role"] == "star"][0]["mass"]
    run = frames + "-run"
    wall, eq, _ = discover(frames, run, "--quick")
    worst = 0.0
    for (x, y) in [(0.7, 0.4), (-1.1, 0.9), (0.3, -2.2), (2.5, 1.0)]:
        r3 = math.hypot(x, y) ** 3
        a = evaluate(run, x, y, 0.0, 0.0)
        worst = max(worst, math.hypot(a[0] + gm * x / r3, a[1] + gm * y / r3) / (gm / r3 * math.hypot(x, y)))
    named = len(eq["law_constants_fitted_by_coder"])
    ok = worst < 0.01 and named == 1
    detail = f"law {eq['law']}; k = {list(eq['law_constants_fitted_by_coder'].values())} vs GM {gm:.4f}; worst |a| error {worst:.2%}"
    if name == "planets":
        d = eq.get("derived", [])
        if d:
            c = eval(d[0]["expression"], {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "a": 1.0})
            truth = 2 * math.pi / math.sqrt(gm)
            ok = ok and abs(c / truth - 1) < 0.01 and ("sqrt(a)" in d[0]["expression"] or "3/2" in d[0]["expression"])
            detail += f"; T = {d[0]['expression']} (c {c:.5f} vs {truth:.5f})"
        else:
            ok = False
            detail += "; no T(a)"
    return ok, wall, detail

def exb_case(noise):
    frames = os.path.join(WORK, f"exb-{noise}")
    occam("simulate", scenario("exb-drift", noise), "--out", frames, "--force")
    s = scene(frames)
    p = [b for b in s["bodies"] if b["role"] != "star"][0]
    qm = p["charge"] / p["mass"]
    E, B = s["fields"]["E"], s["fields"]["B"]
    omega = qm * B[2]
    run = frames + "-run"
    wall, eq, _ = discover(frames, run, "--quick")
    c = evaluate(run, 0.3, -0.2, 0, 0)
    wx = evaluate(run, 0.3, -0.2, 0, 1)[0] - c[0]
    wy = -(evaluate(run, 0.3, -0.2, 1, 0)[1] - c[1])
    scale = math.hypot(qm * E[0], qm * E[1])
    ok = abs(wx / omega - 1) < 0.01 and abs(wy / omega - 1) < 0.01 and math.hypot(c[0] - qm * E[0], c[1] - qm * E[1]) < 0.01 * max(scale, omega)
    return ok, wall, f"law {eq['law']}; omega {wx:.5f}/{wy:.5f} vs {omega}; c ({c[0]:.4f}, {c[1]:.4f}) vs ({qm * E[0]}, {qm * E[1]})"

def sweep_case(noise):
    path = scenario("cyclotron-sweep", noise)
    out = os.path.join(WORK, f"sweep-{noise}")
    start = time.perf_counter()
    subprocess.run([OCCAM, "sweep", path, "--out", out, "--quick"], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    summary = json.load(open(os.path.join(out, "summary", "equations.json")))
    ok, worst = bool(summary["equations"]), 0.0
    for run in summary["runs"]:
        qbm = run["quantities"]["q"] * run["quantities"]["Bz"] / run["quantities"].get("m", 1.0)
        for e in summary["equations"]:
            v = eval(e["expression"].replace("**", "**"), {"sqrt": math.sqrt, "exp": math.exp, **run["quantities"]})
            worst = max(worst, abs(abs(v) / qbm - 1))
    ok = ok and worst < 0.01 and len(summary["runs"]) == 6
    eqs = "; ".join(f"{e['target']} = {e['expression']}" for e in summary["equations"])
    return ok, wall, f"common law {summary['law']}; {eqs}; worst |k|/(qB/m) - 1 = {worst:.3%}"

def drawn_case(law, noise):
    frames = os.path.join(WORK, f"{law}-{noise}")
    flags = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "discover", "draw.py"), law, frames, "--noise", str(noise)],
                           check=True, capture_output=True, text=True).stdout.split()
    run = frames + "-run"
    wall, eq, _ = discover(frames, run, "--quick", *flags)
    worst = 0.0
    for (x, y, vx, vy) in [(1.5, 0.5, 0.3, -0.4), (-1.0, 1.2, 1.0, 0.2), (0.4, -1.6, -0.5, 0.8)]:
        truth = {"harmonic": (-1.5 * x, -1.5 * y), "gravity": (0.0, -1.2), "exb": (1.6 * vy, 0.8 - 1.6 * vx)}[law]
        a = evaluate(run, x, y, vx, vy)
        worst = max(worst, math.hypot(a[0] - truth[0], a[1] - truth[1]) / math.hypot(*truth))
    return worst < 0.02, wall, f"law {eq['law']}; worst |a| error {worst:.2%}"

OFF = {  # truth, variables each component depends on, constants read back from the law
    "kepler1": (lambda x, y, vx, vy: (-20 * x / math.hypot(x, y) ** 3, -20 * y / math.hypot(x, y) ** 3), ({"x", "y"}, {"x", "y"}),
                [("GM", 20.0, lambda a: -a(1.3, 0.4, 0, 0)[0] * math.hypot(1.3, 0.4) ** 3 / 1.3)]),
    "harmonic1": (lambda x, y, vx, vy: (-1.5 * x, -1.5 * y), ({"x"}, {"y"}), [("k", 1.5, lambda a: -a(0.9, -0.6, 0, 0)[0] / 0.9)]),
    "exb": (lambda x, y, vx, vy: (1.6 * vy, 0.8 - 1.6 * vx), ({"vy"}, {"vx"}),
            [("omega", 1.6, lambda a: a(0.2, 0.1, 0, 1)[0] - a(0.2, 0.1, 0, 0)[0]), ("qE/m", 0.8, lambda a: a(0.2, 0.1, 0, 0)[1])]),
    "cyclotron": (lambda x, y, vx, vy: (1.6 * vy, -1.6 * vx), ({"vy"}, {"vx"}),
                  [("omega", 1.6, lambda a: a(0.2, 0.1, 0, 1)[0] - a(0.2, 0.1, 0, 0)[0])]),
    "throw": (lambda x, y, vx, vy: (0.0, -1.2), (set(), set()), [("g", 1.2, lambda a: -a(0.3, 0.2, 0.5, -0.1)[1])]),
}

def offorbit_case(law, look, noise):
    frames = os.path.join(WORK, f"{law}-{look}-{noise}")
    states_file = frames + "-states.csv"
    flags = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "discover", "draw.py"), law, frames, "--noise", str(noise),
                            "--look", look, "--states", states_file], check=True, capture_output=True, text=True).stdout.split()
    run = frames + "-run"
    wall, eq, _ = discover(frames, run, "--quick", *flags)
    truth, depends, constants = OFF[law]
    ax, ay = law_functions(run)
    def a(x, y, vx, vy, t=0.5):
        r = math.hypot(x, y)
        return ax(t, x, y, vx, vy, r), ay(t, x, y, vx, vy, r)
    import random
    rng = random.Random(11)
    rows = [list(map(float, line.split(","))) for line in open(states_file).read().split("\n")[1:] if line]
    def span(values):
        return min(values), max(values)
    xs, ys = span([r[1] for r in rows]), span([r[2] for r in rows])
    rs = span([math.hypot(r[1], r[2]) for r in rows])
    speeds = span([math.hypot(r[3], r[4]) for r in rows])
    ts = span([r[0] for r in rows])
    centred = law in ("kepler1", "harmonic1")
    off = []
    for _ in range(200):
        if centred:
            rad, angle = rng.uniform(*rs), rng.uniform(0, 2 * math.pi)
            x, y = rad * math.cos(angle), rad * math.sin(angle)
        else:
            x, y = rng.uniform(*xs), rng.uniform(*ys)
        speed, b = rng.uniform(*speeds), rng.uniform(0, 2 * math.pi)
        off.append((x, y, speed * math.cos(b), speed * math.sin(b), rng.uniform(*ts)))
    problems = []
    for k, name in enumerate(["ax", "ay"]):
        uses = set()
        for q in off[:20]:
            for j, var in enumerate(["x", "y", "vx", "vy", "t"]):
                h = 1e-4 * max(1.0, abs(q[j]))
                lo, hi = list(q), list(q)
                lo[j] -= h
                hi[j] += h
                dl, dh, mid = a(*lo)[k], a(*hi)[k], a(*q)[k]
                if abs(dh - dl) > 1e-7 * max(1e-9, abs(mid), abs(dl), abs(dh)):
                    uses.add(var)
        if uses != depends[k]:
            problems.append(f"{name} depends on {sorted(uses)}, truth {sorted(depends[k])}")
    err = sum((a(*q)[0] - truth(*q[:4])[0]) ** 2 + (a(*q)[1] - truth(*q[:4])[1]) ** 2 for q in off)
    norm = sum(truth(*q[:4])[0] ** 2 + truth(*q[:4])[1] ** 2 for q in off)
    rms = math.sqrt(err / norm)
    if rms >= 0.02:
        problems.append(f"off-orbit RMS error {rms:.2%}")
    read = []
    for cname, value, reader in constants:
        got = reader(lambda x, y, vx, vy: a(x, y, vx, vy))
        read.append(f"{cname} {got:.5g} vs {value}")
        if abs(got / value - 1) >= (0.03 if noise else 0.01):
            problems.append(f"{cname} = {got:.5g}, truth {value}")
    ambiguous = [c["law"] for c in eq.get("candidates", []) if c.get("equivalent") and c["law"] != eq["law"]]
    detail = f"law {eq['law']}; {', '.join(read)}; off-orbit RMS {rms:.2%}; class of {len(ambiguous) + 1}"
    return not problems, wall, detail + ("" if not problems else "; " + "; ".join(problems))

def interaction_check(run, eq, states, coupling, masses, noise):
    """Problems of the run's interaction against the truth (empty: recovered)."""
    inter = eq.get("interaction")
    if not inter:
        return ["no interaction in equations.json"], ""
    problems = []
    if inter["coupling"] != "sources" or not inter["exponent_exact"] or inter["exponent"] != -3:
        problems.append(f"law {inter['law']} p = {inter['exponent']}")
    n = len(masses)
    # which body each tracked object is: nearest at the object's first frame
    tracks = [line.split(",") for line in open(os.path.join(run, "tracks.csv")) if not line.startswith("#")]
    head = tracks[0]
    first = {}
    for row in tracks[1:]:
        r = dict(zip(head, row))
        if r["role"] == "moving" and r["object"] not in first:
            first[r["object"]] = (int(r["frame"]), float(r["x"]), float(r["y"]))
    order = []
    for name in inter["objects"]:
        f, x, y = first[name]
        st = states[f]
        order.append(min(range(n), key=lambda b: math.hypot(st[1 + 4 * b] - x, st[2 + 4 * b] - y)))
    if sorted(order) != list(range(n)):
        return [f"objects map to bodies {order}"], ""
    ratios = []
    for k, s in enumerate(inter["strengths"]):
        truth = masses[order[k]] / masses[order[0]]
        ratios.append(f"{s['mass_ratio']:.5g} vs {truth:.5g}")
        if abs(s["mass_ratio"] / truth - 1) >= (0.03 if noise else 0.01):
            problems.append(f"mass ratio {s['mass_ratio']:.5g}, truth {truth:.5g}")
    ns = {}
    exec(open(os.path.join(run, "equations.py")).read(), ns)
    import random
    rng = random.Random(17)
    box = [[(min(st[1 + 4 * b + c] for st in states), max(st[1 + 4 * b + c] for st in states)) for c in range(2)] for b in range(n)]
    def sep(q, i, j):
        return math.hypot(q[i][0] - q[j][0], q[i][1] - q[j][1])
    rng_sep = {(i, j): (min(math.hypot(st[1 + 4 * i] - st[1 + 4 * j], st[2 + 4 * i] - st[2 + 4 * j]) for st in states),
                        max(math.hypot(st[1 + 4 * i] - st[1 + 4 * j], st[2 + 4 * i] - st[2 + 4 * j]) for st in states))
               for i in range(n) for j in range(n) if i != j}
    err = norm = 0.0
    done = 0
    while done < 200:
        q = [[rng.uniform(*box[b][0]), rng.uniform(*box[b][1])] for b in range(n)]
        if any(not (rng_sep[i, j][0] <= sep(q, i, j) <= rng_sep[i, j][1]) for (i, j) in rng_sep):
            continue
        done += 1
        got = ns["accelerations"](0.0, [q[b] for b in order], [[0.0, 0.0]] * n)
        for k, b in enumerate(order):
            tx = sum(coupling[b][j] * (q[j][0] - q[b][0]) / sep(q, b, j) ** 3 for j in range(n) if j != b)
            ty = sum(coupling[b][j] * (q[j][1] - q[b][1]) / sep(q, b, j) ** 3 for j in range(n) if j != b)
            err += (got[k][0] - tx) ** 2 + (got[k][1] - ty) ** 2
            norm += tx * tx + ty * ty
    rms = math.sqrt(err / norm)
    if rms >= 0.02:
        problems.append(f"off-orbit RMS error {rms:.2%}")
    strengths = ", ".join(f"{s['value']:.7g}" for s in inter["strengths"] if s.get("value") is not None)
    truths = ", ".join(f"{coupling[order[(k + 1) % n]][order[k]]:.7g}" for k in range(n))
    return problems, f"{inter['law']}; strengths {strengths} vs {truths}; mass ratios {', '.join(ratios)}; off-orbit RMS {rms:.2%}; third-law check {inter.get('momentum_check') or float('nan'):.3g}"

def bodies_case(system, look, noise):
    frames = os.path.join(WORK, f"bodies-{system}-{look}-{noise}")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "discover", "draw_bodies.py"), system, frames, "--look", look,
                        "--noise", str(noise), "--states", frames + ".csv", "--truth", frames + ".json"], capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr.strip().splitlines()[-1])
    flags = p.stdout.split()
    run = frames + "-run"
    wall, eq, _ = discover(frames, run, "--quick", *flags)
    states = [list(map(float, line.split(","))) for line in open(frames + ".csv").read().split("\n")[1:] if line]
    truth = json.load(open(frames + ".json"))
    problems, detail = interaction_check(run, eq, states, truth["coupling"], truth["masses"], noise)
    return not problems, wall, detail + ("" if not problems else "; " + "; ".join(problems))

def own_bodies_case(name, noise):
    frames = os.path.join(WORK, f"{name}-{noise}")
    occam("simulate", scenario(name, noise), "--out", frames, "--force")
    s = scene(frames)
    rows = [line.split(",") for line in open(os.path.join(frames, "truth.csv")).read().split("\n")[1:] if line]
    names = [b["name"] for b in s["bodies"]]
    by = {}
    for r in rows:
        by.setdefault(int(r[0]), {})[r[2]] = r
    states = [[float(by[k][names[0]][1])] + [float(v) for nm in names for v in (by[k][nm][3], by[k][nm][4], by[k][nm][6], by[k][nm][7])] for k in sorted(by)]
    masses = [b["mass"] for b in s["bodies"]]
    if s["kind"] == "gravity":
        coupling = [[0 if i == j else s["G"] * masses[j] for j in range(len(masses))] for i in range(len(masses))]
    else:
        k = s["coulomb_constant"]
        q = [b["charge"] for b in s["bodies"]]
        coupling = [[0 if i == j else -k * q[i] * q[j] / masses[i] for j in range(len(masses))] for i in range(len(masses))]
    run = frames + "-run"
    wall, eq, _ = discover(frames, run, "--quick")
    problems, detail = interaction_check(run, eq, states, coupling, masses, noise)
    return not problems, wall, detail + ("" if not problems else "; " + "; ".join(problems))

cases = []
for system in ["binary", "three", "charges", "moon"]:
    for look, noise in [("discs", 0), ("psf", 2)]:
        cases.append((f"bodies {system} {look} σ={noise}", lambda s=system, k=look, n=noise: bodies_case(s, k, n)))
for noise in NOISES:
    for name in ["binary", "charges", "three-bodies"]:
        cases.append((f"{name}.yaml σ={noise}", lambda m=name, n=noise: own_bodies_case(m, n)))
for noise in NOISES:
    for look in ["discs", "psf"]:
        for law in ["kepler1", "harmonic1", "exb", "cyclotron", "throw"]:
            cases.append((f"{law} {look} σ={noise}", lambda l=law, k=look, n=noise: offorbit_case(l, k, n)))
for noise in NOISES:
    cases += [(f"kepler σ={noise}", lambda n=noise: gravity_case("kepler", n)),
              (f"planets σ={noise}", lambda n=noise: gravity_case("planets", n)),
              (f"exb-drift σ={noise}", lambda n=noise: exb_case(n)),
              (f"cyclotron-sweep σ={noise}", lambda n=noise: sweep_case(n)),
              (f"harmonic (drawn) σ={noise}", lambda n=noise: drawn_case("harmonic", n)),
              (f"gravity (drawn) σ={noise}", lambda n=noise: drawn_case("gravity", n)),
              (f"exb (drawn) σ={noise}", lambda n=noise: drawn_case("exb", n))]
only = sys.argv[1:]
passed = 0
ran = 0
for name, fn in cases:
    if only and not any(o in name for o in only):
        continue
    ran += 1
    try:
        ok, wall, detail = fn()
    except Exception as e:
        ok, wall, detail = False, 0.0, f"error: {e}"
    passed += ok
    print(f"{'PASS' if ok else 'FAIL'}  {name:28s} {wall:6.1f} s  {detail}", flush=True)
print(f"{passed}/{ran} cases recovered (frames and runs in {WORK})")
sys.exit(0 if passed == ran else 1)
