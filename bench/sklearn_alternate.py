#!/usr/bin/python3
"""scikit-learn's KMeans(n_clusters=k, n_init=10) over every pixel (decoding included, as
bench_prominent.py times it) and `imgcolor prominent` (each CLI given, the stored pixel
values: --no-color-management), run in turn, rounds of one fit and --per-fit runs of
each CLI, so that a shared machine's load falls on all alike. Prints each image's
medians and the speed-ups, and the inertia of each CLI against the mean of the fits'.

    /usr/bin/python3 bench/sklearn_alternate.py --rounds 5 --cli build/bin/imgcolor \\
        tests/data/photos/*
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


def fit(path, k, seed):
    start = time.perf_counter()
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(pixels)
    return time.perf_counter() - start, float(model.inertia_)


def run_cli(cli, path, k):
    cmd = [cli, "prominent", "--no-color-management", "-k", str(k), "--format", "json", path]
    start = time.perf_counter()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout
    return time.perf_counter() - start, json.loads(out)["inertia"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="+")
    ap.add_argument("--cli", action="append", required=True)
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-fit", type=int, default=3)
    args = ap.parse_args()
    head = " | ".join(f"CLI {i + 1} (ms) | speed-up | inertia ratio"
                      for i in range(len(args.cli)))
    print(f"| image | scikit-learn (s) | {head} |")
    print("|---|---:|" + "---:|---:|---:|" * len(args.cli))
    for path in args.images:
        sk_t, sk_i = [], []
        ours = [([], None) for _ in args.cli]
        for r in range(args.rounds):
            t, inertia = fit(path, args.k, r)
            sk_t.append(t)
            sk_i.append(inertia)
            for c, cli in enumerate(args.cli):
                for _ in range(args.per_fit):
                    t, inertia = run_cli(cli, path, args.k)
                    ours[c][0].append(t)
                    ours[c] = (ours[c][0], inertia)
        sk = statistics.median(sk_t)
        ref = statistics.mean(sk_i)
        cells = " | ".join(f"{statistics.median(t) * 1e3:.1f} | "
                           f"{sk / statistics.median(t):.0f}x | {i / ref:.5f}"
                           for t, i in ours)
        print(f"| {os.path.basename(path)} | {sk:.2f} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
