# A thin front to CMake: `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

PREFIX ?=

.PHONY: all deps configure build demo test install deb clean

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

# cmake --install, to PREFIX when given (else the configured prefix, /usr/local);
# DESTDIR is honoured as usual. Installed programs find the library from any prefix.
install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix "$(PREFIX)")

# Debian packages in $(BUILD)/debian/deb/, checked with lintian (scripts/deb.sh).
deb: DEPS_FLAGS = --test
deb: deps
	./scripts/deb.sh $(CURDIR)/$(BUILD)/debian

clean:
	rm -rf $(BUILD)

# The whole stack on loopback as the current user: nginx (TLS, self-signed for the run)
# in front of INSTANCES imgcolor-server processes, until Ctrl-C. See docs/DEPLOY.md.
INSTANCES ?= 3
.PHONY: serve
serve: DEPS_FLAGS = nginx-light openssl curl
serve: build
	@deploy/imgcolor-serve $(BUILD)/bin/imgcolor-server $(INSTANCES)

# Every benchmark, then docs/BENCHMARKS.md's generated tables and plots rewritten.
# BENCH_FLAGS=--quick for a run of a few minutes.
.PHONY: bench
bench:
	./bench/run.sh $(BENCH_FLAGS)
