#!/bin/sh
# valgrind.sh: the imgcolor command line under valgrind's memcheck, on the example
# photos and the test photos: any invalid access, uninitialised read or leak fails.
# Complements the ASan run: it checks the ordinary optimised build, libpng, libjpeg and
# FreeType included, without recompiling anything.
set -eu
cd "$(dirname "$0")/.."

BUILD=${VALGRIND_BUILD:-build-valgrind}
JOBS=$(nproc 2>/dev/null || echo 2)

./scripts/deps.sh valgrind

# Debug info for readable reports, optimised as shipped.
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGCOLOR_BUILD_TESTS=OFF \
    -DIMGCOLOR_BUILD_SERVER=OFF -DIMGCOLOR_BUILD_EXAMPLES=OFF -DIMGCOLOR_WERROR=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target imgcolor_cli
cli="$BUILD/bin/imgcolor"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

vg() {
    echo "valgrind: imgcolor $*"
    valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
        --suppressions=.ci/valgrind.supp --error-exitcode=1 "$cli" "$@" >"$out/stdout" 2>"$out/stderr" || {
        cat "$out/stderr" >&2
        echo "valgrind.sh: failed: imgcolor $*" >&2
        exit 1
    }
}

has_command() {
    "$cli" --help 2>&1 | grep -qw "$1"
}

# Two threads as in normal use, so that the worker code runs under valgrind too.
photos=$(ls examples/*.jpg tests/data/photos/*.png tests/data/photos/*.jpg 2>/dev/null)
for f in $photos; do
    vg prominent "$f" -k 6
done
# Every other format the build reads, from the decode fuzzer's seeds.
others=$(ls tests/fuzz/corpus/decode/*.webp tests/fuzz/corpus/decode/*.gif \
    tests/fuzz/corpus/decode/*.tif* tests/fuzz/corpus/decode/*.heic \
    tests/fuzz/corpus/decode/*.avif 2>/dev/null || true)
[ -z "$others" ] || vg prominent $others -k 3
# One invocation with many files, so that per-file state is freed between them.
vg prominent $photos -k 3 --format json
# The batch: several images at once, a directory walk, a list on standard input.
vg prominent -j 2 -k 3 -f csv -r tests/data/photos examples
ls $photos | vg prominent -j 4 -k 2 --files-from - --progress
# Pixels selected, and the later passes over them.
vg prominent tests/data/photos/retina.jpg -k 4 --background exclude --where
vg prominent tests/data/photos/coffee.png -k 4 --region 10%,10%,50%,50% --where --fast
if has_command swatch; then
    vg swatch tests/data/photos/retina.jpg -k 4 --background exclude -o "$out/swatch.png"
    vg swatch examples/3.jpg -k 4 --svg -o "$out/swatch.svg"
fi
if has_command map; then
    vg map tests/data/photos/retina.jpg -k 4 --size 200 --background exclude -o "$out/map.png"
fi
if has_command pie; then
    for f in examples/*.jpg; do
        vg pie "$f" -o "$out/pie.png" --percent
    done
    vg pie examples/1.jpg -o "$out/pie.svg" --svg
    vg pie --colors '["#7f6a55","#d8d3cc","#123"]' --counts '[51234,43210,7]' \
        --labels '["one","deux","três"]' --size 200x150 -o "$out/list.png"
fi
if has_command hex; then
    vg hex 127,106,85 0,0,0
    vg hex --json '[[127,106,85],[255,255,255]]'
fi
echo "valgrind.sh: clean"
