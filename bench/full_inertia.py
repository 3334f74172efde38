#!/usr/bin/python3
"""Inertia of every full-resolution pixel of an image against given colours: the sum of
squared RGB distances of each pixel to its nearest colour, as scikit-learn's inertia_.

    /usr/bin/python3 bench/full_inertia.py IMAGE < result.json
"""
import json
import sys

import numpy as np
from PIL import Image

Image.MAX_IMAGE_PIXELS = None


def full_inertia(path, centres, chunk=1 << 20):
    """Sum over the image's pixels of the squared distance to the nearest centre."""
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    c = np.asarray(centres, dtype=np.float64)
    total = 0.0
    for i in range(0, len(pixels), chunk):
        p = pixels[i:i + chunk].astype(np.float64)
        d = ((p[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        total += float(d.min(axis=1).sum())
    return total


def centres_of(doc):
    """The centroids of a result document (unrounded where it has them)."""
    return [col.get("centroid", col["rgb"]) for col in doc["colors"]]


if __name__ == "__main__":
    doc = json.load(sys.stdin)
    print(full_inertia(sys.argv[1], centres_of(doc)))
