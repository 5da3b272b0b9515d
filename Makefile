# orderflow — the two commands a fresh Debian 12 machine needs: `make run`, `make test`.
PREFIX ?= /usr/local
BUILD  ?= build
JOBS   ?= 2
CMAKE_FLAGS ?=

# Debian packages the build needs; `deps` installs whichever are missing.
PACKAGES = cmake g++ make libcli11-dev rapidjson-dev libgtest-dev libbenchmark-dev \
  libsqlite3-dev zlib1g-dev libzstd-dev libnats-dev
# Programs only the tests run (the sqlite3 and zstd CLIs, groff for the man
# page, a NATS server the tests start on 127.0.0.1); `test-deps` installs them.
TEST_PACKAGES = sqlite3 zstd gzip groff nats-server
# Extra packages for `make fuzz` (clang's libFuzzer runtime).
FUZZ_PACKAGES = clang libclang-rt-14-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps test-deps build run test install clean asan tsan tsa fuzz fuzz-smoke fuzz-build fuzz-deps bench bench-e2e bench-baskets nats-demo

all: build

# Installs whichever of the packages named in $(1) are missing (apt-get, via
# sudo when not root); does nothing when all are there.
define install_missing
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call install_missing,$(PACKAGES))

test-deps:
	$(call install_missing,$(TEST_PACKAGES))

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@echo '== orderflow catalog'
	./$(BUILD)/orderflow catalog
	@echo '== orderflow process data/samples/orders.ndjson --summary -'
	./$(BUILD)/orderflow process data/samples/orders.ndjson --summary -

test: test-deps build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure

# Builds only the program and its generated man page and completions (no
# apt-get, no tests), then installs them stripped under $(DESTDIR)$(PREFIX):
# bin/orderflow, share/man/man1/orderflow.1,
# share/bash-completion/completions/orderflow, share/zsh/vendor-completions/_orderflow.
# A build folder that `make run` or `make test` configured is reused as it is;
# otherwise one is configured without the tests and benchmarks.
install:
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release \
	  -DORDERFLOW_TESTS=OFF -DORDERFLOW_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS) --target orderflow orderflow_docs
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX) --strip

# Sanitizer builds run the whole suite (the end-to-end tests' child orderflow is
# sanitized too). -O1 keeps them fast enough for CI; GCC's -Wmaybe-uninitialized
# gives false positives under -fsanitize (in libstdc++'s <regex>), so it is off there.
SAN_CXXFLAGS = -O1 -Wno-maybe-uninitialized
# TSan's runtime cannot map its shadow memory on kernels with a large
# vm.mmap_rnd_bits (> 28); running with ASLR off (setarch -R) avoids that. Where
# setarch is refused (some containers), the suite runs without it.
NO_ASLR := $(shell setarch $$(uname -m) -R true 2>/dev/null && echo "setarch $$(uname -m) -R")

asan: deps test-deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DORDERFLOW_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS="$(SAN_CXXFLAGS)" -DORDERFLOW_SANITIZE=address,undefined
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j$(JOBS) --output-on-failure

tsan: deps test-deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DORDERFLOW_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS="$(SAN_CXXFLAGS)" -DORDERFLOW_SANITIZE=thread
	cmake --build build-tsan -j$(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  $(NO_ASLR) ctest -j$(JOBS) --output-on-failure

# Clang's thread-safety analysis: the locking rules written as annotations
# (GUARDED_BY, REQUIRES: engine/thread_annotations.h; empty under GCC) checked
# at compile time. The sources that define or instantiate annotated code
# (engine/, and the tests that instantiate Channel's and the pools' templates
# beyond what the engine uses) are compiled by clang for their diagnostics only
# (-fsyntax-only, no build folder) with -Wthread-safety -Werror=thread-safety.
# 33 s of CPU, 54 s on the shared 2-core machine; .ci/run runs it.
TSA_SOURCES = $(sort $(wildcard engine/*.cpp engine/stages/*.cpp)) \
  tests/engine/channel_test.cpp tests/engine/context_test.cpp tests/engine/worker_pool_test.cpp \
  tests/engine/block_pool_test.cpp tests/engine/stages_test.cpp
TSA_FLAGS = -std=c++20 -fsyntax-only -Wthread-safety -Werror=thread-safety -I. \
  -DORDERFLOW_BIN='""' -DORDERFLOW_SOURCE_DIR='""'

tsa: deps
	$(call install_missing,clang)
	@echo "== clang -Wthread-safety on $(words $(TSA_SOURCES)) sources"
	@printf '%s\n' $(TSA_SOURCES) | xargs -P$(JOBS) -n4 clang++ $(TSA_FLAGS)
	@echo "== thread-safety analysis: clean"

fuzz-deps:
	$(call install_missing,$(FUZZ_PACKAGES))

# libFuzzer targets (tests/fuzz/*_fuzz.cpp), built with clang, ASan and UBSan;
# the libraries get coverage instrumentation too (-fsanitize=fuzzer-no-link).
# Each runs FUZZ_SECONDS from its seed corpus tests/fuzz/corpus/NAME/ and the
# inputs that once failed, tests/fuzz/regressions/NAME/ (both read only); what
# it learns goes to build-fuzz/corpus/NAME/, a crash to build-fuzz/artifacts/.
# `make fuzz-smoke` is the short run CI does.
FUZZ_TARGETS = ndjson csv json_array catalog
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 15

# The sanitizers are set here rather than with ORDERFLOW_SANITIZE so that one
# check can stay recoverable and be suppressed for one RapidJSON header
# (tests/fuzz/ubsan.supp says why); every other UBSan check is fatal.
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize-recover=pointer-overflow
build-fuzz/CMakeCache.txt:
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug \
	  -DORDERFLOW_TESTS=OFF -DORDERFLOW_BENCH=OFF -DORDERFLOW_FUZZ=ON \
	  -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(FUZZ_SAN)"

fuzz-build: deps fuzz-deps build-fuzz/CMakeCache.txt
	cmake --build build-fuzz -j$(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@set -e; mkdir -p build-fuzz/artifacts; \
	for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  mkdir -p build-fuzz/corpus/$$t; \
	  dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	  seen=; [ -d tests/fuzz/regressions/$$t ] && seen=tests/fuzz/regressions/$$t; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/tests/fuzz/ubsan.supp \
	  ./build-fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 \
	    -max_len=8192 -print_final_stats=1 $$dict -artifact_prefix=build-fuzz/artifacts/$$t- \
	    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t $$seen 2>build-fuzz/$$t.log \
	  || { tail -60 build-fuzz/$$t.log; echo "fuzz $$t FAILED (input in build-fuzz/artifacts/)"; exit 1; }; \
	  grep -aE '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' build-fuzz/$$t.log || true; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

# Google Benchmark programs (bench/*_bench.cpp): channel vs mutex+deque, the
# pipeline vs the sequential core, the five stores under contention.
bench: build
	./$(BUILD)/channel_bench
	./$(BUILD)/pipeline_bench
	./$(BUILD)/store_bench

# End to end against baseline_sequential, wc -l and awk, with the performance
# targets checked (a few minutes; needs /usr/bin/time: apt-get install time).
bench-e2e: build
	bench/e2e.sh

# Baskets (10% of 3 items over 64 products) against the same records as
# single-item orders, per store, alternating runs; the >= 0.5x target checked
# (docs/baskets.md).
bench-baskets: build
	bench/baskets.sh

# A 3-node NATS JetStream cluster on 127.0.0.1 (free ports, a temporary folder):
# submit + 3 x serve + results on a generated stream, compared with process,
# both throughputs printed; everything stopped and removed (docs/nats.md).
nats-demo: build test-deps
	bench/nats-cluster.sh

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
