# trail — two commands on a fresh Debian 12 machine, as root: `make run` and `make test`.
# Both install what is missing with apt, then build. See README.md.

SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_DEPS := cmake g++ make pkg-config libboost1.81-dev libboost-json1.81-dev \
  libboost-system1.81-dev libsqlite3-dev libssl-dev libtomlplusplus-dev libcli11-dev \
  libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libpq-dev sqlite3 openssl python3
# chromium and node (with npm) drive the web viewer's browser tests (tests/browser); postgresql's
# server binaries let the PostgreSQL store's tests start a throwaway cluster (tests/pg_cluster.py);
# prometheus ships promtool, which parses and lints /metrics (tests/test_operate.py).
# dpkg-dev (dpkg-shlibdeps) and systemd (systemd-analyze) for the package tests (tests/package).
TEST_DEPS := curl chromium nodejs postgresql clang-format prometheus dpkg-dev systemd
# `make deb`: CPack asks dpkg-shlibdeps for the packages the binary's libraries come from.
DEB_DEPS := dpkg-dev
# `make install PREFIX=/usr DESTDIR=/tmp/x`: everything under PREFIX except the configuration,
# which goes to /etc/trail (cache variable TRAIL_SYSCONFDIR); all of it under DESTDIR.
PREFIX ?= /usr/local

.PHONY: all deps test-deps build run install deb test test-release test-asan test-tsan format-check tidy bench bench-format1 fuzz fuzz-build fuzz-smoke format clean

all: build

deps:
	@missing=""; for p in $(BUILD_DEPS) $(EXTRA_DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root (or install:$$missing)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake --preset release >/dev/null
	cmake --build build -j$(JOBS)

run: build
	./build/trail serve --data ./data --events examples/warehouse/events.toml

# The binary, trail.service, /etc/trail/{trail,events}.toml (an existing one is kept; the new
# one goes beside it as NAME.new), the documentation, and the C++ client (packaging/).
install: build
	DESTDIR="$(DESTDIR)" cmake --install build --prefix "$(PREFIX)"

# build/trail_<version>_<arch>.deb and build/trail-client-dev_<version>_<arch>.deb (README.md,
# "Install"; packaging/deb.cmake).
deb: build
	@$(MAKE) --no-print-directory deps EXTRA_DEPS="$(DEB_DEPS)"
	cd build && cpack -G DEB

# The whole suite: formatting, the release build's tests, the fuzz targets briefly, then the
# same suite again under ASan+UBSan. CI (.ci/run) is exactly this.
test: format-check test-release fuzz-smoke test-asan

test-release: build test-deps
	ctest --test-dir build --output-on-failure -j2 --timeout 600

test-deps:
	$(MAKE) --no-print-directory deps EXTRA_DEPS="$(TEST_DEPS)"
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps EXTRA_DEPS=npm

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (preset asan). Any report
# from any process (unit tests, every server the e2e tests start) fails it: tests/sanitized_run.sh.
test-asan: test-deps
	cmake --preset asan >/dev/null
	cmake --build build-asan -j$(JOBS)
	tests/sanitized_run.sh build-asan -j2 --timeout 900

# The whole suite under ThreadSanitizer (preset tsan); not part of `make test` for time (see
# tests/README.md, "Sanitizers").
test-tsan: test-deps
	cmake --preset tsan >/dev/null
	cmake --build build-tsan -j$(JOBS)
	tests/sanitized_run.sh build-tsan -j2 --timeout 1200

bench: build bench-format1
	bench/run.sh

# The last commit with leaf format 1, built into build-format1/ for `make bench`'s paired
# format-1/format-2 ingest figures (section `leaf`). From git's own objects: nothing is fetched.
FORMAT1_COMMIT := a321f8d
bench-format1: deps
	@if [ ! -x build-format1/build/bench/trail_bench_store ]; then \
	  rm -rf build-format1 && mkdir -p build-format1/src && \
	  git archive $(FORMAT1_COMMIT) | tar -x -C build-format1/src && \
	  cmake -S build-format1/src -B build-format1/build -DCMAKE_BUILD_TYPE=Release -DTRAIL_BUILD_TESTS=OFF >/dev/null && \
	  cmake --build build-format1/build -j$(JOBS) --target trail bench_store_ingest; \
	fi

# libFuzzer targets (fuzz/): built with clang under ASan+UBSan. `make test` runs each for
# 15 s (fuzz-smoke); `make fuzz` for FUZZ_SECONDS (default 300) each.
FUZZ_TARGETS := fuzz_ingest fuzz_query fuzz_viewer_token fuzz_tile_path fuzz_ui_params fuzz_event_json
fuzz-build: deps
	$(MAKE) --no-print-directory deps EXTRA_DEPS="clang libclang-rt-14-dev"
	CXX=clang++ cmake -S . -B build-fuzz -DTRAIL_FUZZ=ON -DTRAIL_WERROR=OFF -DTRAIL_BUILD_TESTS=OFF -DTRAIL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-15} fuzz/run.sh

fuzz: fuzz-build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} fuzz/run.sh

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

# Fails when clang-format (Debian's, .clang-format) would change any line.
format-check:
	@$(MAKE) --no-print-directory deps EXTRA_DEPS=clang-format
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

# clang-tidy with .clang-tidy's checks over every source file of the release build.
tidy: build
	@$(MAKE) --no-print-directory deps EXTRA_DEPS=clang-tidy
	git ls-files 'src/*.cc' | xargs -P$(JOBS) -n8 clang-tidy -p build --quiet --extra-arg=-Wno-unknown-warning-option

clean:
	rm -rf build build-asan build-tsan build-fuzz build-format1
