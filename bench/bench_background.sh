#!/bin/sh
# bench_background.sh: what --background exclude and --region cost against the default,
# as ratios within one run. The modes run in turn, RUNS rounds (default 7), so that a
# change in the machine's load falls on all of them alike; prints the median wall-clock
# seconds, the largest peak RSS (MB) of `imgcolor prominent -k 6`, and, with
# CALLGRIND=1, the instructions of one run of each on one thread (valgrind, repeatable
# under load).
#   bench/bench_background.sh IMAGE...      (CLI=build/bin/imgcolor by default)
set -eu
CLI=${CLI:-build/bin/imgcolor}
RUNS=${RUNS:-7}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
MODES="keep exclude region"

args() { # mode: its flags
    case $1 in
    keep) echo "--background keep" ;;
    exclude) echo "--background exclude" ;;
    region) echo "--region 10%,10%,80%,80%" ;;
    esac
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-20s %8s %8s %8s %7s %7s %7s %7s %7s' image keep_s excl_s region_s excl/k \
    reg/k keep_MB excl_MB reg_MB
[ "${CALLGRIND:-0}" = 1 ] && printf ' %9s %9s %9s %6s' keep_Gi excl_Gi reg_Gi excl/k
echo
for img in "$@"; do
    for _ in $(seq "$RUNS"); do
        for m in $MODES; do
            # shellcheck disable=SC2046
            /usr/bin/time -f '%e %M' -a -o "$TMP/$m" "$CLI" prominent -k 6 $(args "$m") \
                "$img" >/dev/null
        done
    done
    line=$(printf '%-20s' "$(basename "$img")")
    for m in $MODES; do
        eval "t_$m=\$(cut -d' ' -f1 \"$TMP/$m\" | median)"
        eval "mb_$m=\$(cut -d' ' -f2 \"$TMP/$m\" | sort -n | tail -1)"
        rm "$TMP/$m"
    done
    # shellcheck disable=SC2154
    line="$line $(printf '%8.3f %8.3f %8.3f %7.2f %7.2f %7.1f %7.1f %7.1f' "$t_keep" \
        "$t_exclude" "$t_region" "$(echo "$t_exclude / $t_keep" | bc -l)" \
        "$(echo "$t_region / $t_keep" | bc -l)" "$(echo "$mb_keep / 1024" | bc -l)" \
        "$(echo "$mb_exclude / 1024" | bc -l)" "$(echo "$mb_region / 1024" | bc -l)")"
    if [ "${CALLGRIND:-0}" = 1 ]; then
        for m in $MODES; do
            # shellcheck disable=SC2046
            valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" "$CLI" prominent -k 6 \
                --threads 1 $(args "$m") "$img" >/dev/null 2>"$TMP/cg.err"
            eval "i_$m=\$(awk '/^summary:/ {print \$2}' \"$TMP/cg\")"
        done
        # shellcheck disable=SC2154
        line="$line $(printf ' %9.3f %9.3f %9.3f %6.2f' "$(echo "$i_keep / 10^9" | bc -l)" \
            "$(echo "$i_exclude / 10^9" | bc -l)" "$(echo "$i_region / 10^9" | bc -l)" \
            "$(echo "$i_exclude / $i_keep" | bc -l)")"
    fi
    echo "$line"
done
