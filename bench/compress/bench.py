"""bench/compress: Occam's model ladder against general and video/image lossless coders.

Streams (600 frames, 256x256, grey): simulations/kepler.yaml and simulations/exb-drift.yaml
(or any scenario of simulations/ named in --streams),
each clean and with Gaussian sensor noise sigma = 2 grey levels; and, with --streams
drawn-discs,drawn-discs+noise,drawn-psf,drawn-psf+noise, frames drawn by bench code
(bench/discover/paint.py, not Occam's renderer): a planet on a harmonic ellipse (70 x 45 px,
200 frames per turn) about a static star on a sky of 20, as 4x4-supersampled discs or as
pixel-integrated Gaussian PSFs (sigma 1.3 px, planet flux 2000, the star saturated), no
scene.json (the law level works in pixels and frames; its law is a = -k r). Every coder runs
on the same frames in the same run:

  occam intra / temporal / motion /  occam compress --model M, then occam decompress; pixels
    learned / neural                compared with the originals (a mismatch aborts the bench);
                                    neural from its default start, prior-2
  occam neural online-1, prior-1    the neural level from the seed (--start online-1) and from
                                    prior-1's pretrained hidden layers without prior-2's gate
  occam motion disc, law disc       the object levels with every object drawn as a disc
                                    (--appearance disc, stream version 3; profiles-1 and the
                                    default, profiles-2, let each object be a disc, a sampled
                                    disc or a pixel-integrated Gaussian)
  occam motion profiles-1, law profiles-1  the object levels with --appearance profiles-1
                                    (profiles-2 without its clean-frame measurements)
  occam law                         the same with --model law and the law's form (constants are
                                    fitted while coding): inverse square for the orbit, Lorentz
                                    (a = w·(vy, −vx) + c) for the E×B drift
  PNG level 9                       Pillow (zlib level 9), one file per frame
  xz -9e, zstd --ultra -22 --long=27  on the raw concatenated frames
  FFV1                              ffmpeg -c:v ffv1 -level 3 (gray)
  x264 lossless                     ffmpeg -c:v libx264 -qp 0 -preset veryslow, yuvj444p (exact for grey)
  JPEG XL lossless                  cjxl -d 0 per frame (default effort)

For noisy streams the bound is the entropy of the quantised, clipped noise summed over all
pixels, computed from the same scenario rendered without noise: no lossless coder beats it on
average. Encode/decode speed is MB/s of raw pixels, single process, wall time (Occam's includes
reading/writing PNG frames and process start).
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(folder):
    names = sorted(n for n in os.listdir(folder) if n.startswith("frame_") and n.endswith(".png"))
    return np.stack([np.asarray(Image.open(os.path.join(folder, n)).convert("L")) for n in names])


def timed(cmd, **kw):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - t0


def timed_output(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, p.stdout


def noise_bound_bits(clean, sigma):
    """Entropy of round(clip(mu + N(0, sigma^2))) summed over pixels, mu = the clean value."""
    ks = np.arange(256)
    table = np.zeros(256)
    erf = np.vectorize(math.erf)
    for mu in range(256):
        cdf = 0.5 * (1 + erf((ks + 0.5 - mu) / (sigma * math.sqrt(2))))
        p = np.diff(np.concatenate([[0.0], cdf]))
        p[-1] += 1 - cdf[-1]
        p = p[p > 0]
        table[mu] = -(p * np.log2(p)).sum()
    counts = np.bincount(clean.ravel(), minlength=256)
    return float((counts * table).sum())


def peers(frames, work):
    n, h, w = frames.shape
    raw = os.path.join(work, "raw.bin")
    frames.tofile(raw)
    out = {}
    # PNG level 9, one file per frame.
    d = os.path.join(work, "png9"); os.makedirs(d, exist_ok=True)
    t0 = time.perf_counter()
    for k in range(n):
        Image.fromarray(frames[k]).save(os.path.join(d, f"{k:05d}.png"), compress_level=9)
    out["PNG level 9"] = (sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)), time.perf_counter() - t0)
    t = timed(["xz", "-9e", "-k", "-f", raw])
    out["xz -9e"] = (os.path.getsize(raw + ".xz"), t)
    t = timed(["zstd", "-q", "--ultra", "-22", "--long=27", "-f", raw, "-o", raw + ".zst"])
    out["zstd -22 --long=27"] = (os.path.getsize(raw + ".zst"), t)
    base = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x{h}", "-r", "60", "-i", raw]
    t = timed(base + ["-c:v", "ffv1", "-level", "3", os.path.join(work, "ffv1.mkv")])
    out["FFV1"] = (os.path.getsize(os.path.join(work, "ffv1.mkv")), t)
    x264 = os.path.join(work, "x264.mkv")
    t = timed(base + ["-c:v", "libx264", "-qp", "0", "-preset", "veryslow", "-pix_fmt", "yuvj444p", x264])
    back = os.path.join(work, "x264.bin")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", x264, "-f", "rawvideo", "-pix_fmt", "gray", back], check=True)
    assert open(back, "rb").read() == open(raw, "rb").read(), "x264 round trip is not lossless"
    out["x264 lossless"] = (os.path.getsize(x264), t)
    if shutil.which("cjxl"):
        d = os.path.join(work, "jxl"); os.makedirs(d, exist_ok=True)
        total, t = 0, 0.0
        for k in range(n):
            src = os.path.join(work, "png9", f"{k:05d}.png")
            dst = os.path.join(d, f"{k:05d}.jxl")
            t += timed(["cjxl", "-d", "0", "--quiet", src, dst])
            total += os.path.getsize(dst)
        out["JPEG XL lossless"] = (total, t)
    return out


LAWS = {"kepler": "ax = -k*x/r^3; ay = -k*y/r^3", "exb-drift": "ax = w*vy + cx; ay = -w*vx + cy",
        "drawn-discs": "ax = -k*x; ay = -k*y", "drawn-psf": "ax = -k*x; ay = -k*y"}


def draw(folder, look, frames, noise, seed=3):
    """A planet on a harmonic ellipse about a static star, drawn by bench code in `look`
    ("discs" or "psf"); the clean frames are returned for the noise bound."""
    sys.path.insert(0, os.path.join(ROOT, "bench", "discover"))
    import paint
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    centre = (128.3, 127.6)
    clean = []
    for f in range(frames):
        phase = 2 * math.pi * f / 200
        u, v = centre[0] + 70 * math.cos(phase), centre[1] - 45 * math.sin(phase)
        img = np.full((256, 256), 20.0)
        paint.star_and_planet(img, look, centre, u, v)
        clean.append(np.clip(np.rint(img), 0, 255).astype(np.uint8))
        paint.save(img, noise, rng, os.path.join(folder, f"frame_{f:05d}.png"))
    return np.stack(clean)


def occam_levels(occam, folder, frames, work, repeats, law):
    res = {}
    for level in ["intra", "temporal", "motion", "motion disc", "motion profiles-1", "learned", "neural", "neural online-1", "neural prior-1",
                  "law", "law disc", "law profiles-1"]:
        model, _, variant = level.partition(" ")
        if model == "law" and not law:
            continue
        stream = os.path.join(work, f"{model}{variant}.occ")
        extra = (["--law", law] if model == "law" else [])
        if variant in ("disc", "profiles-1"):
            extra += ["--appearance", variant]
        elif variant:
            extra += ["--start", variant]
        enc, dec, cenc, cdec = [], [], [], []
        for _ in range(repeats):
            t, out = timed_output([occam, "compress", folder, "--model", model, "--out", stream, "--force"] + extra)
            enc.append(t)
            cenc.append(float(re.search(r"coding ([\d.]+) MB/s", out).group(1)))
            restored = os.path.join(work, f"restored-{model}")
            t, out = timed_output([occam, "decompress", stream, "--out", restored, "--force"])
            dec.append(t)
            cdec.append(frames.size / 1e6 / float(re.search(r"decoding ([\d.]+) s", out).group(1)))
        back = load(restored)
        if not np.array_equal(back, frames):
            sys.exit(f"occam {level}: decoded frames differ from the originals")
        res[f"occam {level}"] = (os.path.getsize(stream), float(np.median(enc)), float(np.median(dec)),
                                 float(np.median(cenc)), float(np.median(cdec)))
        shutil.rmtree(restored, ignore_errors=True)
    return res


def measure(args, work, stream, folder, frames, bound, law, rows):
    """Every Occam level and every peer on `frames` (read from `folder`): one row each."""
    n = frames.shape[0]
    sub = os.path.join(work, "w"); shutil.rmtree(sub, ignore_errors=True); os.makedirs(sub)
    results = occam_levels(args.occam, folder, frames, sub, args.repeats, law)
    peer = peers(frames, sub)
    best_peer = min(b for b, _ in peer.values())
    for name, (b, te, td, ce, cd) in results.items():
        rows.append((stream, name, b, b * 8 / n, best_peer / b, (b * 8 / bound) if bound else None,
                     frames.size / 1e6 / te, frames.size / 1e6 / td, ce, cd))
    for name, (b, te) in sorted(peer.items(), key=lambda kv: kv[1][0]):
        rows.append((stream, name, b, b * 8 / n, best_peer / b, (b * 8 / bound) if bound else None, frames.size / 1e6 / te, None, None, None))
    if bound:
        rows.append((stream, "noise bound", int(bound / 8), bound / n, best_peer / (bound / 8), 1.0, None, None, None, None))
    shutil.rmtree(sub, ignore_errors=True)


def render(occam, work, stream, nframes):
    """The frames of one stream: (folder, frames, noise bound in bits or None, folders to delete).
    `stream` is a scenario of simulations/ or drawn-discs / drawn-psf, with +noise for sigma = 2."""
    scenario, _, noisy = stream.partition("+")
    if scenario.startswith("drawn-"):
        folder = os.path.join(work, stream)
        clean = draw(folder, scenario[len("drawn-"):], nframes, 2.0 if noisy else 0.0)
        return folder, load(folder), (noise_bound_bits(clean, 2.0) if noisy else None), [folder]
    text = open(os.path.join(ROOT, "simulations", scenario + ".yaml")).read()
    text = text.replace("frames: 600", f"frames: {nframes}")
    folders = {}
    for label, sigma in (("clean", 0), ("noisy", 2)):
        if label == "noisy" and not noisy:
            continue
        t = text
        if sigma:
            if "noise_sigma" in t:
                t = t.replace("noise_sigma: 0", f"noise_sigma: {sigma}")
            else:
                t = t.replace("camera:", f"render: {{noise_sigma: {sigma}, seed: 3}}\ncamera:", 1)
        y = os.path.join(work, f"{scenario}-{label}.yaml")
        open(y, "w").write(t)
        folders[label] = os.path.join(work, f"{scenario}-{label}")
        subprocess.run([occam, "simulate", y, "--out", folders[label], "--force"], check=True, capture_output=True)
    folder = folders["noisy" if noisy else "clean"]
    bound = noise_bound_bits(load(folders["clean"]), 2.0) if noisy else None
    return folder, load(folder), bound, list(folders.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--occam", default=os.path.join(ROOT, ".build", "release", "occam"))
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--streams", default="kepler,kepler+noise,exb-drift,exb-drift+noise")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="occam-bench-compress-")
    rows = []
    try:
        for stream in args.streams.split(","):
            folder, frames, bound, made = render(args.occam, work, stream, args.frames)
            measure(args, work, stream, folder, frames, bound, LAWS.get(stream.partition("+")[0]), rows)
            for f in made:
                shutil.rmtree(f, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.frames} frames of 256x256 per stream; Occam speeds are medians of {args.repeats} runs")
    print("enc/dec MB/s: wall time of the whole command (PNG reading/writing and start-up included);")
    print("coder enc/dec: Occam's coder alone, as the command reports it")
    print(f"{'stream':18}{'coder':22}{'bytes':>11}{'bits/frame':>12}{'best peer/x':>12}{'x/bound':>9}{'enc MB/s':>10}{'dec MB/s':>10}{'coder enc':>10}{'coder dec':>10}")
    fmt = lambda v, f: (f % v) if v is not None else "-"
    for s, name, b, bpf, vs, vb, enc, dec, ce, cd in rows:
        print(f"{s:18}{name:22}{b:11d}{bpf:12.1f}{vs:12.2f}{fmt(vb, '%.4f'):>9}{fmt(enc, '%.1f'):>10}{fmt(dec, '%.1f'):>10}"
              f"{fmt(ce, '%.1f'):>10}{fmt(cd, '%.1f'):>10}")


if __name__ == "__main__":
    main()
