#!/usr/bin/python3
"""Time against megapixels, and inertia, for imgcolor (exact and fast) and the tools a
user might pick instead: scikit-learn (the seed lesson's KMeans), OpenCV's cv2.kmeans,
ImageMagick's -colors, npm colorthief and node-vibrant. Every tool is optional: one that
is not installed (bench/setup.sh installs them) is skipped with a note. Inertia is that
of every full-resolution pixel against each tool's colours, as a ratio to imgcolor's
exact mode. Writes JSON Lines (--json) for bench/plot.py and prints a Markdown table.

    /usr/bin/python3 bench/bench_peers.py --cli build/bin/imgcolor --json out.jsonl IMAGES...
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from full_inertia import centres_of, full_inertia  # noqa: E402

Image.MAX_IMAGE_PIXELS = None


def timed_cmd(cmd, repeat=1, env=None):
    times, out = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True,
                              env=env)
        times.append(time.perf_counter() - start)
        out = proc.stdout
    return statistics.median(times), out


def imgcolor(cli, fast, repeat):
    def run(path, k):
        # Pixels as stored: no peer converts from the image's colour profile.
        cmd = [cli, "prominent", "--no-color-management", "-k", str(k), "--format", "json",
               path]
        t, out = timed_cmd(cmd + (["--fast"] if fast else []), repeat)
        return t, centres_of(json.loads(out))
    return run


def sklearn(path, k):
    from sklearn.cluster import KMeans
    start = time.perf_counter()
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(pixels)
    return time.perf_counter() - start, model.cluster_centers_.tolist()


def opencv(path, k):
    import cv2
    start = time.perf_counter()
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    data = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).reshape(-1, 3).astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 300, 1e-4)
    _, _, centres = cv2.kmeans(data, k, None, criteria, 10, cv2.KMEANS_PP_CENTERS)
    return time.perf_counter() - start, centres.tolist()


def imagemagick(path, k):
    t, out = timed_cmd(["/usr/bin/convert", path, "-colors", str(k), "-depth", "8",
                        "-format", "%c", "histogram:info:-"])
    found = re.findall(r"\(\s*([\d.]+),\s*([\d.]+),\s*([\d.]+)", out.decode())
    return t, [[float(v) for v in c] for c in found]


def npm_tool(name, scratch):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers.js")
    env = dict(os.environ, NODE_PATH=os.path.join(scratch, "node_modules"))

    def run(path, k):
        t, out = timed_cmd(["node", script, name, path, str(k)], env=env)
        return t, json.loads(out)
    return run


def available(scratch):
    """The peers installed here, and a note for each that is not."""
    tools, notes = {}, []
    try:
        import sklearn as _sklearn  # noqa: F401
        tools["scikit-learn"] = sklearn
    except ImportError:
        notes.append("scikit-learn: not installed (python3-sklearn)")
    try:
        import cv2 as _cv2  # noqa: F401
        tools["OpenCV"] = opencv
    except ImportError:
        notes.append("OpenCV: not installed (python3-opencv)")
    if os.access("/usr/bin/convert", os.X_OK):
        tools["ImageMagick"] = imagemagick
    else:
        notes.append("ImageMagick: not installed (imagemagick)")
    for name, module in (("colorthief", "colorthief"), ("node-vibrant", "node-vibrant")):
        if os.path.isdir(os.path.join(scratch, "node_modules", module)):
            tools[name] = npm_tool("colorthief" if name == "colorthief" else "vibrant", scratch)
        else:
            notes.append(f"{name}: not installed (npm, by bench/setup.sh)")
    return tools, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("images", nargs="+")
    ap.add_argument("--cli", default="build/bin/imgcolor")
    ap.add_argument("--peers", default="build-bench/peers", help="bench/setup.sh's folder")
    ap.add_argument("-k", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=3, help="runs of imgcolor (median)")
    ap.add_argument("--slow-max-mp", type=float, default=2.5,
                    help="skip scikit-learn and OpenCV above this many megapixels")
    ap.add_argument("--json", help="write one JSON line per image and tool here")
    args = ap.parse_args()
    peers, notes = available(args.peers)
    tools = {"imgcolor exact": imgcolor(args.cli, False, args.repeat),
             "imgcolor fast": imgcolor(args.cli, True, args.repeat)}
    tools.update(peers)
    rows = []
    for path in args.images:
        with Image.open(path) as im:
            mp = im.width * im.height / 1e6
        base = None
        for name, run in tools.items():
            if name in ("scikit-learn", "OpenCV") and mp > args.slow_max_mp:
                continue
            try:
                t, centres = run(path, args.k)
            except (subprocess.CalledProcessError, ValueError, OSError) as e:
                notes.append(f"{name} failed on {os.path.basename(path)}: {e}")
                continue
            inertia = full_inertia(path, centres)
            if base is None:
                base = inertia
            rows.append({"image": os.path.basename(path), "mp": mp, "tool": name, "time": t,
                         "inertia": inertia, "ratio": inertia / base, "colors": len(centres)})
            print(f"{rows[-1]['image']} {name}: {t:.3f} s, inertia ratio "
                  f"{rows[-1]['ratio']:.4f}", file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
            for note in notes:
                f.write(json.dumps({"note": note}) + "\n")
    names = list(tools)
    print("| image | megapixels | " + " | ".join(f"{n} (s, inertia ratio)" for n in names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for image in dict.fromkeys(r["image"] for r in rows):
        cells = []
        mine = {r["tool"]: r for r in rows if r["image"] == image}
        for n in names:
            r = mine.get(n)
            cells.append(f"{r['time']:.3f}, {r['ratio']:.3f}" if r else "skipped")
        mp = next(r["mp"] for r in rows if r["image"] == image)
        print(f"| {image} | {mp:.2f} | " + " | ".join(cells) + " |")
    for note in notes:
        print(f"\nNot measured: {note}")


if __name__ == "__main__":
    main()
