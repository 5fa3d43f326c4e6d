# Entry points. Every target installs what it needs first (scripts/bootstrap, idempotent).
BUILD   ?= build
ASAN    ?= build-asan
TSAN    ?= build-tsan
PYTHON  ?= /usr/bin/python3
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: bootstrap build python demo test test-asan bench docs clean

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

# Every suite, the API reference (warnings are errors), then every suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer with the fuzz targets fuzzing a few seconds each,
# and the engine's threads under ThreadSanitizer.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) docs
	$(MAKE) test-asan
	$(MAKE) test-tsan

# -O1: sanitizer builds check memory and undefined behaviour, not speed. The install tests (CMake
# package, pip wheel) check packaging and run in the release build only.
test-asan: bootstrap
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
	  -DTANGLE_SANITIZE=ON -DTANGLE_FUZZ=ON -DTANGLE_PYTHON=$(PYTHON)
	cmake --build $(ASAN) -j $(JOBS)
	ctest --test-dir $(ASAN) --output-on-failure -j $(JOBS) -LE install

# ThreadSanitizer needs an OpenMP runtime it understands: clang's libomp with its Archer tool
# (GCC's libgomp is not instrumented and reports its own barriers as races). Core only.
test-tsan: bootstrap
	CC=clang CXX=clang++ cmake -S . -B $(TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DTANGLE_TSAN=ON -DTANGLE_CORE_ONLY=ON
	cmake --build $(TSAN) -j $(JOBS) --target tangle_tsan_tests
	ctest --test-dir $(TSAN) --output-on-failure -j $(JOBS) -L tsan

bench: build
	$(BUILD)/tangle bench

# API reference: Doxygen over include/tangle into $(BUILD)/docs/cpp, Sphinx autodoc over the built
# package into $(BUILD)/docs/python. Any warning fails, an undocumented public name included:
# doxygen's WARN_AS_ERROR, sphinx's -W, and the coverage report (python.txt), which must be empty.
# -E: read every page each time, so a warning is raised again on the next run, not only the first.
docs: build
	mkdir -p $(BUILD)/docs
	( cat docs/api/Doxyfile; echo "OUTPUT_DIRECTORY = $(BUILD)/docs" ) | doxygen -
	PYTHONPATH=$(BUILD)/python $(PYTHON) -m sphinx -q -E -W --keep-going -b html \
	  -d $(BUILD)/docs/doctrees docs/api/python $(BUILD)/docs/python
	PYTHONPATH=$(BUILD)/python $(PYTHON) -m sphinx -q -E -W --keep-going -b coverage \
	  -d $(BUILD)/docs/doctrees docs/api/python $(BUILD)/docs/coverage
	@if [ -s $(BUILD)/docs/coverage/python.txt ]; then \
	  echo "docs: undocumented Python names ($(BUILD)/docs/coverage/python.txt):"; \
	  cat $(BUILD)/docs/coverage/python.txt; exit 1; fi

clean:
	rm -rf $(BUILD) $(ASAN) $(TSAN)
