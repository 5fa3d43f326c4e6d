"""Every Python program in examples/ runs, with small sizes, so that no example can rot.

Each example is listed here with its arguments and a line its output must contain; an example
without an entry fails the test (add it here when you add it there). The C++ examples run in
tests/install/install_test.sh, built against an installed copy of the library."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tangle

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHARED_DATA = EXAMPLES.parent.parent / "shared" / "data"

# name: (arguments, a text the output must contain)
RUNS = {
    "first_circuit.py": ([], "d/dw finite difference"),
    "hybrid_classifier.py": (["--epochs", "2"], "epoch   2"),
    "read_qasm.py": ([str(EXAMPLES / "data" / "ghz3.qasm")], "P(c = 111) = 0.500000"),
    "noisy_zne.py": ([], "richardson: mitigated"),
    "vqe_h2.py": (["--iterations", "40"], "exact: E = -1.137284"),
    "zne_vqe.py": (["--seeds", "1", "--iterations", "10", "--out", "{tmp}"], "wrote"),
    "restaurant_vqc.py": (["--seeds", "1", "--epochs", "3", "--out", "{tmp}"], "vqc_aqgd_3"),
}


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(RUNS)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_example_runs(name, tmp_path):
    args, expected = RUNS[name]
    if name == "restaurant_vqc.py" and not (SHARED_DATA / "restaurant-reviews").is_dir():
        pytest.skip(f"the restaurant-reviews data set is not at {SHARED_DATA}")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    # From a throw-away directory: examples must not depend on the working directory.
    # The examples import the same package as this suite.
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(Path(tangle.__file__).resolve().parents[1])}
    r = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, f"{name} failed:\n{r.stdout}\n{r.stderr}"
    assert expected in r.stdout, f"{name}: {expected!r} not in:\n{r.stdout}"
