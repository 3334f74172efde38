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
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I"$root/include" "$here/bench_pie.c" \
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
cm = statistics.median(r["median_ms"] for r in c)
pm = statistics.median(r["median_ms"] for r in p)
print(f"rounds: {len(c)} (500 imgcolor charts, 20 matplotlib charts each)")
print(f"libimgcolor render+PNG: median {cm:.3f} ms/chart (best round min {min(r['min_ms'] for r in c):.3f} ms), "
      f"render alone {statistics.median(r['render_mean_ms'] for r in c):.3f} ms, PNG {c[0]['png_bytes']} bytes")
print(f"matplotlib {p[0]['matplotlib']} figure+pie+savefig: median {pm:.2f} ms/chart "
      f"(best round min {min(r['min_ms'] for r in p):.2f} ms), PNG {p[0]['png_bytes']} bytes")
print(f"speed-up (median/median): {pm / cm:.0f}x")
PY
