# Entry points. Every target installs what it needs first (scripts/bootstrap, idempotent).
BUILD   ?= build
ASAN    ?= build-asan
PYTHON  ?= /usr/bin/python3
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: bootstrap build python demo test test-asan bench clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DTANGLE_PYTHON=$(PYTHON) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# The Python extension is part of the main build (build/python/tangle).
python: build

# The main job: train the hybrid model on the embedded digits (defaults of `tangle models`).
demo: build
	$(BUILD)/tangle train --model hybrid
	@echo "compare runs: $(BUILD)/tangle report runs/ -o report.html"

# Every suite, then the core tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) test-asan

test-asan: bootstrap
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANGLE_SANITIZE=ON -DTANGLE_CORE_ONLY=ON
	cmake --build $(ASAN) -j $(JOBS)
	ctest --test-dir $(ASAN) --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/tangle bench

clean:
	rm -rf $(BUILD) $(ASAN)
