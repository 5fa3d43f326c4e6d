#!/usr/bin/env bash
# `cmake --install` used from outside the source tree: install the build into a throw-away
# prefix, build examples/cpp as an outside project against it (find_package(tangle CONFIG)),
# run every example, and build one example again with pkg-config alone.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/tangle/sim/program.hpp include/tangle/torch/quantum_layer.hpp lib/libtangle_core.a \
         lib/cmake/tangle/tangleConfig.cmake lib/pkgconfig/tangle-core.pc; do
  [ -f "$prefix/$f" ] || { echo "install: $f missing under the prefix"; exit 1; }
done
# Nothing of the build tree may leak into the installed package.
if grep -rl -e "$build" -e "$src" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"; then
  echo "install: the package refers to the build or source tree"; exit 1
fi

cd "$work"
cmake -S "$src/examples/cpp" -B ex -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build ex -j "$(nproc)" >/dev/null

expect() {  # expect NAME PATTERN OUTPUT
  grep -q -e "$2" <<<"$3" || { echo "$1: expected '$2' in:"; echo "$3"; exit 1; }
}
out=$(ex/first_circuit);                          expect first_circuit "adjoint .* finite differences" "$out"
out=$(ex/read_qasm "$src/examples/data/ghz3.qasm"); expect read_qasm "P(c = 7) = 0.500000" "$out"
if ex/read_qasm "$work/missing.qasm" 2>err.txt; then echo "read_qasm accepted a missing file"; exit 1; fi
expect read_qasm "cannot open" "$(cat err.txt)"
out=$(ex/noisy_zne);                              expect noisy_zne "mitigated" "$out"
out=$(ex/vqe_h2 150);                             expect vqe_h2 "exact -1.137" "$out"
out=$(ex/hybrid_classifier 15);                   expect hybrid_classifier "test accuracy" "$out"

# pkg-config, no CMake: the core alone.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
g++ "$src/examples/cpp/first_circuit.cpp" -o first_circuit_pc $(pkg-config --cflags --libs tangle-core)
out=$(./first_circuit_pc);                        expect first_circuit_pc "adjoint .* finite differences" "$out"
echo "install: package, examples and pkg-config OK"
