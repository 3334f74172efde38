#!/bin/sh
# deps.sh: installs the Debian 12 packages that building and testing libimgcolor need,
# only those missing. As root it runs apt-get; otherwise it prints the command to run.
#   scripts/deps.sh            what building needs
#   scripts/deps.sh --test     and what the test suite needs
#   scripts/deps.sh [--test] PACKAGE...   and these packages too (used by .ci/ scripts)
set -eu

packages="build-essential cmake pkg-config libpng-dev libjpeg62-turbo-dev libcjson-dev
libcivetweb-dev libcmocka-dev libfreetype-dev fonts-dejavu-core libcurl4-openssl-dev
libssl-dev python3 python3-requests libwebp-dev libgif-dev libtiff-dev libheif-dev libaom-dev
liblcms2-dev"
if [ "${1:-}" = "--test" ]; then
    packages="$packages libxml2-utils nginx-light openssl curl icc-profiles-free colord-data"
    shift
fi
packages="$packages $*"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
