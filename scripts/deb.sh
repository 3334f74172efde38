#!/bin/sh
# deb.sh BUILD_DIR: builds the Debian packages (libimgcolor0, libimgcolor-dev, imgcolor,
# imgcolor-server) with CPack into BUILD_DIR/deb, with Debian's hardening flags, and
# checks them with lintian: any error or warning fails.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: deb.sh BUILD_DIR}
jobs=$(nproc 2>/dev/null || echo 2)

for tool in dpkg-buildflags dpkg-shlibdeps lintian; do
    command -v "$tool" >/dev/null ||
        { echo "deb.sh: $tool is missing; run scripts/deps.sh --test" >&2; exit 1; }
done

# A fresh tree each time: the flags below only apply when CMake first configures it.
rm -rf "$build"
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr \
    -DIMGCOLOR_DEB=ON -DIMGCOLOR_BUILD_TESTS=OFF -DIMGCOLOR_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$jobs" >/dev/null
(cd "$build" && cpack -G DEB) >"$build/cpack.log" 2>&1 || { cat "$build/cpack.log" >&2; exit 1; }
ls "$build"/deb/*.deb

# As root (CI), lintian first says it is: that notice is not about the packages.
status=0
lintian --fail-on error,warning "$build"/deb/*.deb >"$build/lintian.log" 2>&1 || status=$?
grep -v '^running with root privileges' "$build/lintian.log" || true
[ "$status" -eq 0 ] || { echo "deb.sh: lintian found errors or warnings" >&2; exit 1; }
echo "deb.sh: lintian: no errors or warnings"
