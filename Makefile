# A thin front to CMake: `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build demo test clean

all: build

deps:
	@./scripts/deps.sh $(DEPS_FLAGS)

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/bin/imgcolor prominent examples/1.jpg -k 6

test: DEPS_FLAGS = --test
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)

# Every benchmark, then docs/BENCHMARKS.md's generated tables and plots rewritten.
# BENCH_FLAGS=--quick for a run of a few minutes.
.PHONY: bench
bench:
	./bench/run.sh $(BENCH_FLAGS)
