#!/bin/sh
# Installs the benchmark's peers, each optional: Debian's OpenCV for Python, Flask and
# gunicorn (for the lesson's own application), ImageMagick
# and libjpeg-turbo's djpeg, and npm's colorthief and node-vibrant into a scratch folder
# (never the test suite's business). A peer that cannot be installed is reported and
# skipped by the benchmarks. Usage: bench/setup.sh [SCRATCH]  (default build-bench/peers)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
scratch=${1:-$root/build-bench/peers}
mkdir -p "$scratch"

apt_install() {
  for try in 1 2 3; do
    if apt-get install -y "$@" >"$scratch/apt.log" 2>&1; then
      return 0
    fi
    sleep 20 # another apt may hold the lock
  done
  echo "bench/setup.sh: could not install $* (see $scratch/apt.log)" >&2
  return 1
}

[ -x /usr/bin/djpeg ] || apt_install libjpeg-turbo-progs
[ -x /usr/bin/convert ] || apt_install imagemagick
/usr/bin/python3 -c 'import cv2' 2>/dev/null || apt_install python3-opencv
/usr/bin/python3 -c 'import sklearn, PIL, matplotlib' 2>/dev/null ||
  apt_install python3-sklearn python3-pil python3-matplotlib
# The lesson's Flask application, for the server benchmark.
/usr/bin/python3 -c 'import flask' 2>/dev/null || apt_install python3-flask
command -v gunicorn >/dev/null 2>&1 || apt_install gunicorn

if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$scratch/node_modules/colorthief" ] || [ ! -d "$scratch/node_modules/node-vibrant" ]; then
    (cd "$scratch" && npm install --no-audit --no-fund --silent colorthief@2 node-vibrant@3 \
      >"$scratch/npm.log" 2>&1) ||
      echo "bench/setup.sh: npm install failed (see $scratch/npm.log)" >&2
  fi
else
  echo "bench/setup.sh: no npm: colorthief and node-vibrant skipped" >&2
fi
exit 0
