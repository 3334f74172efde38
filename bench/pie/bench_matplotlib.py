"""Times the seed lesson's /centroids chart in matplotlib: figure, pie, savefig at dpi 75.

Usage: /usr/bin/python3 bench_matplotlib.py ITERATIONS [OUT.png]; prints JSON, times in ms:
CPU time of the process (steady on a shared machine) and wall-clock time.
"""
import io
import json
import sys
import time

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

COLORS = ["#7f6a55", "#d8d3cc", "#3b3a34", "#a89a88", "#b6c2cc", "#57524b"]
COUNTS = [51234, 43210, 39876, 30211, 25000, 12000]


def chart():
    fig = plt.figure()
    plt.pie(COUNTS, labels=COLORS, colors=COLORS)
    plt.axis("equal")
    buf = io.BytesIO()
    plt.savefig(buf, dpi=75)
    plt.close(fig)
    return buf.getvalue()


def main():
    iters = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    png = chart()  # warm-up: imports, font cache
    cpu, wall = [], []
    for _ in range(iters):
        w0, t0 = time.perf_counter(), time.process_time()
        png = chart()
        cpu.append((time.process_time() - t0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "wb") as f:
            f.write(png)
    cpu.sort()
    wall.sort()
    print(json.dumps({"iterations": iters, "cpu_median_ms": round(cpu[iters // 2], 3),
                      "cpu_min_ms": round(cpu[0], 3), "wall_median_ms": round(wall[iters // 2], 3),
                      "matplotlib": matplotlib.__version__, "png_bytes": len(png)}))


if __name__ == "__main__":
    main()
