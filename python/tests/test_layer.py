"""QuantumLayer: autograd (gradcheck), agreement with the numpy-level API, batch sizes, dtypes,
state_dict, training a hybrid model, and torch.save/torch.load in a fresh process."""

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

import tangle as tg


def make_circuit(n=3):
    c = tg.Circuit(n)
    x = c.inputs(n)
    c.angle_embedding(x, rotation="Y")
    c.strongly_entangling(c.weights((2, n, 3)))
    s = c.weights(2)
    c.crx(x[0] * s[0] + s[1], 0, n - 1)
    c.rzz(0.5 * x[1] * x[2], 1, 2)
    return c


def make_readouts(n=3):
    return [tg.Z(q) for q in range(n)] + [tg.Probs([0, 1]), 0.5 * tg.X(0) @ tg.Y(1) - 0.2,
                                          tg.Projector([1, 2], [1, 0])]


def test_gradcheck_function_in_inputs_and_weights():
    layer = tg.QuantumLayer(make_circuit(), make_readouts(), dtype=torch.float64)
    torch.manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    w = (torch.rand(layer.program.n_weights, dtype=torch.float64) * 6).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x, w: tg.quantum_apply(layer.program, x, w), (x, w), eps=1e-6, atol=1e-7)


def test_gradcheck_layer_in_inputs_and_weights_parameter():
    layer = tg.QuantumLayer(make_circuit(), make_readouts(), seed=3, dtype=torch.float64)
    x = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
    # gradcheck perturbs the parameter in place, so the layer sees each perturbation.
    assert torch.autograd.gradcheck(lambda x, w: layer(x), (x, layer.weights), eps=1e-6, atol=1e-7)


def test_backward_is_the_cpp_autograd_function():
    layer = tg.QuantumLayer(make_circuit(), make_readouts())
    y = layer(torch.rand(5, 3))
    assert "QuantumFunction" in y.grad_fn.name()


def test_layer_matches_the_numpy_api_forward_and_backward():
    c, rs = make_circuit(), make_readouts()
    layer = tg.QuantumLayer(c, rs, seed=7, dtype=torch.float64)
    np.testing.assert_array_equal(layer.weights.detach().numpy(), c.initial_weights(7))
    x = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    y = layer(x)
    assert y.shape == (6, layer.n_outputs) and layer.n_outputs == 3 + 4 + 1 + 1
    np.testing.assert_allclose(y.detach().numpy(), c.run(rs, x, layer.weights), atol=1e-12)
    g = torch.randn_like(y)
    (y * g).sum().backward()
    dw, dx = c.vjp(rs, x, layer.weights, g)
    np.testing.assert_allclose(layer.weights.grad.numpy(), dw, atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), dx, atol=1e-10)


@pytest.mark.parametrize("batch", [1, 1000])
def test_batch_sizes(batch):
    c, rs = make_circuit(), make_readouts()
    layer = tg.QuantumLayer(c, rs, dtype=torch.float64)
    x = torch.rand(batch, 3, dtype=torch.float64, requires_grad=True)
    y = layer(x)
    assert y.shape == (batch, layer.n_outputs)
    np.testing.assert_allclose(y.detach().numpy(), c.run(rs, x, layer.weights), atol=1e-12)
    y.sum().backward()
    assert x.grad.shape == (batch, 3) and torch.isfinite(x.grad).all()
    # One sample without a batch dimension gives outputs without one.
    y1 = layer(x[0].detach())
    assert y1.shape == (layer.n_outputs,)
    torch.testing.assert_close(y1, y[0].detach())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_precision_follows_the_input_dtype(dtype):
    c, rs = make_circuit(), make_readouts()
    layer = tg.QuantumLayer(c, rs)  # parameter in torch's default dtype (float32)
    assert layer.weights.dtype == torch.float32
    x = torch.rand(8, 3, dtype=dtype, requires_grad=True)
    y = layer(x)
    assert y.dtype == dtype
    exact = c.run(rs, x.detach().double(), layer.weights.detach().double())
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), exact, atol=tol)
    y.sum().backward()
    assert layer.weights.grad.dtype == torch.float32 and x.grad.dtype == dtype
    dw, _ = c.vjp(rs, x.detach().double(), layer.weights.detach().double())
    np.testing.assert_allclose(layer.weights.grad.numpy(), dw, atol=1e-4 if dtype == torch.float32 else 1e-6)


def test_results_do_not_depend_on_threads():
    c, rs = make_circuit(), make_readouts()
    x = torch.rand(64, 3, dtype=torch.float64)
    y1 = tg.QuantumLayer(c, rs, threads=1)(x)
    y0 = tg.QuantumLayer(c, rs, threads=0)(x)
    assert torch.equal(y0, y1)


def test_state_dict_round_trip():
    c, rs = make_circuit(), make_readouts()
    a = tg.QuantumLayer(c, rs, seed=1)
    b = tg.QuantumLayer(c, rs, seed=2)
    assert list(a.state_dict()) == ["weights"]
    x = torch.rand(4, 3)
    assert not torch.equal(a(x), b(x))
    b.load_state_dict(a.state_dict())
    assert torch.equal(a(x), b(x))


def test_layer_keeps_a_copy_of_the_circuit():
    c, rs = make_circuit(), make_readouts()
    layer = tg.QuantumLayer(c, rs)
    x = torch.rand(2, 3)
    before = layer(x)
    c.x(0)
    assert torch.equal(layer(x), before)
    assert len(layer.circuit.ops) == len(c.ops) - 1


def test_layer_errors_arrive_as_value_errors():
    layer = tg.QuantumLayer(make_circuit(), make_readouts())
    with pytest.raises(ValueError, match="width 2 but the circuit takes 3 inputs"):
        layer(torch.rand(4, 2))
    with pytest.raises(ValueError, match="not float32 or float64"):
        layer(torch.ones(4, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match="not finite"):
        layer(torch.tensor([[0.1, float("nan"), 0.2]]))


def hybrid_model(seed=0, n=6, layers=3):
    torch.manual_seed(seed)
    c = tg.Circuit(n)
    x = c.inputs(n)
    c.angle_embedding(x, rotation="Y")
    c.strongly_entangling(c.weights((layers, n, 3)))
    q = tg.QuantumLayer(c, [tg.Z(i) for i in range(n)], seed=seed)
    return torch.nn.Sequential(torch.nn.Linear(64, n), torch.nn.Tanh(), q, torch.nn.Linear(n, 10))


def test_hybrid_model_trains_on_digits():
    images, labels = tg.datasets.digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64 and set(labels) == set(range(10))
    x = torch.from_numpy(images.reshape(-1, 64) / 16.0)
    y = torch.from_numpy(labels)
    model = hybrid_model()
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    loss_fn = torch.nn.CrossEntropyLoss()
    with torch.no_grad():
        initial = loss_fn(model(x), y).item()
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(0)
    for epoch in range(10):
        for idx in torch.randperm(len(y), generator=gen).split(64):
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        final = loss_fn(model(x), y).item()
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert final < 0.4 * initial, (initial, final)
    assert accuracy > 0.8
    assert elapsed < 30  # about 1 s on 2 cores


def test_torch_save_and_load_in_a_fresh_process(tmp_path):
    model = hybrid_model(seed=5)
    x = torch.rand(7, 64)
    with torch.no_grad():
        want = model(x)
    torch.save(model, tmp_path / "model.pt")
    torch.save(x, tmp_path / "x.pt")
    script = textwrap.dedent(f"""
        import torch
        model = torch.load({str(tmp_path / 'model.pt')!r})
        x = torch.load({str(tmp_path / 'x.pt')!r})
        with torch.no_grad():
            torch.save(model(x), {str(tmp_path / 'y.pt')!r})
        print(type(model[2]).__module__, model[2].circuit.n_weights)
    """)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(tg.__file__)))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["tangle.layer", str(model[2].circuit.n_weights)]
    got = torch.load(tmp_path / "y.pt")
    assert torch.equal(got, want)
