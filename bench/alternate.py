#!/usr/bin/python3
"""Time several commands run in turn (A B C A B C ...), so that the load of a shared
machine falls on all of them alike, and print each one's median, quartiles and ratio to
the last command's median as a Markdown table.

    /usr/bin/python3 bench/alternate.py --runs 30 \\
        "build/bin/imgcolor prominent -k 6 ../shared/images/large/pixels-16mp.jpg" \\
        "djpeg -outfile /dev/null ../shared/images/large/pixels-16mp.jpg"

Standard output of each command goes to /dev/null; a command that fails stops the run.
"""
import argparse
import shlex
import statistics
import subprocess
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("commands", nargs="+")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    cmds = [shlex.split(c) for c in args.commands]
    times = [[] for _ in cmds]
    for turn in range(args.warmup + args.runs):
        for i, cmd in enumerate(cmds):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            if turn >= args.warmup:
                times[i].append(time.perf_counter() - start)
    base = statistics.median(times[-1])
    print("| command | median | quartiles | / last |")
    print("|---|---:|---:|---:|")
    for c, t in zip(args.commands, times):
        q = statistics.quantiles(t, n=4)
        med = statistics.median(t)
        print(f"| `{c}` | {med * 1e3:.1f} ms | {q[0] * 1e3:.1f}-{q[2] * 1e3:.1f} ms "
              f"| {med / base:.2f}x |")


if __name__ == "__main__":
    main()
