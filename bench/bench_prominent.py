#!/usr/bin/python3
"""Benchmark `imgcolor prominent -k 6` against what the seed lesson runs, scikit-learn's
KMeans(n_clusters=6, n_init=10) over every pixel, on the same images in the same run;
and against `djpeg` decoding the same JPEG. Prints a Markdown table for
docs/BENCHMARKS.md. With --pixels (bench/pixels/bench_pixels.c, built), a second table
in the scope of the lesson's timed cell, `prominent_colors(img)` on an image already
decoded: KMeans's fit alone against imgcolor_prominent_pixels() on the same array.

    /usr/bin/python3 bench/bench_prominent.py --cli build/bin/imgcolor \
        [--pixels build/bench_pixels] \
        ../shared/images/*.png ../shared/images/*.jpg ../shared/images/large/*.jpg

Needs Debian's python3-sklearn and python3-pil (for /usr/bin/python3) and
libjpeg-turbo-progs (djpeg) and time (/usr/bin/time, for peak RSS).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
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
    """Seconds with Pillow's decoding and for the fit alone, the inertia, the pixels."""
    start = time.perf_counter()
    image = np.asarray(Image.open(path).convert("RGB"))
    pixels = image.reshape(-1, 3)
    fit_start = time.perf_counter()
    model = KMeans(n_clusters=k, n_init=10, random_state=seed)
    model.fit_predict(pixels)
    end = time.perf_counter()
    return end - start, end - fit_start, float(model.inertia_), image


def on_pixels(helper, image, k, repeat):
    """imgcolor_prominent_pixels() on Pillow's array: the first call's seconds (cold, as
    the one fit of scikit-learn is), the median call's, and the inertia."""
    with tempfile.NamedTemporaryFile(suffix=".rgb") as raw:
        raw.write(np.ascontiguousarray(image).tobytes())
        raw.flush()
        out = subprocess.run([helper, raw.name, str(image.shape[1]), str(image.shape[0]),
                              str(k), str(repeat)], stdout=subprocess.PIPE, check=True)
    doc = json.loads(out.stdout)
    return doc["first"], doc["seconds"], doc["inertia"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("images", nargs="+")
    ap.add_argument("--cli", default="build/bin/imgcolor")
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pixels", help="bench_pixels, for the table in the lesson's scope")
    args = ap.parse_args()
    rows, scoped = [], []
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
        theirs, fit, inertia, image = sklearn_fit(path, args.k, 0)
        if args.pixels:
            first, lib, lib_inertia = on_pixels(args.pixels, image, args.k,
                                                max(args.repeat, 11))
            scoped.append((name, fit, first, lib, lib_inertia / inertia))
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
    if scoped:
        print_scoped(scoped)


def print_scoped(scoped):
    """The lesson's timed cell, `prominent_colors(img)`: the image already decoded."""
    print("\nIn the scope of the lesson's timed cell, `prominent_colors(img)` on pixels already "
          "decoded (Pillow's array for both): one fit of KMeans against "
          "imgcolor_prominent_pixels(), its first call in a fresh process (the speed-up) "
          "and the median of the calls after:\n")
    print("| image | KMeans fit (s) | imgcolor first call (s) | imgcolor median (s) "
          "| speed-up | inertia ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, fit, first, lib, ratio in scoped:
        print(f"| {name} | {fit:.2f} | {first:.4f} | {lib:.4f} | {fit / first:.0f}x "
              f"| {ratio:.5f} |")
    speedups = [fit / first for _, fit, first, _, _ in scoped]
    ratios = [r[-1] for r in scoped]
    print(f"\nspeed-up: min {min(speedups):.0f}x, median {statistics.median(speedups):.0f}x; "
          f"inertia ratio: max {max(ratios):.5f}, mean {statistics.mean(ratios):.5f}")


if __name__ == "__main__":
    main()
