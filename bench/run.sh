#!/bin/sh
# `make bench`: every benchmark in one run, bounded in time, then the generated section of
# docs/BENCHMARKS.md rewritten (date, commit, machine, tables) and the plots redrawn
# (docs/bench-time.png, docs/bench-inertia.png).
# Usage: bench/run.sh [--quick]   (quick: the small photos and one large, fewer repeats,
# a few minutes; full: every sample photo and the large ones, about a quarter of an hour)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD:-$root/build-bench}
python=/usr/bin/python3
# The shared sample photos, beside the checkout or beside its worktree folder.
images=${IMAGES:-}
for d in "$root/../shared/images" "$root/../../shared/images"; do
  [ -z "$images" ] && [ -d "$d" ] && images=$(cd "$d" && pwd)
done
images=${images:-$root/tests/data/photos}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

"$here/setup.sh" "$build/peers"
# Every switch explicit: the pie and batch scripts configure the same folder without the
# server or the CLI, and a cached OFF would leave their binaries stale.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DIMGCOLOR_BUILD_TESTS=OFF \
  -DIMGCOLOR_BUILD_CLI=ON -DIMGCOLOR_BUILD_SERVER=ON >/dev/null
cmake --build "$build" -j2 >/dev/null
cli=$build/bin/imgcolor
out=$build/results
rm -rf "$out"
mkdir -p "$out"

small=$(ls "$images"/*.png "$images"/*.jpg 2>/dev/null || true)
[ -n "$small" ] || small=$(ls "$root"/tests/data/photos/*)
large=$(ls "$images"/large/*.jpg 2>/dev/null || true)
if [ $quick = 1 ]; then
  repeat=3
  large=$(echo "$large" | head -n1)
  seconds=2
  pie_rounds=2
  batch_rounds=1
else
  repeat=5
  seconds=5
  pie_rounds=5
  batch_rounds=3
fi

{
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD)$(
    git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)'),"
  echo "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores,"
  echo "$(. /etc/os-release && echo "$PRETTY_NAME"), $( [ $quick = 1 ] && echo 'quick mode' || echo 'full mode')"
  echo "(\`make bench\`$( [ $quick = 1 ] && echo ' BENCH_FLAGS=--quick')). The machine may be shared:"
  echo "compare ratios within this run."
} >"$out/meta.md"

# The library on pixels already decoded, as the lesson's timed cell is.
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I"$root/include" -I"$build/include" \
  "$here/pixels/bench_pixels.c" -L"$build/lib" -Wl,-rpath,"$build/lib" -limgcolor \
  -o "$build/bench_pixels"
# shellcheck disable=SC2086
"$python" "$here/bench_prominent.py" --cli "$cli" --pixels "$build/bench_pixels" \
  --repeat $repeat $small $large >"$out/prominent.md"
# shellcheck disable=SC2086
"$python" "$here/bench_fast.py" --cli "$cli" --repeat $repeat $small $large >"$out/fast.md"
# shellcheck disable=SC2086
"$python" "$here/bench_peers.py" --cli "$cli" --peers "$build/peers" --repeat $repeat \
  --json "$out/peers.jsonl" $small $large >"$out/peers.md"
"$python" "$here/plot.py" "$out/peers.jsonl" "$root/docs/bench-time.png" \
  "$root/docs/bench-inertia.png"

# The batch benchmark belongs to the CLI's batch mode; run when it is there.
if [ -x "$here/batch/run.sh" ]; then
  "$here/batch/run.sh" $batch_rounds >"$out/batch.md" 2>&1 ||
    echo "bench/batch/run.sh failed (exit $?)" >>"$out/batch.md"
else
  echo "Not measured: bench/batch/run.sh is not in this tree." >"$out/batch.md"
fi
BUILD=$build "$here/pie/run.sh" $pie_rounds >"$out/pie.md" 2>&1 ||
  echo "bench/pie/run.sh failed" >>"$out/pie.md"
"$here/bench_server.sh" "$build/bin/imgcolor-server" $seconds >"$out/server.md" 2>&1 ||
  echo "bench/bench_server.sh failed" >>"$out/server.md"

"$python" "$here/update_docs.py" "$root/docs/BENCHMARKS.md" "$out"
echo "docs/BENCHMARKS.md and docs/bench-*.png rewritten from $out"
