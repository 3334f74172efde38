#!/usr/bin/python3
"""bench_where.py: what --where and `imgcolor map` cost against the default path, as
ratios within one run: the commands run in turn, round after round, so that a change in
the machine's speed falls on all of them alike. Prints the median wall-clock seconds of
ROUNDS rounds, the ratio to the default, and the peak RSS of one run of each.

    bench/bench_where.py [--cli build/bin/imgcolor] [--base OTHER_IMGCOLOR] [--rounds N]
                         IMAGE...

--base adds the default command of another build (the one before a change), so that the
default path's own time is compared too.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def run(cmd):
    """Wall-clock seconds of one run."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_rss_mb(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(out.stderr.strip().split("\n")[-1]) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/bin/imgcolor")
    ap.add_argument("--base")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("images", nargs="+")
    a = ap.parse_args()
    out = os.path.join(tempfile.mkdtemp(), "map.png")
    for img in a.images:
        cmds = {"default": [a.cli, "prominent", img],
                "--where": [a.cli, "prominent", img, "--where"],
                "map": [a.cli, "map", img, "-o", out]}
        if a.base:
            cmds = {"base default": [a.base, "prominent", img], **cmds}
        for cmd in cmds.values():  # warm the page cache
            run(cmd)
        times = {name: [] for name in cmds}
        for _ in range(a.rounds):
            for name, cmd in cmds.items():
                times[name].append(run(cmd))
        ref = statistics.median(times["default"])
        print(f"{os.path.basename(img)}: median of {a.rounds} alternated rounds")
        for name, cmd in cmds.items():
            med = statistics.median(times[name])
            print(f"  {name:13} {med:8.3f} s  {med / ref:5.2f}x  "
                  f"peak RSS {peak_rss_mb(cmd):6.1f} MB")
        sys.stdout.flush()
    os.remove(out)


if __name__ == "__main__":
    main()
