#!/usr/bin/python3
"""Benchmark `imgcolor prominent --fast` against the exact mode and `djpeg` on the same
images in one run: wall time (median of --repeat runs, the commands alternated), and the
inertia of every full-resolution pixel against each mode's colours. Prints a Markdown
table for docs/BENCHMARKS.md. For a JPEG, `djpeg -skip` of all but its first and last
16 rows is timed too: entropy decoding alone, the floor of any baseline JPEG reader.

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
from PIL import Image  # noqa: E402


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
    rows, step = doc.get("sample_band_rows", 1), doc.get("sample_band_step", 1)
    if step > 1:
        text = f"bands of {rows} rows, 1 in {step}"
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
          "| fast / djpeg | floor (s) | sample | inertia fast / exact |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    rows = []
    for path in args.images:
        # Pixels as stored, as the inertia below reads them (and as the peers do).
        base = [args.cli, "prominent", "--no-color-management", "-k", str(args.k),
                "--format", "json"]
        cmds = [base + [path], base + ["--fast", path]]
        jpeg = path.lower().endswith((".jpg", ".jpeg"))
        floor = jpeg and Image.open(path).size[1] > 48
        if jpeg:
            cmds.append(["/usr/bin/djpeg", "-outfile", os.devnull, path])
        if floor:
            # Skipping on to the bottom would stop reading there: the last rows stay.
            height = Image.open(path).size[1]
            cmds.append(["/usr/bin/djpeg", "-skip", f"16,{height - 17}", "-outfile",
                         os.devnull, path])
        times, outs = alternated(cmds, args.repeat)
        exact, fast = json.loads(outs[0]), json.loads(outs[1])
        ie = full_inertia(path, centres_of(exact))
        ifa = full_inertia(path, centres_of(fast))
        mp = (exact["width"] * exact["height"]) / 1e6
        sample = describe_sample(fast)
        dj = f"{times[2]:.3f}" if jpeg else ""
        vs = f"{times[1] / times[2]:.2f}x" if jpeg else ""
        fl = f"{times[3]:.3f}" if floor else ""
        row = {"image": os.path.basename(path), "mp": mp, "exact": times[0], "fast": times[1],
               "djpeg": times[2] if jpeg else None, "floor": times[3] if floor else None,
               "inertia_exact": ie, "inertia_fast": ifa}
        rows.append(row)
        print(f"| {row['image']} | {mp:.2f} | {times[0]:.3f} | {times[1]:.3f} "
              f"| {times[0] / times[1]:.2f}x | {dj} | {vs} | {fl} | {sample} | {ifa / ie:.4f} |",
              flush=True)
    if args.json:
        with open(args.json, "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
