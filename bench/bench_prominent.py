#!/usr/bin/python3
"""Benchmark `imgcolor prominent -k 6` against what the seed lesson runs, scikit-learn's
KMeans(n_clusters=6, n_init=10) over every pixel, on the same images in the same run;
and against `djpeg` decoding the same JPEG. Prints a Markdown table for
docs/BENCHMARKS.md.

    /usr/bin/python3 bench/bench_prominent.py --cli build/bin/imgcolor \
        ../shared/images/*.png ../shared/images/*.jpg ../shared/images/large/*.jpg

Needs Debian's python3-sklearn and python3-pil (for /usr/bin/python3) and
libjpeg-turbo-progs (djpeg) and time (/usr/bin/time, for peak RSS).
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
from PIL import Image
from sklearn.cluster import KMeans

Image.MAX_IMAGE_PIXELS = None


def timed(cmd, repeat):
    """Median wall time of a command, its last stdout, and its peak RSS in KiB."""
    times, out = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
        out = proc.stdout
    # Peak RSS from one more run, under /usr/bin/time: a child forked from this Python
    # process would report the interpreter's own RSS as its peak.
    probe = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=True, text=True)
    rss = int(probe.stderr.strip().splitlines()[-1])
    return statistics.median(times), out, rss


def sklearn_fit(path, k, seed):
    start = time.perf_counter()
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    model = KMeans(n_clusters=k, n_init=10, random_state=seed)
    model.fit_predict(pixels)
    return time.perf_counter() - start, float(model.inertia_)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("images", nargs="+")
    ap.add_argument("--cli", default="build/bin/imgcolor")
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = []
    print("| image | pixels | distinct colours | imgcolor (s) | scikit-learn (s) | speed-up "
          "| inertia ratio | peak RSS (MB) | djpeg (s) | imgcolor / djpeg |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in args.images:
        name = os.path.basename(path)
        # Pixels as stored, as scikit-learn on Pillow's pixels sees them.
        ours, out, rss = timed([args.cli, "prominent", "--no-color-management", "-k",
                                str(args.k), "--format", "json",
                                path], args.repeat)
        doc = json.loads(out)
        theirs, inertia = sklearn_fit(path, args.k, 0)
        djpeg = ""
        vs_djpeg = ""
        if path.lower().endswith((".jpg", ".jpeg")):
            d, _, _ = timed(["/usr/bin/djpeg", "-outfile", os.devnull, path], args.repeat)
            djpeg = f"{d:.3f}"
            vs_djpeg = f"{ours / d:.2f}x"
        ratio = doc["inertia"] / inertia
        rows.append((theirs / ours, ratio))
        print(f"| {name} | {doc['pixels']} | {doc['distinct']} | {ours:.3f} | {theirs:.2f} "
              f"| {theirs / ours:.0f}x | {ratio:.5f} | {rss / 1024:.1f} | {djpeg} | {vs_djpeg} |",
              flush=True)
    speedups = [r[0] for r in rows]
    ratios = [r[1] for r in rows]
    print(f"\nspeed-up: min {min(speedups):.0f}x, median {statistics.median(speedups):.0f}x; "
          f"inertia ratio: max {max(ratios):.5f}, mean {statistics.mean(ratios):.5f}")


if __name__ == "__main__":
    main()
