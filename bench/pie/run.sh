#!/bin/sh
# Pie-chart benchmark: libimgcolor (render + PNG encode) against matplotlib (figure, pie,
# savefig at dpi 75) on the seed lesson's reference chart, interleaved in one run so that
# both see the same machine load. Usage: bench/pie/run.sh [ROUNDS]  (from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-bench}
rounds=${1:-5}
python=${PYTHON:-/usr/bin/python3}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DIMGCOLOR_BUILD_TESTS=OFF \
  -DIMGCOLOR_BUILD_SERVER=OFF -DIMGCOLOR_BUILD_CLI=OFF -DIMGCOLOR_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target imgcolor -j2 >/dev/null
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I"$root/include" -I"$build/include" "$here/bench_pie.c" \
  -L"$build/lib" -Wl,-rpath,"$build/lib" -limgcolor -o "$build/bench_pie"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=1
while [ "$i" -le "$rounds" ]; do
  "$build/bench_pie" 500 "$out/imgcolor.png" >>"$out/c.jsonl"
  "$python" "$here/bench_matplotlib.py" 20 "$out/matplotlib.png" >>"$out/py.jsonl"
  i=$((i + 1))
done
"$python" - "$out" <<'PY'
import json, statistics, sys
d = sys.argv[1]
c = [json.loads(l) for l in open(d + "/c.jsonl")]
p = [json.loads(l) for l in open(d + "/py.jsonl")]
med = lambda rows, key: statistics.median(r[key] for r in rows)
cc, pc = med(c, "cpu_median_ms"), med(p, "cpu_median_ms")
cw, pw = med(c, "wall_median_ms"), med(p, "wall_median_ms")
print(f"rounds: {len(c)} (500 imgcolor charts, 20 matplotlib charts each); medians of round medians")
print(f"libimgcolor render+PNG: {cc:.3f} ms CPU ({cw:.3f} ms wall) per chart; "
      f"render alone {med(c, 'render_cpu_mean_ms'):.3f} ms; PNG {c[0]['png_bytes']} bytes")
print(f"matplotlib {p[0]['matplotlib']} figure+pie+savefig: {pc:.2f} ms CPU ({pw:.2f} ms wall) "
      f"per chart; PNG {p[0]['png_bytes']} bytes")
print(f"speed-up: {pc / cc:.0f}x CPU time, {pw / cw:.0f}x wall time")
PY
