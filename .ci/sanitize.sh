#!/bin/sh
# sanitize.sh: the whole test suite built with clang under AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer, in its own build tree (build-asan). Any
# report fails the run.
set -eu
cd "$(dirname "$0")/.."

BUILD=${SANITIZE_BUILD:-build-asan}
JOBS=$(nproc 2>/dev/null || echo 2)

./scripts/deps.sh --test clang libclang-rt-14-dev

# RelWithDebInfo: optimised as users run it, with line numbers in the reports.
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DIMGCOLOR_SANITIZE=address,undefined -DIMGCOLOR_WERROR=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# Sanitized code runs a few times slower; the tests' own time limits are generous.
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 1200
