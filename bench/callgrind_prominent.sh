#!/bin/sh
# Instruction counts of `imgcolor prominent -k 6 --no-color-management` for two builds
# (valgrind --tool=callgrind, both threads counted; repeatable whatever the machine's
# load), and of the second at k = 1, where clustering is next to nothing. Prints a
# Markdown table.
# Usage: bench/callgrind_prominent.sh OLD_CLI NEW_CLI IMAGE...
set -eu
old=$1
new=$2
shift 2
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : *//p'
}
echo "| image | before | after | after / before | k = 1 (no clustering) |"
echo "|---|---:|---:|---:|---:|"
for f in "$@"; do
  o=$(ir "$old" prominent --no-color-management -k 6 "$f")
  n=$(ir "$new" prominent --no-color-management -k 6 "$f")
  z=$(ir "$new" prominent --no-color-management -k 1 "$f")
  awk -v f="$(basename "$f")" -v o="$o" -v n="$n" -v z="$z" 'BEGIN {
    printf "| %s | %.1f M | %.1f M | %.2f | %.1f M |\n", f, o / 1e6, n / 1e6, n / o, z / 1e6 }'
done
