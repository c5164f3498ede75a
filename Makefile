# The two commands of the README, and the build variants they rest on (README "Build").
.PHONY: run test build release asan fuzz bench deps clean

JOBS ?= $(shell nproc)
# ccache needs a writable cache even where HOME is unset (CI runs with a trimmed environment).
export CCACHE_DIR ?= $(if $(HOME),$(HOME)/.cache/ccache,$(CURDIR)/build/.ccache)
PORT_BASE ?= 10000

run: release
	./build/release/src/harbor serve --demo ./var --port-base $(PORT_BASE)

test: build
	cd build/debug && ctest --output-on-failure -j $(JOBS) --timeout 600

# The test and sanitizer builds compile each module's files in batches (CMake's unity build):
# headers are parsed and inline code compiled once per batch rather than once per file, which
# halves a cold build on two cores (the CI budget). Anonymous-namespace names must therefore be
# unique within a module. Incremental work on one file is quicker in build/bench or a plain build.
UNITY = -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16

build: deps
	cmake -S . -B build/debug -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(UNITY)
	cmake --build build/debug -j $(JOBS)

release: deps
	cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DHARBOR_BENCH=OFF
	cmake --build build/release -j $(JOBS) --target harbor

# ASan + UBSan with clang: the unit and protocol tests again, and each fuzz target briefly
# (the same build: libFuzzer needs clang, and the sanitizers make its findings crashes).
# 10 s per target keeps CI under its 30 minutes with 20 targets; `make fuzz` runs longer.
asan: deps
	cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHARBOR_SANITIZE=ON $(UNITY) \
	    -DHARBOR_FUZZ=ON -DHARBOR_BENCH=OFF -DCMAKE_CXX_COMPILER=clang++-14 -DHARBOR_FUZZ_SECONDS=10
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ctest --output-on-failure -j $(JOBS) --timeout 900 -L 'unit|protocol|fuzz'

# Longer fuzzing on the sanitizer build: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 120
fuzz: deps
	cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHARBOR_SANITIZE=ON $(UNITY) \
	    -DHARBOR_FUZZ=ON -DHARBOR_BENCH=OFF -DCMAKE_CXX_COMPILER=clang++-14 \
	    -DHARBOR_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ctest --output-on-failure -L fuzz

# Every benchmark of bench/, Harbor against its peers in the same run, one table of the ratios
# (bench/run_all.py; docs/benchmarks.md keeps the latest). A full run takes about half an hour and
# wants a quiet machine; options through BENCH_ARGS: make bench BENCH_ARGS="--quick --only dkim"
# (also --json FILE, --markdown). The peers: scripts/deps (Dovecot, GMime, dkimpy, OpenDKIM)
# and scripts/deps-bench (Postfix, Dovecot's POP3).
BENCH_ARGS ?=
BENCH_TARGETS = harbor imap_load bench_group_commit bench_mime_parse bench_text_search bench_dkim
bench: deps
	if [ -x scripts/deps-bench ]; then ./scripts/deps-bench; fi
	cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHARBOR_BENCH=ON
	cmake --build build/bench -j $(JOBS) --target $(BENCH_TARGETS)
	/usr/bin/python3 bench/run_all.py --build build/bench $(BENCH_ARGS)

deps:
	./scripts/deps

clean:
	rm -rf build
