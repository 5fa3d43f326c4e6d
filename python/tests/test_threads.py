"""Circuits, programs and quantum layers shared by Python threads and DataLoader workers.

The engine releases the GIL while it runs, so threads run circuits at the same time: each call
must give what it gives alone (the C++ side is pinned by tests/unit/concurrency_test.cpp and the
ThreadSanitizer build).
"""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

import tangle as tg

OBS = [tg.Z(0), tg.Z(1) @ tg.Z(2), 0.5 * tg.X(3)]
NOISE = tg.NoiseModel().add(tg.NoiseChannel.depolarizing(0.02))


def circuit():
    c = tg.Circuit(6)
    c.angle_embedding(c.inputs(6), rotation="Y")
    c.strongly_entangling(c.weights((3, 6, 3)))
    return c


def test_threads_sharing_a_circuit_get_the_single_thread_results():
    c = circuit()
    x = np.random.default_rng(0).uniform(-1, 1, (64, 6))
    w = c.initial_weights(1)
    want = c.expval(OBS, x, w, threads=1)
    noisy_want = c.expval(OBS, x, w, threads=1, noise=NOISE)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda k: c.expval(OBS, x, w, threads=1 + k % 2), range(12)))
        noisy = list(pool.map(lambda k: c.expval(OBS, x, w, threads=1, noise=NOISE), range(8)))
    for g in got:
        np.testing.assert_array_equal(g, want)
    for g in noisy:
        np.testing.assert_array_equal(g, noisy_want)


def test_threads_sharing_a_quantum_layer_get_the_same_values_and_gradients():
    layer = tg.QuantumLayer(circuit(), OBS, seed=3, dtype=torch.float64, threads=1)
    x = torch.rand(32, 6, dtype=torch.float64)

    def value_and_grad(_):
        xi = x.clone().requires_grad_(True)
        y = layer(xi)
        (gx,) = torch.autograd.grad(y.sum(), xi)
        return y.detach(), gx

    want = value_and_grad(None)
    with ThreadPoolExecutor(4) as pool:
        for y, gx in pool.map(value_and_grad, range(8)):
            assert torch.equal(y, want[0])
            assert torch.equal(gx, want[1])


class _Expvals(torch.utils.data.Dataset):
    """Each item runs the shared circuit on one sample, in a DataLoader worker process."""

    def __init__(self, c, x, w):
        self.c, self.x, self.w = c, x, w

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.as_tensor(self.c.expval(OBS, self.x[i:i + 1], self.w))


def test_dataloader_workers_run_a_circuit_made_in_the_parent():
    c = circuit()
    x = np.random.default_rng(2).uniform(-1, 1, (40, 6))
    w = c.initial_weights(0)
    want = c.expval(OBS, x, w)  # the parent runs the engine (its thread pool) before the fork
    loader = torch.utils.data.DataLoader(_Expvals(c, x, w), batch_size=8, num_workers=2)
    got = torch.cat(list(loader)).reshape(len(x), -1).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)  # one sample per call: other lanes
