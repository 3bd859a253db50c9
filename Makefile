# ctorch: the commands a newcomer and CI run. CMake does the building.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local
PY         ?= /usr/bin/python3

# Debian packages the build, the tests and the fixtures need.
DEB_PACKAGES = cmake make gcc pkg-config libopenblas-openmp-dev libdnnl-dev zlib1g-dev libcjson-dev libcmocka-dev libstb-dev libzip-dev dataset-fashion-mnist \
               clang libclang-rt-14-dev valgrind python3 binutils

.PHONY: all deps build test test-sanitize test-tsan demo examples bench install parity-cases clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCT_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# Threads sharing weights for forward and backward, drawing random numbers and making views
# of one tensor, under ThreadSanitizer; it must report nothing. One OpenMP/OpenBLAS thread:
# libgomp's pool is not instrumented and would give false reports.
TSAN_FLAGS = -fsanitize=thread -g -O1
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$(TSAN_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread >/dev/null
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target test_sharing
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	  $(TSAN_BUILD)/tests/test_sharing

# The README's first command: train the shipped CNN on Fashion-MNIST (dataset-fashion-mnist,
# installed by deps) for a few epochs, with the progress bar and each epoch's test accuracy.
DEMO_EPOCHS ?= 3
DEMO_OUT    ?= demo-run
demo: deps build
	$(BUILD)/ctorch train --model models/fashion_cnn.json --data fashion-mnist --epochs $(DEMO_EPOCHS) --out $(DEMO_OUT)

# The seeds' tensor and autograd examples, in C, printing what the seeds print.
examples: deps build
	@for e in $(BUILD)/example_*; do echo "== $$e"; $$e || exit 1; done

# C benchmarks beside the same workloads in PyTorch (when python3-torch is installed).
# The benchmarks run on a link-time-optimised build of their own (CMakeLists.txt, CT_LTO).
BENCH_BUILD ?= build-bench
bench: deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DCT_LTO=ON -DCT_BUILD_TESTS=OFF >/dev/null
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target $(patsubst bench/%.c,bench_%,$(wildcard bench/*.c))
	./bench/run.sh $(BENCH_BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Regenerate the parity fixtures with Debian's PyTorch (apt-get install python3-torch); the
# conformance cases from PyTorch's own module tests ask the built library which layers it has.
parity-cases: build
	$(PY) tools/parity/gen.py tests/parity/cases
	$(PY) tools/parity/gen_common_nn.py tests/parity/cases/common_nn --lib $(BUILD)/libctorch.so

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(DEMO_OUT)
