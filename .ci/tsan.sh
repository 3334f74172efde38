#!/bin/sh
# tsan.sh: imgcolor-server and the library built with clang's ThreadSanitizer in their
# own build tree (build-tsan), then every endpoint loaded at once with SIGHUP key
# reloads (tests/server/tsan_load.py, TSAN_SECONDS of load, default 10). Any report
# fails the run. civetweb and cJSON come from Debian, not instrumented: TSan sees their
# locks (through its interceptors) but not their memory accesses. No suppressions are
# needed; one added here must say in a comment why the report is not a race.
set -eu
cd "$(dirname "$0")/.."

BUILD=${TSAN_BUILD:-build-tsan}
JOBS=$(nproc 2>/dev/null || echo 2)

./scripts/deps.sh --test clang libclang-rt-14-dev

# Only the server and the library: the rest of the suite runs under ASan already.
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DIMGCOLOR_SANITIZE=thread -DIMGCOLOR_BUILD_TESTS=OFF -DIMGCOLOR_BUILD_CLI=OFF \
    -DIMGCOLOR_BUILD_EXAMPLES=OFF -DIMGCOLOR_WERROR=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target imgcolor_server

export TSAN_OPTIONS="halt_on_error=0 history_size=4"
/usr/bin/python3 tests/server/tsan_load.py --server "$BUILD/bin/imgcolor-server" \
    --examples examples --seconds "${TSAN_SECONDS:-10}"
