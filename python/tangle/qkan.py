"""QKAN: Kolmogorov-Arnold layers whose edge activations are one-qubit data re-uploading circuits
(DARUAN), after Jiang, Huang, Chen, Goan, arXiv 2509.14026; and the classical twins they are
compared with (a B-spline KAN layer, an MLP of matched parameter count).

    layer = tangle.QKANLayer(784, 64, reps=3)         # y_j = sum_i pw (phi_ji(x_i) + pb) + bw SiLU(x_i)
    y = layer(x)                                      # [..., 784] -> [..., 64], float32 or float64
    layer.extend_reps(4)                              # same outputs; rebuild the optimizer after
    block = tangle.HQKAN(512, 512)                    # Linear(512 -> 9) -> QKAN -> Linear(9 -> 512)

The edge circuits run in the C++ kernel (``tangle::torch::DaruanFunction``, the op LibTorch users
get): the whole layer is one call forward and one backward, with exact gradients.
"""

import math

import torch

from . import _tangle

__all__ = [
    "HQKAN",
    "KANLayer",
    "QKAN",
    "QKANLayer",
    "count_parameters",
    "daruan_apply",
    "daruan_torch_reference",
    "hqkan_width",
    "make_mlp",
    "mlp_hidden_for",
    "mlp_parameters",
]


def daruan_apply(x, theta, pre_w, pre_b, coef, threads=0):
    """``y [B, n_out] = sum_i coef_ji phi_ji(x_bi)`` (see ``tangle/sim/daruan.hpp``), differentiable in all."""
    return _tangle.daruan_apply(x, theta, pre_w, pre_b, coef, int(threads))


def daruan_torch_reference(x, theta, pre_w, pre_b):
    """``phi [B, n_out, n_in]`` from plain torch ops, gate by gate (the authors' ``exact`` solver's way)."""
    return _tangle.daruan_torch_reference(x, theta, pre_w, pre_b)


class QKANLayer(torch.nn.Module):
    """``y_j = sum_i m_ji [pw_ji (phi_ji(x_i) + pb_ji) + bw_ji SiLU(x_i)]``, one DARUAN circuit per edge.

    ``reps`` re-uploading blocks per edge; ``group`` = 0 gives every edge its own angles, ``g`` > 0
    makes edge (j, i) use set ``i % g``. ``preact_trainable``: the encodings' w, b (else fixed at 1, 0);
    ``postact_trainable``: pw, pb (else 1, 0); ``base``: the SiLU branch (bw starts at 0.5). Angles start
    Xavier-normal over the per-edge shape, as in the authors' package. Mirrors ``tangle::torch::QKANLayer``.
    """

    def __init__(self, in_features, out_features, reps=3, *, group=0, preact_trainable=True,
                 postact_trainable=False, base=True, seed=0, threads=0, dtype=None):
        super().__init__()
        if in_features < 1:
            raise ValueError(f"QKANLayer: in_features = {in_features} must be at least 1")
        if out_features < 1:
            raise ValueError(f"QKANLayer: out_features = {out_features} must be at least 1")
        if not 1 <= reps <= 64:
            raise ValueError(f"QKANLayer: reps = {reps} must be in [1, 64]")
        if not 0 <= group <= in_features:
            raise ValueError(f"QKANLayer: group = {group} must be 0 (no sharing) or in [1, in_features = {in_features}]")
        self.in_features, self.out_features, self.reps = int(in_features), int(out_features), int(reps)
        self.group, self.base, self.threads = int(group), bool(base), int(threads)
        self.preact_trainable, self.postact_trainable = bool(preact_trainable), bool(postact_trainable)
        dtype = dtype or torch.get_default_dtype()
        lead = (group,) if group > 0 else (out_features, in_features)
        gen = torch.Generator().manual_seed(seed)
        std = math.sqrt(2.0 / (2.0 * (reps + 1) * (in_features + out_features)))
        self.theta = torch.nn.Parameter(torch.randn(*lead, reps + 1, 2, generator=gen, dtype=dtype) * std)
        self._param_or_buffer("pre_w", torch.ones(*lead, reps, dtype=dtype), preact_trainable)
        self._param_or_buffer("pre_b", torch.zeros(*lead, reps, dtype=dtype), preact_trainable)
        self._param_or_buffer("post_w", torch.ones(out_features, in_features, dtype=dtype), postact_trainable)
        self._param_or_buffer("post_b", torch.zeros(out_features, in_features, dtype=dtype), postact_trainable)
        if base:
            self.base_w = torch.nn.Parameter(torch.full((out_features, in_features), 0.5, dtype=dtype))
        self.register_buffer("mask", torch.ones(out_features, in_features, dtype=dtype))

    def _param_or_buffer(self, name, value, trainable):
        if trainable:
            setattr(self, name, torch.nn.Parameter(value))
        else:
            self.register_buffer(name, value)

    def _per_edge(self, t):
        if self.group == 0:
            return t
        idx = torch.arange(self.in_features) % self.group
        e = t.index_select(0, idx).unsqueeze(0)
        return e.expand(self.out_features, *e.shape[1:])

    def forward(self, x):
        """``[..., in_features] -> [..., out_features]`` in the dtype of ``x`` (float32 or float64);
        ValueError for another last dimension."""
        if x.shape[-1] != self.in_features:
            raise ValueError(f"QKANLayer: input has width {x.shape[-1]} but the layer takes {self.in_features}")
        lead = x.shape[:-1]
        x2 = x.reshape(-1, self.in_features)
        dt = x2.dtype
        coef = (self.mask * self.post_w).to(dt)
        y = daruan_apply(x2, self._per_edge(self.theta).to(dt), self._per_edge(self.pre_w).to(dt),
                         self._per_edge(self.pre_b).to(dt), coef, self.threads)
        if self.postact_trainable:
            y = y + (coef * self.post_b.to(dt)).sum(1)
        if self.base:
            y = y + torch.nn.functional.silu(x2) @ (self.mask * self.base_w).to(dt).t()
        return y.reshape(*lead, self.out_features)

    @torch.no_grad()
    def extend_reps(self, reps):
        """Layer extension: every edge grows to ``reps`` repetitions; the new ones start as the identity
        (w = b = 0, zero angles), so the outputs are unchanged. Rebuild the optimizer afterwards."""
        if not self.reps <= reps <= 64:
            raise ValueError(f"QKANLayer.extend_reps: reps = {reps} must be in [{self.reps}, 64]")
        dim = 1 if self.group > 0 else 2

        def grow(t, size):
            shape = list(t.shape)
            shape[dim] = size
            n = torch.zeros(shape, dtype=t.dtype)
            n.narrow(dim, 0, t.shape[dim]).copy_(t)
            return n

        self.theta = torch.nn.Parameter(grow(self.theta, reps + 1))
        for name in ("pre_w", "pre_b"):
            value = grow(getattr(self, name), reps)
            if self.preact_trainable:
                setattr(self, name, torch.nn.Parameter(value))
            else:
                self.register_buffer(name, value)
        self.reps = int(reps)

    def extra_repr(self):
        """Widths, reps and group for ``repr(layer)``."""
        return f"{self.in_features}, {self.out_features}, reps={self.reps}, group={self.group}"


class QKAN(torch.nn.Sequential):
    """QKAN layers of ``widths`` (e.g. ``[1, 5, 1]``), each taking ``**options`` of QKANLayer."""

    def __init__(self, widths, reps=3, **options):
        seed = options.pop("seed", 0)
        super().__init__(*[QKANLayer(a, b, reps, seed=seed + k, **options)
                           for k, (a, b) in enumerate(zip(widths[:-1], widths[1:]))])


def hqkan_width(d):
    """The width HQKAN puts around its QKAN layer for a feature width ``d``: ceil(log2 d), at least 1."""
    if d < 1:
        raise ValueError(f"HQKAN: width {d} must be at least 1")
    return max(1, (int(d) - 1).bit_length())


class HQKAN(torch.nn.Module):
    """``Linear(d_in -> h_in) -> QKANLayer(h_in -> h_out) -> Linear(h_out -> d_out)``, h = ceil(log2 d)
    unless given: a drop-in for an MLP block (the paper's GPT feed-forward). Mirrors ``tangle::torch::HQKAN``."""

    def __init__(self, d_in, d_out, reps=3, *, h_in=0, h_out=0, **options):
        super().__init__()
        h_in = h_in or hqkan_width(d_in)
        h_out = h_out or hqkan_width(d_out)
        self.down = torch.nn.Linear(d_in, h_in)
        self.qkan = QKANLayer(h_in, h_out, reps, **options)
        self.up = torch.nn.Linear(h_out, d_out)

    def forward(self, x):
        """``up(qkan(down(x)))``: ``[..., d_in] -> [..., d_out]``."""
        return self.up(self.qkan(self.down(x)))


class KANLayer(torch.nn.Module):
    """B-spline KAN layer (Liu et al. 2024, efficient-kan formulation): ``y_j = sum_i bw_ji SiLU(x_i) +
    s_ji sum_k c_jik B_k(x_i)``, B_k the ``grid + order`` splines of the uniform grid on ``[lo, hi]``
    extended by ``order`` knots each side. Parameters per edge: grid + order + 2. Mirrors ``tangle::torch::KANLayer``."""

    def __init__(self, in_features, out_features, grid=5, order=3, lo=-1.0, hi=1.0, *, seed=0, dtype=None):
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"KANLayer: widths {in_features} -> {out_features} must be at least 1")
        self.in_features, self.out_features, self.order = in_features, out_features, order
        dtype = dtype or torch.get_default_dtype()
        h = (hi - lo) / grid
        knots = torch.arange(-order, grid + order + 1, dtype=torch.float64) * h + lo
        self.register_buffer("knots", knots.expand(in_features, -1).contiguous().to(dtype))
        gen = torch.Generator().manual_seed(seed)
        bound = 1.0 / math.sqrt(in_features)
        self.base_w = torch.nn.Parameter((torch.rand(out_features, in_features, generator=gen, dtype=dtype) * 2 - 1) * bound)
        self.spline_w = torch.nn.Parameter(
            torch.randn(out_features, in_features, grid + order, generator=gen, dtype=dtype) * (0.1 / math.sqrt(in_features)))
        self.spline_scale = torch.nn.Parameter(torch.ones(out_features, in_features, dtype=dtype))

    def bases(self, x):
        """Cox-de Boor: ``[B, in, grid + order]`` for x ``[B, in]``."""
        t = self.knots.to(x.dtype)
        u = x.unsqueeze(-1)
        b = ((u >= t[:, :-1]) & (u < t[:, 1:])).to(x.dtype)
        for p in range(1, self.order + 1):
            m = t.shape[1] - 1 - p
            left = (u - t[:, :m]) / (t[:, p:p + m] - t[:, :m])
            right = (t[:, p + 1:p + 1 + m] - u) / (t[:, p + 1:p + 1 + m] - t[:, 1:1 + m])
            b = left * b[..., :m] + right * b[..., 1:1 + m]
        return b

    def forward(self, x):
        """``[..., in_features] -> [..., out_features]`` in the dtype of ``x``."""
        lead = x.shape[:-1]
        x2 = x.reshape(-1, self.in_features)
        coef = (self.spline_w * self.spline_scale.unsqueeze(-1)).to(x2.dtype).reshape(self.out_features, -1)
        y = torch.nn.functional.silu(x2) @ self.base_w.to(x2.dtype).t() + self.bases(x2).reshape(x2.shape[0], -1) @ coef.t()
        return y.reshape(*lead, self.out_features)


def mlp_parameters(n_in, n_out, hidden_layers, hidden):
    """Parameters (biases included) of ``make_mlp(n_in, n_out, hidden_layers, hidden)``."""
    if hidden_layers == 0:
        return n_in * n_out + n_out
    return (n_in + 1) * hidden + (hidden_layers - 1) * (hidden + 1) * hidden + (hidden + 1) * n_out


def mlp_hidden_for(n_in, n_out, hidden_layers, target):
    """The hidden width whose MLP has the parameter count closest to ``target``."""
    best, h = 1, 1
    while True:
        if abs(mlp_parameters(n_in, n_out, hidden_layers, h) - target) < abs(mlp_parameters(n_in, n_out, hidden_layers, best) - target):
            best = h
        if mlp_parameters(n_in, n_out, hidden_layers, h) > target:
            return best
        h += 1


def make_mlp(n_in, n_out, hidden_layers, hidden):
    """``Linear(n_in -> h) SiLU ... Linear(h -> n_out)`` with ``hidden_layers`` hidden layers."""
    layers, width = [], n_in
    for _ in range(hidden_layers):
        layers += [torch.nn.Linear(width, hidden), torch.nn.SiLU()]
        width = hidden
    layers.append(torch.nn.Linear(width, n_out))
    return torch.nn.Sequential(*layers)


def count_parameters(module):
    """Trainable parameters: what "parameter count" means in every comparison."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
