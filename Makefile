# orderflow — the two commands a fresh Debian 12 machine needs: `make run`, `make test`.
PREFIX ?= /usr/local
BUILD  ?= build
JOBS   ?= 2
CMAKE_FLAGS ?=

# Debian packages the build needs; `deps` installs whichever are missing.
PACKAGES = cmake g++ make libcli11-dev rapidjson-dev libgtest-dev libbenchmark-dev
# Extra packages for `make fuzz` (clang's libFuzzer runtime).
FUZZ_PACKAGES = clang libclang-rt-14-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test install clean asan tsan fuzz fuzz-deps bench bench-e2e

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@echo '== orderflow catalog'
	./$(BUILD)/orderflow catalog
	@echo '== orderflow process data/samples/orders.ndjson --summary -'
	./$(BUILD)/orderflow process data/samples/orders.ndjson --summary -

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/orderflow $(DESTDIR)$(PREFIX)/bin/orderflow

# Sanitizer builds run the whole suite. TSan needs ASLR off on some kernels (setarch -R).
asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DORDERFLOW_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS=-O1 -DORDERFLOW_SANITIZE=address,undefined
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j$(JOBS) --output-on-failure

tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DORDERFLOW_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS=-O1 -DORDERFLOW_SANITIZE=thread -DORDERFLOW_TSAN=ON
	cmake --build build-tsan -j$(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  setarch $$(uname -m) -R ctest -j$(JOBS) --output-on-failure

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
