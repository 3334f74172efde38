#!/usr/bin/python3
"""Plots bench/bench_peers.py's JSON Lines: time against megapixels per tool (log-log),
and each tool's inertia ratio to imgcolor's exact mode.

    /usr/bin/python3 bench/plot.py peers.jsonl docs/bench-time.png docs/bench-inertia.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    src, time_png, inertia_png = sys.argv[1:4]
    rows = [json.loads(line) for line in open(src)]
    rows = [r for r in rows if "tool" in r]
    tools = list(dict.fromkeys(r["tool"] for r in rows))
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    for tool in tools:
        pts = sorted((r["mp"], r["time"]) for r in rows if r["tool"] == tool)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=tool)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("megapixels")
    ax.set_ylabel("seconds (whole command or fit, decoding included)")
    ax.set_title("Prominent colours, k = 6")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(time_png)

    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    images = list(dict.fromkeys(r["image"] for r in rows))
    width = 0.8 / max(len(tools), 1)
    for i, tool in enumerate(tools):
        mine = {r["image"]: r["ratio"] for r in rows if r["tool"] == tool}
        xs = [j + i * width for j, im in enumerate(images) if im in mine]
        ax.bar(xs, [mine[im] for im in images if im in mine], width, label=tool)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(images))])
    ax.set_xticklabels(images, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("inertia / imgcolor exact's (every pixel)")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(inertia_png)


if __name__ == "__main__":
    main()
