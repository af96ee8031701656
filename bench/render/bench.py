"""bench/render: Occam's simulate (release build) against the numpy + Pillow reference
renderer, on the 600-frame 256x256 eccentric-orbit scenario, in one run.

Prints frames per second and total bytes for both (medians over --repeats runs), the ratio,
and where Occam's time goes (physics, raster, PNG), as Occam itself reports it.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import reference_render  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default=os.path.join(ROOT, "simulations", "kepler.yaml"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--occam", default=os.path.join(ROOT, ".build", "release", "occam"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="occam-bench-render-")
    try:
        occam_fps, occam_bytes, breakdown = [], None, []
        for r in range(args.repeats):
            out = os.path.join(work, "occam")
            t0 = time.perf_counter()
            p = subprocess.run([args.occam, "simulate", args.scenario, "--out", out, "--force"],
                               capture_output=True, text=True, check=True)
            dt = time.perf_counter() - t0
            frames = len([f for f in os.listdir(out) if f.endswith(".png")])
            occam_fps.append(frames / dt)
            occam_bytes = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out) if f.endswith(".png"))
            m = re.search(r"physics ([\d.]+) s, raster ([\d.]+) s, png ([\d.]+) s", p.stdout)
            breakdown.append(tuple(float(x) for x in m.groups()))
        ref_fps, ref_bytes = [], None
        for r in range(args.repeats):
            out = os.path.join(work, "reference")
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            frames, ref_bytes = reference_render.render_run(os.path.join(work, "occam"), out)
            ref_fps.append(frames / (time.perf_counter() - t0))
        of, rf = statistics.median(occam_fps), statistics.median(ref_fps)
        phys, rast, png = (statistics.median(b[i] for b in breakdown) for i in range(3))
        print(f"scenario: {os.path.relpath(args.scenario, ROOT)}, {frames} frames, medians of {args.repeats} runs")
        print(f"{'':22}{'frames/s':>10}{'total bytes':>14}")
        print(f"{'occam (release)':22}{of:10.0f}{occam_bytes:14d}")
        print(f"{'numpy+Pillow':22}{rf:10.0f}{ref_bytes:14d}")
        print(f"speed ratio occam/reference: {of / rf:.1f}x   bytes ratio: {occam_bytes / ref_bytes:.2f}")
        print(f"occam time (summed over threads; wall includes process start): physics {phys:.3f} s, "
              f"raster {rast:.3f} s, png {png:.3f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
