#!/usr/bin/python3
"""What the seed lesson does, timed: scikit-learn KMeans(n_clusters=k, n_init=10) over
every pixel of each image. Prints one JSON object per image and seed:
{"file", "k", "seed", "seconds", "inertia", "iterations", "pixels"}.

Run with Debian's interpreter (python3-sklearn, python3-pil):
    /usr/bin/python3 bench/sklearn_baseline.py -k 6 --seeds 0,1,2 IMAGE...
"""
import argparse
import json
import sys
import time

import numpy as np
from PIL import Image
from sklearn.cluster import KMeans


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("images", nargs="+")
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--n-init", type=int, default=10)
    ap.add_argument("--seeds", default="0", help="comma-separated random_state values")
    args = ap.parse_args()
    for path in args.images:
        pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
        for seed in [int(v) for v in args.seeds.split(",")]:
            start = time.perf_counter()
            model = KMeans(n_clusters=args.k, n_init=args.n_init, random_state=seed)
            model.fit_predict(pixels)
            seconds = time.perf_counter() - start
            print(json.dumps({"file": path.split("/")[-1], "k": args.k, "seed": seed,
                              "seconds": round(seconds, 4), "inertia": float(model.inertia_),
                              "iterations": int(model.n_iter_), "pixels": int(pixels.shape[0])}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
