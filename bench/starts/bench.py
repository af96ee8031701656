"""bench/starts: does a pretrained start beat the online one on videos it has never seen?

The neural level (`occam compress --model neural --start S`, then `occam decompress`, pixels
compared with the originals; a mismatch aborts) from each start, in the same run on the same
frames: online-1 (weights from a fixed seed; all it knows it learns from the stream), prior-1
(hidden layers pretrained by `occam train` on simulated videos) and prior-2 (prior-1 and the
sample gate `occam train` fits on simulated videos with known accelerations). None of the
streams is in a training corpus: scenarios of simulations/ as Occam renders them, and bench
code's drawn-discs / drawn-psf (bench/compress's `draw`); "+noise" adds sigma = 2.
Bytes are exact (the coder is deterministic); ratios are against online-1.
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("compress_bench", os.path.join(ROOT, "bench", "compress", "bench.py"))
compress = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compress)

STARTS = ["online-1", "prior-1", "prior-2"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--occam", default=os.path.join(ROOT, ".build", "release", "occam"))
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--streams", default="kepler,exb-drift,planets,cyclotron,binary,three-bodies,charges,"
                    "drawn-discs,drawn-psf,kepler+noise,drawn-psf+noise")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="occam-bench-starts-")
    rows = []
    try:
        for stream in args.streams.split(","):
            folder, frames, _, made = compress.render(args.occam, work, stream, args.frames)
            sizes = {}
            for start in STARTS:
                out = os.path.join(work, f"{start}.occ")
                subprocess.run([args.occam, "compress", folder, "--model", "neural", "--start", start, "--out", out, "--force"],
                               check=True, capture_output=True)
                restored = os.path.join(work, "restored")
                subprocess.run([args.occam, "decompress", out, "--out", restored, "--force"], check=True, capture_output=True)
                if not np.array_equal(compress.load(restored), frames):
                    sys.exit(f"{stream}, {start}: decoded frames differ from the originals")
                sizes[start] = os.path.getsize(out)
                shutil.rmtree(restored, ignore_errors=True)
            rows.append((stream, frames.shape[0], sizes))
            print(f"{stream}: " + ", ".join(f"{s} {b}" for s, b in sizes.items()), file=sys.stderr, flush=True)
            for f in made:
                shutil.rmtree(f, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.frames} frames of 256x256 per stream; bytes of occam compress --model neural --start S (round trip checked)")
    print(f"{'stream':18}" + "".join(f"{s:>12}" for s in STARTS) + f"{'prior-1/online':>16}{'prior-2/online':>16}")
    totals = {s: 0 for s in STARTS}
    for stream, n, sizes in rows:
        for s in STARTS:
            totals[s] += sizes[s]
        print(f"{stream:18}" + "".join(f"{sizes[s]:12d}" for s in STARTS)
              + f"{(sizes['prior-1'] / sizes['online-1'] - 1) * 100:+15.2f}%{(sizes['prior-2'] / sizes['online-1'] - 1) * 100:+15.2f}%")
    clean = [r for r in rows if "+" not in r[0]]
    if clean:
        def total(s):
            return sum(r[2][s] for r in clean)
        print(f"{'clean streams':18}" + "".join(f"{total(s):12d}" for s in STARTS)
              + f"{(total('prior-1') / total('online-1') - 1) * 100:+15.2f}%{(total('prior-2') / total('online-1') - 1) * 100:+15.2f}%")
    wins = {s: sum(1 for _, _, z in rows if z[s] < z["online-1"]) for s in STARTS[1:]}
    losses = {s: sum(1 for _, _, z in rows if z[s] > z["online-1"]) for s in STARTS[1:]}
    for s in STARTS[1:]:
        print(f"{s}: shorter than online-1 on {wins[s]} of {len(rows)} streams, longer on {losses[s]}")


if __name__ == "__main__":
    main()
