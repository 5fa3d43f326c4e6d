"""Reading an OpenQASM 2 file: import, draw, run, and write it back out.

    /usr/bin/python3 examples/read_qasm.py [examples/data/ghz3.qasm]
"""
import sys
from pathlib import Path

import tangle as tg

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "data" / "ghz3.qasm")
c = tg.Circuit.from_qasm(path.read_text())      # ValueError naming the line on bad input
print(c.draw())
p = c.probs()                                     # no inputs: one sample, [2^n]
for state, prob in enumerate(p):
    if prob > 1e-12:
        print(f"P(|{state:0{c.n_qubits}b}>) = {prob:.6f}")
print(c.to_qasm())
