#!/usr/bin/env bash
# `pip install .` and `pip wheel .` used from outside the source tree: a throw-away virtual
# environment that sees Debian's torch and numpy (--system-site-packages), the package built by
# setup.py through the project's CMake (reusing BUILD_DIR, so nothing compiles twice), then
# `import tangle` from another directory, and an example run by the environment's interpreter.
#   pip_test.sh PYTHON BUILD_DIR SOURCE_DIR
set -euo pipefail
python=$1
build=$(cd "$2" && pwd)
src=$(cd "$3" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv --system-site-packages "$work/venv"
venv_python=$work/venv/bin/python
export TANGLE_CMAKE_BUILD_DIR=$build PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
(cd "$src" && "$venv_python" -m pip install -q --no-build-isolation .)
(cd "$src" && "$venv_python" -m pip wheel -q --no-build-isolation --no-deps -w "$work/wheels" .)

cd "$work"
where=$("$venv_python" -c "import tangle; print(tangle.__file__)")
case $where in
  "$work/venv/"*) ;;
  *) echo "pip: import tangle found $where, not the installed copy"; exit 1 ;;
esac
"$venv_python" - <<'PY'
import numpy as np, torch, tangle as tg
c = tg.Circuit(2)
c.angle_embedding(c.inputs(2), rotation="Y").cnot(0, 1)
w = c.weights(2)
c.ry(w[0], 0).ry(w[1], 1)
layer = tg.QuantumLayer(c, [tg.Z(0), tg.Z(1)])
y = layer(torch.rand(5, 2, dtype=torch.float64))
y.sum().backward()
assert y.shape == (5, 2) and layer.weights.grad is not None
print("pip: installed package OK", tg.__file__)
PY
out=$("$venv_python" "$src/examples/first_circuit.py")
grep -q "d/dw finite difference" <<<"$out" || { echo "pip: first_circuit.py printed:"; echo "$out"; exit 1; }

wheel=$(ls "$work"/wheels/tangle-*.whl)
"$venv_python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["tangle/__init__.py", "tangle/circuit.py", "tangle/algo.py"]
missing = [n for n in need if n not in names] + ([] if any(n.startswith("tangle/_tangle") and n.endswith(".so") for n in names) else ["tangle/_tangle*.so"])
assert not missing, f"the wheel lacks {missing}: {names}"
print("pip: wheel OK", sys.argv[1].rsplit("/", 1)[-1])
PY
