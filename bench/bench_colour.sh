#!/bin/sh
# bench_colour.sh: what colour management and perceptual clustering cost, as ratios
# within one run: each photo clustered in rgb, oklab and lab, and each photo untagged
# and tagged with Adobe RGB (the same JPEG pixels, its profile embedded by ImageMagick).
# The commands compared run in turn, round after round, so that a change of load on the
# machine falls on all of them; prints the median wall-clock seconds over RUNS rounds
# (default 7) of `imgcolor prominent`.
#   bench/bench_colour.sh IMAGE...                 (CLI=build/bin/imgcolor by default)
# With COUNT=callgrind, prints instead the instructions of one single-threaded run of each
# space (valgrind's callgrind), which the load of the machine does not change; with
# COUNT=cpu, the median CPU time (perf stat's task-clock, ms) of RUNS alternated
# single-threaded runs of each space, which the load changes less than wall-clock time.
set -eu
CLI=${CLI:-build/bin/imgcolor}
RUNS=${RUNS:-7}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

seconds() { # command... : wall-clock seconds of one run
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc
}

median() { # file of numbers, one a line
    sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# Alternated rounds of the named commands: alternate NAME... -- then, per name, a
# function run_NAME; leaves the medians in $TMP/NAME.median.
alternate() {
    for name in "$@"; do : >"$TMP/$name.t"; done
    for _ in $(seq "$RUNS"); do
        for name in "$@"; do seconds "run_$name" >>"$TMP/$name.t"; done
    done
    for name in "$@"; do median "$TMP/$name.t" >"$TMP/$name.median"; done
}

instructions() { # command... : instructions of one run, under callgrind
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

cpu_ms() { # command... : CPU milliseconds of one run (task-clock)
    perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'
}

if [ "${COUNT:-}" = cpu ]; then
    printf '%-24s %8s %8s %8s %7s %7s\n' image rgb oklab lab ok/rgb lab/rgb
    for img in "$@"; do
        for sp in rgb oklab lab; do : >"$TMP/$sp.t"; done
        for _ in $(seq "$RUNS"); do
            for sp in rgb oklab lab; do
                cpu_ms "$CLI" prominent --no-progress --no-color-management --threads 1 \
                    --space "$sp" "$img" >>"$TMP/$sp.t"
            done
        done
        rgb=$(median "$TMP/rgb.t") ok=$(median "$TMP/oklab.t") lab=$(median "$TMP/lab.t")
        printf '%-24s %8.1f %8.1f %8.1f %7.2f %7.2f\n' "$(basename "$img")" "$rgb" "$ok" "$lab" \
            "$(echo "$ok / $rgb" | bc -l)" "$(echo "$lab / $rgb" | bc -l)"
    done
    exit 0
fi

if [ "${COUNT:-}" = callgrind ]; then
    printf '%-24s %14s %14s %14s %7s %7s\n' image rgb oklab lab ok/rgb lab/rgb
    for img in "$@"; do
        set --
        for sp in rgb oklab lab; do
            set -- "$@" "$(instructions "$CLI" prominent --no-progress --no-color-management \
                --threads 1 --space "$sp" "$img")"
        done
        printf '%-24s %14s %14s %14s %7.2f %7.2f\n' "$(basename "$img")" "$1" "$2" "$3" \
            "$(echo "$2 / $1" | bc -l)" "$(echo "$3 / $1" | bc -l)"
    done
    exit 0
fi

run_rgb() { "$CLI" prominent --no-progress --no-color-management --space rgb "$IMG"; }
run_oklab() { "$CLI" prominent --no-progress --no-color-management --space oklab "$IMG"; }
run_lab() { "$CLI" prominent --no-progress --no-color-management --space lab "$IMG"; }
run_plain() { "$CLI" prominent --no-progress "$TMP/plain.jpg"; }
run_tagged() { "$CLI" prominent --no-progress "$TMP/tagged.jpg"; }

printf '%-24s %8s %8s %8s %7s %7s   %8s %8s %7s\n' image rgb oklab lab ok/rgb lab/rgb \
    untagged tagged ratio
for IMG in "$@"; do
    alternate rgb oklab lab
    /usr/bin/convert "$IMG" +profile "*" -quality 95 "$TMP/plain.jpg"
    /usr/bin/convert "$TMP/plain.jpg" -profile /usr/share/color/icc/colord/AdobeRGB1998.icc \
        "$TMP/tagged.jpg"
    alternate plain tagged
    rgb=$(cat "$TMP/rgb.median") ok=$(cat "$TMP/oklab.median") lab=$(cat "$TMP/lab.median")
    plain=$(cat "$TMP/plain.median") tagged=$(cat "$TMP/tagged.median")
    printf '%-24s %8.3f %8.3f %8.3f %7.2f %7.2f   %8.3f %8.3f %7.2f\n' "$(basename "$IMG")" \
        "$rgb" "$ok" "$lab" "$(echo "$ok / $rgb" | bc -l)" "$(echo "$lab / $rgb" | bc -l)" \
        "$plain" "$tagged" "$(echo "$tagged / $plain" | bc -l)"
done
