#!/bin/sh
# Batch benchmark: `imgcolor prominent -r` over a batch of mixed photos (crops and resizes
# of ../shared/images, JPEG and PNG, 0.1-2 MP) made here in a scratch folder, comparing
# the default -j (one image per core) with -j 1 (one image at a time, the library's own
# threads) and -j 1 --threads 1 (fully serial): throughput, CPU use, peak RSS, and that
# the output is byte for byte the same whatever -j. The configurations alternate within
# each round so that they see the same machine load; ratios are taken within a round.
# Usage: bench/batch/run.sh [ROUNDS [IMAGES]]   (from anywhere; defaults 3 and 400)
#   IMAGES_DIR=...  source photos (default: shared/images beside the repository)
#   KEEP=dir        make (or reuse) the batch in dir instead of a temporary folder
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-bench}
rounds=${1:-3}
count=${2:-400}
src=${IMAGES_DIR:-}
for d in "$root/../shared/images" "$root/../../shared/images"; do
  [ -z "$src" ] && [ -d "$d" ] && src=$(cd "$d" && pwd)
done
[ -d "$src" ] || { echo "run.sh: no source photos; set IMAGES_DIR" >&2; exit 1; }
python=${PYTHON:-/usr/bin/python3}
convert=/usr/bin/convert

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DIMGCOLOR_BUILD_TESTS=OFF \
  -DIMGCOLOR_BUILD_SERVER=OFF -DIMGCOLOR_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target imgcolor_cli -j2 >/dev/null
cli="$build/bin/imgcolor"

if [ -n "${KEEP:-}" ]; then
  work=$KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
batch="$work/batch"

# The batch: each image a crop of a source photo (40-100 % of each side, anywhere in
# it), resized to 0.1-2 MP, saved as JPEG (quality 70-95) or PNG, drawn from a fixed
# pseudo-random sequence so that every run makes the same batch.
if [ ! -f "$batch/.complete-$count" ]; then
  rm -rf "$batch" "$work/base"
  mkdir -p "$batch" "$work/base"
  # Large sources shrunk once to 2.5 MP, so that each crop starts from a small file.
  for f in "$src"/*.png "$src"/*.jpg "$src"/large/*.jpg; do
    [ -f "$f" ] || continue
    "$convert" -quiet "$f" -resize '2500000@>' "$work/base/$(basename "${f%.*}").png"
  done
  ls "$work/base"/*.png | awk -v n="$count" -v dir="$batch" '
    { src[NR] = $0 }
    END {
      srand(20261201)
      for (i = 0; i < n; i++) {
        s = src[1 + int(rand() * NR)]
        cw = 40 + int(rand() * 61); ch = 40 + int(rand() * 61)
        px = 100000 + int(rand() * 1900000)
        jpeg = rand() < 0.6
        q = 70 + int(rand() * 26)
        printf "%s %d %d %d %d %s/img%04d.%s\n", s, cw, ch, px, q, dir, i, jpeg ? "jpg" : "png"
      }
    }' >"$work/plan"
  # Two at a time: the machine has two cores.
  xargs -P 2 -L 1 sh -c '"$0" -quiet "$1" -gravity center -crop "$2%x$3%+0+0" +repage \
      -resize "$4@" -quality "$5" "$6"' "$convert" <"$work/plan"
  touch "$batch/.complete-$count"
fi
echo "batch: $(ls "$batch" | wc -l) images, $(du -sh "$batch" | cut -f1), in $batch" >&2

# One timed run: wall, user and system seconds and peak RSS from /usr/bin/time.
run() {
  name=$1
  shift
  /usr/bin/time -f "$name %e %U %S %M" -a -o "$work/times" \
    "$cli" prominent -k 6 -f json -r "$batch" "$@" >"$work/out-$name.jsonl" 2>/dev/null
}

: >"$work/times"
i=1
while [ "$i" -le "$rounds" ]; do
  run default --no-progress
  run j1 -j 1 --no-progress
  run j1t1 -j 1 --threads 1 --no-progress
  i=$((i + 1))
done
# Output identity, also at other -j.
run j2 -j 2 --no-progress
run j4 -j 4 --no-progress

"$python" - "$work" "$count" <<'PY'
import hashlib, statistics, sys
work, count = sys.argv[1], int(sys.argv[2])
runs = {}
for line in open(work + "/times"):
    name, wall, user, sys_, rss = line.split()
    runs.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(rss)))
digest = {n: hashlib.sha256(open(f"{work}/out-{n}.jsonl", "rb").read()).hexdigest()
          for n in runs}
lines = {n: sum(1 for _ in open(f"{work}/out-{n}.jsonl")) for n in runs}
print(f"{count} images; {len(runs['default'])} rounds; wall time per configuration:")
print("| configuration | median wall (s) | images/s | CPU (cores) | CPU ms per image | peak RSS (MB) |")
print("|---|---:|---:|---:|---:|---:|")
label = {"default": "default (-j = cores)", "j1": "-j 1", "j1t1": "-j 1 --threads 1",
         "j2": "-j 2", "j4": "-j 4"}
for n in ["default", "j1", "j1t1", "j2", "j4"]:
    r = runs[n]
    wall = statistics.median(x[0] for x in r)
    cpu = statistics.median(x[1] / x[0] for x in r)
    per_image = statistics.median(x[1] for x in r) / count * 1000
    rss = max(x[2] for x in r) / 1024
    print(f"| {label[n]} | {wall:.2f} | {count / wall:.1f} | {cpu:.2f} | {per_image:.1f} | "
          f"{rss:.1f} |")
for other in ["j1", "j1t1"]:
    ratios = [b[0] / a[0] for a, b in zip(runs["default"], runs[other])]
    print(f"throughput default / {label[other]}: median {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
same = len(set(digest.values())) == 1
print(f"output identical for every -j: {'yes' if same else 'NO'} "
      f"({lines['default']} lines, sha256 {digest['default'][:16]})")
sys.exit(0 if same and lines["default"] == count else 1)
PY
