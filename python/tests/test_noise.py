"""Channels from Python: the methods, the backends by name, density matrices, gradients, errors."""

import numpy as np
import pytest

import tangle as tg


def bell(p):
    c = tg.Circuit(2)
    c.h(0).cnot(0, 1).depolarizing(p, 0).depolarizing(p, 1)
    return c


def test_bell_state_under_depolarizing_noise():
    p = 0.1
    f = (1 - 4 * p / 3) ** 2
    c = bell(p)
    assert c.has_channels
    y = c.expval(tg.Z(0) * tg.Z(1), backend="density_matrix")
    assert abs(y - f) < 1e-12
    rho = c.density_matrix()
    assert rho.shape == (4, 4)
    assert abs(np.trace(rho) - 1) < 1e-12
    assert np.allclose(rho, rho.conj().T)
    est = c.expval(tg.Z(0) * tg.Z(1), backend="trajectories", trajectories=4000, seed=3)
    assert abs(est - f) < 0.05


def test_channel_methods_and_trainable_strength_gradient():
    c = tg.Circuit(1)
    w = c.weights(1)
    c.x(0).amplitude_damping(w[0], 0).phase_damping(0.2, 0).thermal_relaxation(1.0, 1.5, 0.1, 0).reset(0)
    c.bit_flip(0.1, 0).phase_flip(0.1, 0).pauli_channel(0.1, 0.1, 0.1, 0)
    c.generalized_amplitude_damping(0.1, 0.3, 0).kraus([np.eye(2)], [0])
    dw, _ = c.vjp(tg.Z(0), weights=[0.3], backend="density_matrix")
    assert dw.shape == (1,)
    assert abs(dw[0]) < 1e-12  # the reset makes the output independent of the damping


def test_clear_errors():
    c = tg.Circuit(1)
    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        c.depolarizing(1.5, 0)
    with pytest.raises(ValueError, match="not trace preserving"):
        c.kraus([np.eye(2), np.eye(2)], [0])
    with pytest.raises(ValueError, match="use backend density_matrix or trajectories"):
        bell(0.1).expval(tg.Z(0), backend="statevector")
