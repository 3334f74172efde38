#!/bin/sh
# fuzz.sh: builds the libFuzzer targets (clang, ASan, UBSan) and runs each for
# FUZZ_SECONDS (default 60), starting from its seed corpus and its crashers. Any crash,
# leak, timeout or out-of-memory input is copied to tests/crashers/<target>/, where the
# ordinary test suite replays it from then on, and the script fails.
set -eu
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=$(nproc 2>/dev/null || echo 2)

./scripts/deps.sh --test clang libclang-rt-14-dev

cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DIMGCOLOR_BUILD_FUZZERS=ON -DIMGCOLOR_BUILD_EXAMPLES=OFF -DIMGCOLOR_WERROR=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target fuzz_decode fuzz_lists fuzz_options fuzz_pie fuzz_swatch fuzz_request

# Per target: the longest input tried, in bytes. Images need room for a few chunks or
# scans (the seeds of every format, WebP to AVIF, are under 9 KB); lists and pie
# parameters are short texts.
max_len() {
    case "$1" in
    decode) echo 65536 ;;
    lists | options) echo 4096 ;;
    *) echo 16384 ;;
    esac
}

# Per target: its seed corpus (the server's request parsing keeps its own).
seeds() {
    case "$1" in
    request) echo tests/server/corpus ;;
    *) echo "tests/fuzz/corpus/$1" ;;
    esac
}

failed=""
for target in decode lists options pie swatch request; do
    work="$BUILD/fuzz-work/$target"
    # The corpus grown by earlier runs in this build tree is kept; findings are not.
    rm -rf "$work/artifacts"
    mkdir -p "$work/corpus" "$work/artifacts" "tests/crashers/$target"
    log="$work/fuzz.log"
    echo "fuzz_$target: ${FUZZ_SECONDS}s"
    status=0
    "$BUILD/bin/fuzz_$target" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$target")" \
        -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=25 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" \
        "$work/corpus" "$(seeds "$target")" "tests/crashers/$target" \
        >"$log" 2>&1 || status=$?
    grep -E "stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$log" |
        sed "s/^/  /" || true
    echo "  corpus: $(ls "$work/corpus" | wc -l) inputs"
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log" >&2
        for f in "$work"/artifacts/*; do
            [ -f "$f" ] || continue
            cp "$f" "tests/crashers/$target/"
            echo "fuzz_$target: kept tests/crashers/$target/$(basename "$f")" >&2
        done
        failed="$failed $target"
    fi
done

if [ -n "$failed" ]; then
    echo "fuzz.sh: findings in:$failed (see tests/crashers/)" >&2
    exit 1
fi
echo "fuzz.sh: no findings"
