#!/bin/sh
# bench_colour.sh: what colour management and perceptual clustering cost, as ratios
# within one run: each photo clustered in rgb, oklab and lab, and each photo untagged
# and tagged with Adobe RGB (the same JPEG pixels, its profile embedded by ImageMagick).
# Prints median wall-clock seconds over RUNS runs (default 7) of `imgcolor prominent`.
#   bench/bench_colour.sh [build/bin/imgcolor] IMAGE...
set -eu
CLI=${CLI:-build/bin/imgcolor}
RUNS=${RUNS:-7}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

median() { # command... : the median of RUNS timings, in seconds
    for _ in $(seq "$RUNS"); do
        s=$(date +%s.%N)
        "$@" >/dev/null
        e=$(date +%s.%N)
        echo "$e - $s" | bc
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

printf '%-24s %8s %8s %8s %7s %7s   %8s %8s %7s\n' image rgb oklab lab ok/rgb lab/rgb \
    untagged tagged ratio
for img in "$@"; do
    name=$(basename "$img")
    rgb=$(median "$CLI" prominent --no-color-management --space rgb "$img")
    ok=$(median "$CLI" prominent --no-color-management --space oklab "$img")
    lab=$(median "$CLI" prominent --no-color-management --space lab "$img")
    /usr/bin/convert "$img" +profile "*" -quality 95 "$TMP/plain.jpg"
    /usr/bin/convert "$TMP/plain.jpg" -profile /usr/share/color/icc/colord/AdobeRGB1998.icc \
        "$TMP/tagged.jpg"
    plain=$(median "$CLI" prominent "$TMP/plain.jpg")
    tagged=$(median "$CLI" prominent "$TMP/tagged.jpg")
    printf '%-24s %8.3f %8.3f %8.3f %7.2f %7.2f   %8.3f %8.3f %7.2f\n' "$name" "$rgb" "$ok" \
        "$lab" "$(echo "$ok / $rgb" | bc -l)" "$(echo "$lab / $rgb" | bc -l)" "$plain" \
        "$tagged" "$(echo "$tagged / $plain" | bc -l)"
done
