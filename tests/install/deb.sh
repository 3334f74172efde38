#!/bin/sh
# deb.sh SOURCE_DIR BUILD_DIR WORK_DIR: the Debian packages. Builds them with
# scripts/deb.sh (lintian included: any error or warning fails), unpacks all four into
# a scratch root with dpkg -x, and runs the CLI and the server from there: the CLI's
# colours must be this build's. A program is built against the unpacked -dev package
# with pkg-config, and every package must hold its copyright file and its pages.
set -eu
src=$1
build=$2
work=$3
image=$src/examples/1.jpg
rm -rf "$work"
mkdir -p "$work/root"

fail() {
    echo "deb.sh: $*" >&2
    exit 1
}

sh "$src/scripts/deb.sh" "$work/build"
for deb in "$work"/build/deb/*.deb; do
    dpkg -x "$deb" "$work/root"
    pkg=$(dpkg-deb -f "$deb" Package)
    [ -f "$work/root/usr/share/doc/$pkg/copyright" ] || fail "$pkg has no copyright file"
done
for pkg in libimgcolor0 libimgcolor-dev imgcolor imgcolor-server; do
    ls "$work"/build/deb/"$pkg"_*.deb >/dev/null 2>&1 || fail "no $pkg package"
done

root=$work/root
libdir=$(dirname "$(find "$root/usr/lib" -name 'libimgcolor.so.0' | head -1)")
[ -n "$libdir" ] && [ -d "$libdir" ] || fail "libimgcolor.so.0 is not in the library package"
export LD_LIBRARY_PATH=$libdir

"$build/bin/imgcolor" prominent "$image" -k 3 --format csv >"$work/want"
"$root/usr/bin/imgcolor" prominent "$image" -k 3 --format csv >"$work/got" ||
    fail "the packaged CLI does not run"
cmp -s "$work/want" "$work/got" || fail "the packaged CLI prints other colours"
echo "ok: the packaged imgcolor runs from the unpacked root"
# HEIF is decoded by libheif opened at run time: the package must depend on it by name.
if "$root/usr/bin/imgcolor" --version | grep -qw HEIC; then
    depends=$(dpkg-deb -f "$work"/build/deb/libimgcolor0_*.deb Depends)
    echo "$depends" | grep -q "libheif1 (>= 1.15)" || fail "libimgcolor0 lacks libheif1: $depends"
    "$root/usr/bin/imgcolor" prominent "$src/tests/fuzz/corpus/decode/heic.heic" -k 2 >/dev/null ||
        fail "the packaged CLI does not decode HEIC"
    "$root/usr/bin/imgcolor" prominent "$src/tests/fuzz/corpus/decode/avif.avif" -k 2 >/dev/null ||
        fail "the packaged CLI does not decode AVIF"
    echo "ok: libimgcolor0 depends on libheif1, which the packaged CLI loads for HEIC and AVIF"
fi
"$root/usr/bin/imgcolor-server" --version | grep -q "^imgcolor-server " ||
    fail "the packaged server does not run"
echo "ok: the packaged imgcolor-server runs"

# shellcheck disable=SC2046
cc -std=c11 -o "$work/prominent" "$src/examples/prominent.c" \
    $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs imgcolor) ||
    fail "cannot build against the unpacked libimgcolor-dev"
"$work/prominent" "$image" 3 >"$work/got" || fail "the program built on -dev fails"
awk -F, 'NR > 1 { print $3, $7 }' "$work/want" | cmp -s - "$work/got" ||
    fail "the program built on -dev prints other colours"
echo "ok: a program builds against the unpacked -dev package and runs"

for page in man1/imgcolor.1.gz man8/imgcolor-server.8.gz man3/libimgcolor.3.gz; do
    [ -f "$root/usr/share/man/$page" ] || fail "no $page"
    mandoc -Tlint -W warning "$root/usr/share/man/$page" || fail "$page does not lint"
done
echo "ok: the packaged manual pages"
echo "deb.sh: all passed"
