#!/bin/sh
# consume.sh SOURCE_DIR BUILD_DIR WORK_DIR KIND [CC [SANITIZE]]: the library as its users
# get it. Installs BUILD_DIR, whose library is KIND (shared or static), and a build of the
# other kind made here into scratch prefixes, builds examples/prominent.c against each
# with pkg-config and with find_package(imgcolor 0.1 REQUIRED), and runs it; its colours
# must be the CLI's.
# Also: the installed CLI runs from a prefix moved after installing, the package's
# version check refuses another major version, and pkg-config --cflags names only the
# prefix's include directory. CC and SANITIZE (e.g. address,undefined) are the build's:
# a sanitized library links only into programs built with the same sanitizers.
set -eu
src=$1
build=$2
work=$3
kind_built=$4
CC=${5:-cc}
sanitize=${6:-}
case $kind_built in
shared) other=static other_shared=OFF ;;
static) other=shared other_shared=ON ;;
*) echo "consume.sh: KIND is shared or static, not '$kind_built'" >&2; exit 2 ;;
esac
san_flags=""
[ -n "$sanitize" ] && san_flags="-fsanitize=$sanitize"
example=$src/examples/prominent.c
image=$src/examples/1.jpg
rm -rf "$work"
mkdir -p "$work"

fail() {
    echo "consume.sh: $*" >&2
    exit 1
}

# The reference: hex and count of each colour at k = 3, from the CLI of this build.
"$build/bin/imgcolor" prominent "$image" -k 3 --format csv |
    awk -F, 'NR > 1 { print $3, $7 }' >"$work/want"
[ -s "$work/want" ] || fail "the CLI printed no colours"

check_run() { # check_run PROGRAM LABEL
    "$1" "$image" 3 >"$work/got" || fail "$2: the program failed"
    cmp -s "$work/want" "$work/got" || {
        diff "$work/want" "$work/got" >&2
        fail "$2: colours differ from the CLI's"
    }
    echo "ok: $2"
}

# The build under test, installed, then moved.
cmake --install "$build" --prefix "$work/staged" >/dev/null
mv "$work/staged" "$work/$kind_built"
"$work/$kind_built/bin/imgcolor" prominent "$image" -k 3 --format csv |
    awk -F, 'NR > 1 { print $3, $7 }' >"$work/got"
cmp -s "$work/want" "$work/got" || fail "the installed CLI, moved, does not run alike"
echo "ok: installed CLI runs from a moved prefix"

# The other kind: the same sources, configured with the other BUILD_SHARED_LIBS.
cmake -S "$src" -B "$work/$other-build" -DBUILD_SHARED_LIBS=$other_shared \
    -DIMGCOLOR_BUILD_TESTS=OFF -DIMGCOLOR_BUILD_SERVER=OFF -DIMGCOLOR_BUILD_EXAMPLES=OFF -DIMGCOLOR_BUILD_CLI=ON \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$CC" -DIMGCOLOR_SANITIZE="$sanitize" \
    >"$work/$other-configure.log" 2>&1 ||
    { cat "$work/$other-configure.log" >&2; fail "$other build: configure failed"; }
cmake --build "$work/$other-build" -j 2 >"$work/$other-build.log" 2>&1 ||
    { tail -30 "$work/$other-build.log" >&2; fail "$other build: build failed"; }
cmake --install "$work/$other-build" --prefix "$work/$other" >/dev/null
[ -f "$work/static/lib/libimgcolor.a" ] || fail "static build: no libimgcolor.a installed"
[ -f "$work/shared/lib/libimgcolor.so.0" ] || fail "shared build: no libimgcolor.so.0 installed"

for kind in shared static; do
    prefix=$work/$kind
    pcpath=$prefix/lib/pkgconfig
    static_flag=""
    [ "$kind" = static ] && static_flag=--static

    # One flag, the prefix's include directory (pkgconf leaves the path unnormalised).
    cflags=$(PKG_CONFIG_PATH=$pcpath pkg-config --cflags imgcolor)
    set -- $cflags
    [ $# -eq 1 ] && [ "$(cd "${1#-I}" && pwd -P)" = "$(cd "$prefix/include" && pwd -P)" ] ||
        fail "$kind: pkg-config --cflags is '$cflags', not just -I$prefix/include"
    [ "$(PKG_CONFIG_PATH=$pcpath pkg-config --modversion imgcolor)" = \
        "$("$build/bin/imgcolor" --version | head -n 1 | cut -d' ' -f2)" ] || fail "$kind: .pc version"

    # pkg-config. The shared program finds the library through its RUNPATH.
    # shellcheck disable=SC2046
    "$CC" -std=c11 $san_flags -o "$work/pc-$kind" "$example" \
        $(PKG_CONFIG_PATH=$pcpath pkg-config --cflags --libs $static_flag imgcolor) \
        -Wl,-rpath,"$prefix/lib" || fail "$kind: pkg-config build failed"
    check_run "$work/pc-$kind" "$kind, pkg-config"

    # CMake.
    cmake -S "$src/tests/install/consumer" -B "$work/cmake-$kind" -DCMAKE_PREFIX_PATH="$prefix" \
        -DEXAMPLE="$example" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$san_flags" \
        -DCMAKE_EXE_LINKER_FLAGS="$san_flags" >"$work/cmake-$kind.log" 2>&1 ||
        { cat "$work/cmake-$kind.log" >&2; fail "$kind: find_package(imgcolor 0.1) failed"; }
    cmake --build "$work/cmake-$kind" >>"$work/cmake-$kind.log" 2>&1 ||
        { cat "$work/cmake-$kind.log" >&2; fail "$kind: CMake consumer build failed"; }
    check_run "$work/cmake-$kind/prominent" "$kind, find_package(imgcolor 0.1 REQUIRED)"

    # The static programs carry the library; the shared ones need it.
    if readelf -d "$work/pc-$kind" "$work/cmake-$kind/prominent" | grep -q 'NEEDED.*libimgcolor'; then
        [ "$kind" = shared ] || fail "static: a program needs libimgcolor.so"
    else
        [ "$kind" = static ] || fail "shared: a program does not link libimgcolor.so"
    fi
done

# SameMajorVersion: 1.0 is another major version and must not be accepted.
if cmake -S "$src/tests/install/consumer" -B "$work/cmake-v1" -DCMAKE_PREFIX_PATH="$work/shared" \
    -DEXAMPLE="$example" -DIMGCOLOR_WANT_VERSION=1.0 >"$work/cmake-v1.log" 2>&1; then
    fail "find_package(imgcolor 1.0) accepted version 0.x"
fi
echo "ok: find_package(imgcolor 1.0) refused"
echo "consume.sh: all passed"
