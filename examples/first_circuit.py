"""A first circuit: inputs and weights, a batch of samples, expectation values and their exact
gradient by the adjoint method, checked against finite differences.

    /usr/bin/python3 examples/first_circuit.py
"""
import numpy as np

import tangle as tg

c = tg.Circuit(2)
x, w = c.inputs(2), c.weights(3)          # per-sample features; weights shared by the batch
c.ry(x[0], 0).ry(x[1], 1).cnot(0, 1).rx(w[0], 0).rz(w[1], 1).cnot(1, 0).ry(w[2], 1)
zz = tg.Z(0) @ tg.Z(1)
print(c.draw([zz]))

inputs = np.array([[0.1, 0.2], [0.7, -0.3], [1.4, 0.5], [-2.0, 0.9]])   # a batch of 4
weights = np.array([0.3, -0.8, 1.1])
print("<Z0 Z1> per sample:", c.expval(zz, inputs, weights))

# The gradient of the batch's sum: w.r.t. the weights (summed) and the inputs (per sample).
d_weights, d_inputs = c.vjp(zz, inputs, weights)
check, _ = c.vjp(zz, inputs, weights, method="finite_diff")
print("d/dw adjoint          ", d_weights)
print("d/dw finite difference", check)
assert np.allclose(d_weights, check, atol=1e-6)
print("d/dx per sample:\n", d_inputs)
