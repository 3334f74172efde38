#!/bin/sh
# npm_setup.sh DIR: playwright-core (the browser driver, without browsers of its own: the
# test drives Debian's chromium) installed from npm into DIR, once per build tree.
# Exits 77 (skipped) when node or npm is missing.
set -eu
dir=$1
version=1.65.1
for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIPPED: $tool is not installed (scripts/deps.sh --test)"; exit 77; }
done
pkg=$dir/node_modules/playwright-core/package.json
if [ -r "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"; then
    echo "playwright-core $version already in $dir"
    exit 0
fi
mkdir -p "$dir"
npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund \
    "playwright-core@$version"
grep -q "\"version\": \"$version\"" "$pkg"
