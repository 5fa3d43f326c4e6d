"""A noisy circuit and zero-noise extrapolation: depolarizing noise after every gate shrinks
<Z0 Z1>; running at amplified noise (folded gates) and extrapolating back to zero recovers it.

    /usr/bin/python3 examples/noisy_zne.py
"""
import numpy as np

from tangle import algo
import tangle as tg

c = tg.Circuit(2)
c.ry(0.9, 0).cnot(0, 1).rx(-0.4, 1).cnot(1, 0).ry(1.3, 1)
zz = tg.Z(0) @ tg.Z(1)
noise = tg.NoiseModel().add(tg.NoiseChannel.depolarizing(0.02))   # after every gate, every wire

exact = c.expval(zz)                             # no inputs: one sample, a scalar
noisy = c.expval(zz, noise=noise)                # the exact density matrix
for extrapolation in ("linear", "richardson", algo.NeuralExtrapolator(epochs=500)):
    got, details = algo.zne(c, zz, noise, scales=[1, 3, 5], extrapolation=extrapolation, return_details=True)
    name = getattr(extrapolation, "__name__", extrapolation)
    print(f"{name:>10}: mitigated {float(got):+.6f}  (values at scales {details['scales']}: {np.ravel(details['values'])})")
print(f"     exact: {exact:+.6f}\n     noisy: {noisy:+.6f}")
