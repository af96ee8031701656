#!/usr/bin/env python3
"""Dask engine of `occam sweep`: one task per run index, each calling the occam executable.

    python3 occam_dask.py --scheduler tcp://HOST:8786 --occam /path/to/occam \
        --scenario sweep.yaml --out runs/x --indices 0,1,2 [-- RUN FLAGS...]

Every task runs `occam run --sweep SCENARIO --index N --out OUT RUN FLAGS` on a worker, so the
workers need only this occam executable (and the scenario and output paths) at the same paths,
e.g. on a shared file system. A run that is already finished is skipped by occam itself.
One JSON line per finished run is printed to stdout as results arrive:
    {"index": 3, "status": 0, "error": ""}
Exit status 0 when every run succeeded, 1 otherwise; 2 when the scheduler cannot be reached.
"""
import argparse
import json
import subprocess
import sys


def run_index(occam, scenario, out, index, flags):
    """The task a worker runs: one sweep run through the occam executable."""
    import subprocess  # imported on the worker
    p = subprocess.run([occam, "run", "--sweep", scenario, "--index", str(index), "--out", out] + list(flags),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    return {"index": index, "status": p.returncode, "error": lines[-1] if (p.returncode and lines) else ""}


def main(argv):
    if "--" in argv:
        cut = argv.index("--")
        argv, flags = argv[:cut], argv[cut + 1:]
    else:
        flags = []
    parser = argparse.ArgumentParser(description="Run the runs of an Occam sweep on a Dask cluster.")
    parser.add_argument("--scheduler", required=True, help="scheduler address, tcp://HOST:PORT")
    parser.add_argument("--occam", required=True, help="path of the occam executable (the same on every worker)")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--indices", required=True, help="comma-separated run indices")
    args = parser.parse_args(argv)
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        print("occam_dask.py: dask.distributed is not installed (pip install -r engines/dask/requirements.txt)", file=sys.stderr)
        return 2
    indices = [int(i) for i in args.indices.split(",") if i.strip()]
    try:
        client = Client(args.scheduler, timeout="20s")
    except Exception as e:  # the scheduler is not there
        print(f"occam_dask.py: cannot reach the Dask scheduler {args.scheduler}: {e}", file=sys.stderr)
        return 2
    failed = 0
    # pure=False: a resubmitted index runs again (occam skips it if it finished).
    futures = [client.submit(run_index, args.occam, args.scenario, args.out, i, flags, pure=False, key=f"occam-run-{i}-{id(client)}")
               for i in indices]
    for future in as_completed(futures):
        try:
            result = future.result()
        except Exception as e:  # the worker died or the task raised
            result = {"index": indices[futures.index(future)], "status": 1, "error": f"task failed on the cluster: {e}"}
        failed += result["status"] != 0
        print(json.dumps(result), flush=True)
    client.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
