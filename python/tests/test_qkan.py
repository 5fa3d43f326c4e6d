"""tangle.QKANLayer, HQKAN and the classical twins from Python: the C++ DARUAN op against the
plain-torch gate-by-gate reference, gradcheck, layer extension, parameter counts, bad input."""

import pytest
import torch

import tangle as tg
from tangle import qkan


def randomized(layer, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn_like(p))
    return layer


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
def test_layer_matches_reference(dtype, tol):
    layer = randomized(tg.QKANLayer(3, 4, reps=3, postact_trainable=True, dtype=dtype), 1)
    x = torch.randn(13, 3, dtype=dtype)
    phi = qkan.daruan_torch_reference(x, layer.theta, layer.pre_w, layer.pre_b)
    want = ((phi + layer.post_b) * layer.post_w).sum(2) + torch.nn.functional.silu(x) @ layer.base_w.t()
    with torch.no_grad():
        assert (layer(x) - want).abs().max().item() < tol


def test_gradcheck():
    torch.manual_seed(2)
    d = torch.float64
    x = torch.randn(5, 2, dtype=d, requires_grad=True)
    theta = torch.randn(3, 2, 3, 2, dtype=d, requires_grad=True)
    pre_w = torch.randn(3, 2, 2, dtype=d, requires_grad=True)
    pre_b = torch.randn(3, 2, 2, dtype=d, requires_grad=True)
    coef = torch.randn(3, 2, dtype=d, requires_grad=True)
    assert torch.autograd.gradcheck(qkan.daruan_apply, (x, theta, pre_w, pre_b, coef))


@pytest.mark.parametrize("group", [0, 2])
def test_extension_keeps_outputs(group):
    layer = randomized(tg.QKANLayer(3, 2, reps=2, group=group, dtype=torch.float64), 3)
    x = torch.randn(9, 3, dtype=torch.float64)
    with torch.no_grad():
        before = layer(x)
        layer.extend_reps(5)
        after = layer(x)
    assert layer.reps == 5 and layer.theta.shape[-2] == 6
    assert (after - before).abs().max().item() < 1e-13
    # The new RZ's commute with the readout until an RY after them moves: the last RY angle has a
    # gradient at once, the new weights after one step.
    layer(x).pow(2).sum().backward()
    assert layer.theta.grad[..., 5, 1].abs().sum().item() > 0
    with torch.no_grad():
        layer.theta -= 0.1 * layer.theta.grad
    layer.zero_grad()
    layer(x).pow(2).sum().backward()
    assert layer.pre_w.grad[..., 4].abs().sum().item() > 0


def test_hqkan_and_state_dict():
    h = tg.HQKAN(100, 30, reps=2)
    assert (h.down.out_features, h.qkan.in_features, h.qkan.out_features, h.up.in_features) == (7, 7, 5, 5)
    x = torch.randn(2, 4, 100)
    assert h(x).shape == (2, 4, 30)
    other = tg.HQKAN(100, 30, reps=2)
    other.load_state_dict(h.state_dict())
    with torch.no_grad():
        assert torch.equal(other(x), h(x))


def test_parameter_counts():
    assert qkan.count_parameters(tg.QKANLayer(10, 10)) == 100 * (8 + 3 + 3 + 1)
    assert qkan.count_parameters(tg.QKANLayer(10, 10, preact_trainable=False)) == 100 * (8 + 1)
    assert qkan.count_parameters(tg.KANLayer(10, 10)) == 100 * (5 + 3 + 2)
    target = 1500
    h = qkan.mlp_hidden_for(10, 10, 1, target)
    n = qkan.count_parameters(qkan.make_mlp(10, 10, 1, h))
    assert n == qkan.mlp_parameters(10, 10, 1, h) and abs(n - target) <= 11


def test_kan_splines_partition_unity():
    k = tg.KANLayer(2, 1, dtype=torch.float64)
    x = torch.linspace(-0.99, 0.99, 41, dtype=torch.float64).unsqueeze(1).expand(41, 2)
    assert (k.bases(x).sum(2) - 1).abs().max().item() < 1e-12


def test_trains_a_small_regression():
    torch.manual_seed(4)
    x = torch.rand(64, 1) * 2 - 1
    y = torch.sin(3 * x)
    model = tg.QKAN([1, 3, 1], reps=2)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


def test_bad_input_names_the_value():
    with pytest.raises(ValueError, match="in_features = 0"):
        tg.QKANLayer(0, 3)
    with pytest.raises(ValueError, match="reps = 0"):
        tg.QKANLayer(3, 2, reps=0)
    layer = tg.QKANLayer(3, 2)
    x = torch.zeros(4, 3)
    x[2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"input x \(sample, feature\) \[2, 1\] = nan"):
        layer(x)
    with pytest.raises(ValueError, match="width 5"):
        layer(torch.zeros(4, 5))
