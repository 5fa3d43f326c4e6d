"""Reading an OpenQASM 2 file as other tools write it: import, draw, run what its final
measurements measure, and write the circuit back out.

    /usr/bin/python3 examples/read_qasm.py [examples/data/ghz3.qasm]
"""
import sys
from pathlib import Path

import tangle as tg

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "data" / "ghz3.qasm")
c, measured = tg.read_qasm(path.read_text())     # ValueError naming the line on bad input
print(c.draw())
# The measured qubits, highest classical bit first: index i is the classical value i.
for value, prob in enumerate(c.probs(measured)):   # no inputs: one sample
    if prob > 1e-12:
        print(f"P(c = {value:0{len(measured)}b}) = {prob:.6f}")
print(c.to_qasm())
