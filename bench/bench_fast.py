#!/usr/bin/python3
"""Benchmark `imgcolor prominent --fast` against the exact mode and `djpeg` on the same
images in one run: wall time (median of --repeat runs, the commands alternated), and the
inertia of every full-resolution pixel against each mode's colours. Prints a Markdown
table for docs/BENCHMARKS.md.

    /usr/bin/python3 bench/bench_fast.py --cli build/bin/imgcolor \\
        ../shared/images/*.png ../shared/images/*.jpg ../shared/images/large/*.jpg

Needs python3-numpy and python3-pil (for /usr/bin/python3) and libjpeg-turbo-progs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from full_inertia import centres_of, full_inertia  # noqa: E402


def run_once(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start, proc.stdout


def alternated(cmds, repeat):
    """Median time of each command, run in turn repeat times; the last output of each."""
    times = [[] for _ in cmds]
    outs = [b""] * len(cmds)
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            t, outs[i] = run_once(cmd)
            times[i].append(t)
    return [statistics.median(t) for t in times], outs


def describe_sample(doc):
    """How a result was sampled: DCT scale, grid step, and row bands when there are."""
    if not doc.get("sampled"):
        return "none"
    text = f"1/{doc.get('sample_scale', 1)}, step {doc.get('sample_step', 1)}"
    if doc.get("sample_band_step", 1) > 1:
        text += f", bands {doc['sample_band_rows']}/{doc['sample_band_rows'] * doc['sample_band_step']}"
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("images", nargs="+")
    ap.add_argument("--cli", default="build/bin/imgcolor")
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", help="also write the rows as JSON Lines to this file")
    args = ap.parse_args()
    print("| image | megapixels | exact (s) | fast (s) | exact / fast | djpeg (s) "
          "| fast / djpeg | sample | inertia fast / exact |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    rows = []
    for path in args.images:
        # Pixels as stored, as the inertia below reads them (and as the peers do).
        base = [args.cli, "prominent", "--no-color-management", "-k", str(args.k),
                "--format", "json"]
        cmds = [base + [path], base + ["--fast", path]]
        jpeg = path.lower().endswith((".jpg", ".jpeg"))
        if jpeg:
            cmds.append(["/usr/bin/djpeg", "-outfile", os.devnull, path])
        times, outs = alternated(cmds, args.repeat)
        exact, fast = json.loads(outs[0]), json.loads(outs[1])
        ie = full_inertia(path, centres_of(exact))
        ifa = full_inertia(path, centres_of(fast))
        mp = (exact["width"] * exact["height"]) / 1e6
        sample = describe_sample(fast)
        dj = f"{times[2]:.3f}" if jpeg else ""
        vs = f"{times[1] / times[2]:.2f}x" if jpeg else ""
        row = {"image": os.path.basename(path), "mp": mp, "exact": times[0], "fast": times[1],
               "djpeg": times[2] if jpeg else None, "inertia_exact": ie, "inertia_fast": ifa}
        rows.append(row)
        print(f"| {row['image']} | {mp:.2f} | {times[0]:.3f} | {times[1]:.3f} "
              f"| {times[0] / times[1]:.2f}x | {dj} | {vs} | {sample} | {ifa / ie:.4f} |",
              flush=True)
    if args.json:
        with open(args.json, "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
