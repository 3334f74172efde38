#!/bin/sh
# run.sh REPEAT LIMITS IMAGE...: builds libimgcolor (Release, build-bench) and
# bench_budget.c against it, then runs it. LIMITS is a comma-separated list of ms.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-bench}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DIMGCOLOR_BUILD_TESTS=OFF \
    -DIMGCOLOR_BUILD_SERVER=OFF -DIMGCOLOR_BUILD_CLI=OFF -DIMGCOLOR_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target imgcolor >/dev/null
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -I "$root/include" \
    "$root/bench/budget/bench_budget.c" \
    -o "$build/bench_budget" -L "$build/lib" -limgcolor -Wl,-rpath,"$build/lib"
exec "$build/bench_budget" "$@"
