#!/usr/bin/python3
"""The quality bar of clustering in Oklab: scikit-learn KMeans(n_clusters=k, n_init=10)
over every pixel of each image, its stored sRGB values converted to Oklab with the
matrices of CSS Color 4 (as lib/colorspace.c does). Prints one JSON object per image
and seed: {"file", "k", "seed", "seconds", "inertia", "iterations", "pixels"}.

Run with Debian's interpreter (python3-sklearn, python3-pil):
    /usr/bin/python3 bench/sklearn_oklab.py -k 6 --seeds 0,1,2 IMAGE...
"""
import argparse
import json
import sys
import time

import numpy as np
from PIL import Image
from sklearn.cluster import KMeans

SRGB_TO_LMS = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                        [0.2119034982, 0.6806995451, 0.1073969566],
                        [0.0883024619, 0.2817188376, 0.6299787005]])
LMS_TO_OKLAB = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                         [1.9779984951, -2.4285922050, 0.4505937099],
                         [0.0259040371, 0.7827717662, -0.8086757660]])


def to_oklab(rgb8):
    v = rgb8.astype(np.float64) / 255.0
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return np.cbrt(lin @ SRGB_TO_LMS.T) @ LMS_TO_OKLAB.T


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("images", nargs="+")
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--n-init", type=int, default=10)
    ap.add_argument("--seeds", default="0", help="comma-separated random_state values")
    args = ap.parse_args()
    for path in args.images:
        pixels = to_oklab(np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3))
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
