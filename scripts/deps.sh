#!/bin/sh
# deps.sh: installs the Debian 12 packages that building and testing libimgcolor need,
# only those missing. As root it runs apt-get; otherwise it prints the command to run.
#   scripts/deps.sh            what building needs
#   scripts/deps.sh --test     and what the test suite needs
#   scripts/deps.sh [--test] PACKAGE...   and these packages too (used by .ci/ scripts)
set -eu
# What the packaging and documentation tests add to --test: man pages, completions, .deb.
doc_tools=""
[ "${1:-}" = "--test" ] && doc_tools="mandoc zsh bash-completion lintian dpkg-dev file"

packages="build-essential cmake pkg-config libpng-dev libjpeg62-turbo-dev libcjson-dev
libcivetweb-dev libcmocka-dev libfreetype-dev fonts-dejavu-core libcurl4-openssl-dev
libssl-dev python3 python3-requests libwebp-dev libgif-dev libtiff-dev libheif-dev libaom-dev
liblcms2-dev"
if [ "${1:-}" = "--test" ]; then
    packages="$packages libxml2-utils nginx-light openssl curl imagemagick time
    icc-profiles-free colord-data"
    # the stack tests: the page in a browser (playwright-core comes from npm), the units
    packages="$packages nodejs chromium systemd"
    # npm: Debian's package, unless a nodejs from elsewhere brings its own
    command -v npm >/dev/null 2>&1 || packages="$packages npm"
    shift
fi
packages="$packages $*"
packages="$packages $doc_tools"

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
