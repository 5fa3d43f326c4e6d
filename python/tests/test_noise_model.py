"""Noise models from Python: rules and readout error as in C++, the JSON form, ``noise=`` and the
backend options on every run method and on ``QuantumLayer``, the scale factor, pickling, errors."""

import pickle

import numpy as np
import pytest
import torch

import tangle as tg


def small_circuit():
    c = tg.Circuit(2)
    x = c.inputs(2)
    w = c.weights(3)
    c.ry(x[0], 0).rx(w[0], 1).cnot(0, 1).ry(w[1] * x[1], 1).crz(w[2], 1, 0)
    return c


def small_noise(channels=True):
    n = tg.NoiseModel()
    if channels:
        n.add(tg.NoiseChannel.depolarizing(0.05))
        n.add(tg.NoiseChannel.two_qubit_depolarizing(0.04), gates=["CNOT"], wires=[0, 1])
    n.add_readout_error([[0.97, 0.05], [0.03, 0.95]], wire=0)
    n.add_readout_error(tg.ReadoutConfusion.flips(0.1, 0.2), wire=1)
    return n


X = np.array([[0.3, -0.4], [1.1, 0.2], [-0.7, 0.9]])
W = np.array([0.5, -1.2, 0.8])


def misread_probs(rho, noise):
    """Probabilities of both wires' misread bits from a density matrix, by numpy."""
    true = np.real(np.diagonal(rho, axis1=-2, axis2=-1))
    conf = np.kron(noise.readout_error(0).matrix, noise.readout_error(1).matrix)
    return true @ conf.T


def test_rules_follow_the_gates_and_drawings_show_channels_with_strengths():
    noise = tg.NoiseModel().add(tg.NoiseChannel.bit_flip(0.02), gates="one_qubit")
    noise.add(tg.NoiseChannel.phase_damping(0.1), gates="cnot", wires=[0, 1])
    noisy = noise.apply(small_circuit())
    assert isinstance(noisy, tg.Circuit)
    assert [op.gate for op in noisy.ops] == ["RY", "BitFlip", "RX", "BitFlip", "CNOT", "PhaseDamping",
                                             "PhaseDamping", "RY", "BitFlip", "CRZ"]
    assert noisy.n_weights == 3 and noisy.n_inputs == 2
    text = noisy.draw()
    assert "BitFlip(0.02)" in text and "PhaseDamping(0.10)" in text
    qasm = noisy.to_qasm(X[0], W)
    assert qasm.count("// channel ") == 5
    assert [r.channel.channel for r in noise.rules] == ["bit_flip", "phase_damping"]
    assert noise.rules[0].gates == "one_qubit" and noise.rules[1].gates == ["CNOT"]


def test_json_round_trip_and_errors_naming_the_key():
    noise = small_noise()
    noise.add(tg.NoiseChannel.kraus_set([np.eye(2) * np.sqrt(0.5), np.array([[0, 1], [1, 0]]) * np.sqrt(0.5)]),
              gates=["H"])
    back = tg.NoiseModel.from_json(noise.to_json())
    assert back == noise and back.to_json() == noise.to_json()
    with pytest.raises(ValueError, match=r"rules\[0\].strengths\[0\]: \"x\" is not a number"):
        tg.NoiseModel.from_json('{"rules": [{"channel": "bit_flip", "strengths": ["x"]}]}')
    with pytest.raises(ValueError, match=r"rules\[0\]\.channel: \"flip\" is not a channel"):
        tg.NoiseModel.from_json('{"rules": [{"channel": "flip", "strengths": [0.1]}]}')
    with pytest.raises(ValueError, match="not valid JSON"):
        tg.NoiseModel.from_json("{")


def test_noise_on_every_run_method_equals_the_rewritten_circuit_and_the_misread_bits():
    c, noise = small_circuit(), small_noise()
    rho = c.density_matrix(X, W, noise=noise)
    np.testing.assert_allclose(rho, noise.apply(c).density_matrix(X, W), atol=1e-12)
    p = c.probs(inputs=X, weights=W, noise=noise)
    np.testing.assert_allclose(p, misread_probs(rho, noise), atol=1e-12)
    z0 = c.expval(tg.Z(0), X, W, noise=noise)
    np.testing.assert_allclose(z0, p @ np.array([1, 1, -1, -1]), atol=1e-12)
    np.testing.assert_allclose(c.run([tg.Z(0), tg.Probs([0, 1])], X, W, noise=noise), np.c_[z0, p], atol=1e-12)
    # Without the noise model the values differ (the map is not a no-op).
    assert np.abs(c.expval(tg.Z(0), X, W) - z0).max() > 1e-2
    # Gradients: adjoint, parameter-shift and finite differences of the same noisy outputs.
    g = np.array([[1.0], [-0.5], [0.25]])
    dw, dx = c.vjp([tg.Z(0)], X, W, g, noise=noise)
    dw_ps, dx_ps = c.param_shift([tg.Z(0)], X, W, g, noise=noise)
    dw_fd, dx_fd = c.finite_diff([tg.Z(0)], X, W, g, noise=noise)
    np.testing.assert_allclose(dw_ps, dw, atol=1e-10)
    np.testing.assert_allclose(dx_ps, dx, atol=1e-10)
    np.testing.assert_allclose(dw_fd, dw, atol=1e-7)
    jw, jx = c.jacobian(tg.Z(0), X, W, noise=noise)
    np.testing.assert_allclose(g[:, 0] @ jw, dw, atol=1e-12)
    # Samples misread their bits: frequencies within 4 standard errors of the misread probabilities.
    shots = 20000
    s = c.sample(shots, inputs=X[0], weights=W, seed=4, noise=noise)
    freq = np.bincount(s, minlength=4) / shots
    assert np.all(np.abs(freq - p[0]) <= 4 * np.sqrt(p[0] * (1 - p[0]) / shots))
    est = c.expval(tg.Z(0), X[0], W, shots=shots, seed=5, noise=noise)
    assert abs(est - z0[0]) <= 4 * np.sqrt((1 - z0[0] ** 2) / shots)


def test_backend_trajectories_and_seed_reach_every_run_method():
    c, noise = small_circuit(), small_noise()
    kw = dict(backend="trajectories", trajectories=300, noise=noise)
    runs = {
        "run": lambda s: c.run(tg.Z(1), X, W, seed=s, **kw),
        "expval": lambda s: c.expval(tg.Z(1), X, W, seed=s, **kw),
        "probs": lambda s: c.probs(None, X, W, seed=s, **kw),
        "sample": lambda s: c.sample(50, None, X, W, seed=s, **kw),
        "vjp": lambda s: c.vjp(tg.Z(1), X, W, seed=s, **kw)[0],
        "jacobian": lambda s: c.jacobian(tg.Z(1), X, W, seed=s, **kw)[0],
        "param_shift": lambda s: c.param_shift(tg.Z(1), X, W, seed=s, **kw)[0],
        "finite_diff": lambda s: c.finite_diff(tg.Z(1), X, W, seed=s, step=1e-3, **kw)[0],
    }
    for name, f in runs.items():
        a, b, other = f(1), f(1), f(2)
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert not np.array_equal(a, other), name
    exact = c.expval(tg.Z(1), X, W, backend="density_matrix", noise=noise)
    est = c.expval(tg.Z(1), X, W, backend="trajectories", trajectories=4000, seed=3, noise=noise)
    assert np.all(np.abs(est - exact) < 0.06)


def test_scale_factor_is_the_noise_knob():
    c = tg.Circuit(1)
    c.x(0)
    noise = tg.NoiseModel().add(tg.NoiseChannel.depolarizing(0.09))
    for f in (0.0, 1.0, 2.0, 3.0):
        y = c.expval(tg.Z(0), noise=noise.scaled(f))
        assert abs(y + (1 - 4 * 0.09 * f / 3)) < 1e-12
    assert noise.scaled(2.0).scale == 2.0
    half = tg.NoiseModel().add(tg.NoiseChannel.depolarizing(0.5))
    with pytest.raises(ValueError, match=r"noise rule 0 \(Depolarizing\(0.5\) after every gate on every wire\) "
                                         r"scaled by 4: Depolarizing: p = 2 is outside"):
        half.scaled(4)


def test_documented_readout_error_example():
    # Aer's tutorial error: P(1|0) = 0.05, P(0|1) = 0.1 on both wires of a Bell state.
    bell = tg.Circuit(2)
    bell.h(0).cnot(0, 1)
    noise = tg.NoiseModel().add_readout_error([[0.95, 0.1], [0.05, 0.9]])
    np.testing.assert_allclose(bell.probs(noise=noise), [0.45625, 0.06875, 0.06875, 0.40625], atol=1e-12)
    assert abs(bell.expval(tg.Z(0) @ tg.Z(1), noise=noise) - 0.725) < 1e-12


def test_quantum_layer_with_noise_trains_checks_gradients_and_pickles():
    c, noise = small_circuit(), small_noise()
    layer = tg.QuantumLayer(c, [tg.Z(0), tg.Probs([1])], dtype=torch.float64, backend="density_matrix", noise=noise)
    x = torch.tensor(X, requires_grad=True)
    y = layer(x)
    np.testing.assert_allclose(y.detach().numpy(),
                               c.run([tg.Z(0), tg.Probs([1])], X, layer.weights.detach().numpy(), noise=noise),
                               atol=1e-12)
    assert torch.autograd.gradcheck(lambda x, w: layer(x), (x, layer.weights), eps=1e-6, atol=1e-7)
    # The layer keeps its own copy of the model.
    noise.add(tg.NoiseChannel.reset(), gates="all")
    np.testing.assert_allclose(layer(x).detach().numpy(), y.detach().numpy(), atol=1e-14)
    again = pickle.loads(pickle.dumps(layer))
    np.testing.assert_allclose(again(x).detach().numpy(), y.detach().numpy(), atol=1e-14)
    assert again.noise == layer.noise and again.backend == "density_matrix"
    # Trajectories: the seed makes the estimate reproducible.
    t = tg.QuantumLayer(c, [tg.Z(0)], dtype=torch.float64, backend="trajectories", trajectories=200,
                        trajectory_seed=8, noise=small_noise())
    torch.testing.assert_close(t(x), t(x), rtol=0, atol=0)


def test_pickling_noise_models_and_noisy_programs():
    noise = small_noise()
    assert pickle.loads(pickle.dumps(noise)) == noise
    prog = small_circuit().program([tg.Z(0)], noise)
    back = pickle.loads(pickle.dumps(prog))
    assert back.noise == noise
    assert len(back.circuit.ops) == len(prog.circuit.ops)
    opts = tg.RunOptions(backend="density_matrix")
    np.testing.assert_array_equal(tg._tangle.forward(back, X, W, opts), tg._tangle.forward(prog, X, W, opts))


def test_clear_errors():
    c = small_circuit()
    with pytest.raises(ValueError, match="noise= takes a tangle.NoiseModel"):
        c.expval(tg.Z(0), X, W, noise={"rules": []})
    with pytest.raises(ValueError, match="reads wire 0, which has a readout error"):
        c.run(tg.Hermitian(np.diag([1.0, -1.0]), [0]), X, W, noise=small_noise())
    with pytest.raises(ValueError, match="a channel on 2 wires goes only after gates on 2 wires"):
        tg.NoiseModel().add(tg.NoiseChannel.two_qubit_depolarizing(0.1), gates="all")
    with pytest.raises(ValueError, match="\"CX\" is not a gate name"):
        tg.NoiseModel().add(tg.NoiseChannel.depolarizing(0.1), gates=["CX"])
    with pytest.raises(ValueError, match="unknown channel \"dephasing\""):
        tg.NoiseChannel("dephasing", [0.1])
    with pytest.raises(ValueError, match="column 0 \\(true 0\\) sums to 1.1"):
        tg.NoiseModel().add_readout_error([[0.9, 0.1], [0.2, 0.9]])
