"""``QuantumLayer``: a circuit with its readouts as a ``torch.nn.Module``.

Forward and backward each run the whole batch in one C++ call: the layer applies the C++ autograd
function ``tangle::torch::QuantumFunction`` (the one LibTorch users get), whose backward is the
core's batched adjoint vector-Jacobian product. The simulation precision follows the input dtype
(float32 -> complex64, float64 -> complex128); the weights are cast to it inside the graph.
"""

import torch

from . import _tangle
from .circuit import Circuit, _program
from .readouts import as_readouts

__all__ = ["QuantumLayer", "quantum_apply"]


def quantum_apply(program, inputs, weights, threads=0, *, backend="auto", trajectories=1000, seed=0):
    """``program``'s outputs ``[batch, n_outputs]`` for ``inputs`` ``[batch, n_inputs]`` and
    ``weights`` ``[n_weights]`` (CPU tensors of one dtype, float32 or float64), differentiable in both.
    ``backend``, ``trajectories`` and ``seed`` (the trajectories' draws) as in ``Circuit.run``."""
    return _tangle.quantum_apply(program, inputs, weights, _run_options(threads, backend, trajectories, seed))


def _run_options(threads, backend, trajectories, seed):
    return _tangle.RunOptions("f64", int(threads), backend=backend, trajectories=int(trajectories), seed=int(seed))


class QuantumLayer(torch.nn.Module):
    """``y = f(inputs; weights)``: ``[batch, n_inputs] -> [batch, n_outputs]`` (or ``[n_inputs] ->
    [n_outputs]``), differentiable in the inputs and in the parameter ``weights``.

    The layer keeps a copy of ``circuit`` as it is now. ``weights`` starts from each weight
    block's init rule (``circuit.initial_weights(seed)``), in ``dtype`` (torch's default dtype
    unless given). ``threads=0`` uses every core. Outputs are the readouts' outputs in order (one
    per Pauli sum, 2^k per ``Probs``), always with an output dimension.

    ``noise``: a ``NoiseModel`` the circuit runs with (its channels after the gates, its readout
    error on the outputs and their gradients). ``backend``: "auto" (the density matrix for a noisy
    circuit), "statevector", "density_matrix" or "trajectories" (``trajectories`` per sample, their
    draws seeded by ``trajectory_seed``; the gradient is the estimator's).
    """

    def __init__(self, circuit, readouts, *, seed=0, threads=0, dtype=None, backend="auto", trajectories=1000,
                 trajectory_seed=0, noise=None):
        super().__init__()
        self.circuit = _copy(circuit)
        self.readouts = as_readouts(readouts)[0]
        self.threads = int(threads)
        self.backend = backend
        self.trajectories = int(trajectories)
        self.trajectory_seed = int(trajectory_seed)
        # A copy, as of the circuit: later changes to the caller's model do not reach the layer.
        self.noise = None if noise is None else _tangle.NoiseModel.from_json(noise.to_json())
        self._build()
        init = torch.from_numpy(self.circuit.initial_weights(seed))
        self.weights = torch.nn.Parameter(init.to(dtype or torch.get_default_dtype()))

    @property
    def program(self):
        """The ``Program`` the layer runs (its circuit, readouts and noise model, lowered)."""
        return self._program

    @property
    def n_inputs(self):
        """Width of an input row: the circuit's ``n_inputs``."""
        return self._program.n_inputs

    @property
    def n_outputs(self):
        """Width of an output row: the readouts' outputs together."""
        return self._program.n_outputs

    def reset_parameters(self, seed=0):
        """Re-draws the weights by each block's init rule."""
        with torch.no_grad():
            self.weights.copy_(torch.from_numpy(self.circuit.initial_weights(seed)))

    def forward(self, inputs):
        """Outputs ``[batch, n_outputs]`` for ``inputs`` ``[batch, n_inputs]`` (``[n_outputs]`` for a
        single ``[n_inputs]`` sample): a CPU float32 or float64 tensor, which sets the precision."""
        single = inputs.dim() == 1
        x = inputs.unsqueeze(0) if single else inputs
        w = self.weights if self.weights.dtype == x.dtype else self.weights.to(x.dtype)
        y = _tangle.quantum_apply(self._program, x, w, self._options)
        return y.squeeze(0) if single else y

    def extra_repr(self):
        """Sizes, backend and noise for ``repr(layer)``."""
        noisy = "" if self.noise is None else ", noise=NoiseModel"
        return (f"n_qubits={self._program.n_qubits}, n_inputs={self.n_inputs}, n_weights={self._program.n_weights}, "
                f"n_outputs={self.n_outputs}, backend={self.backend!r}{noisy}")

    def _build(self):
        self._program = _program(self.circuit, self.readouts, self.noise)
        self._options = _run_options(self.threads, self.backend, self.trajectories, self.trajectory_seed)

    # The lowered program is rebuilt from the circuit, readouts and noise model (which pickle as
    # plain data); layers pickled before backends and noise existed run as they did.
    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_program"]
        del state["_options"]
        return state

    def __setstate__(self, state):
        state = {"backend": "auto", "trajectories": 1000, "trajectory_seed": 0, "noise": None, **state}
        super().__setstate__(state)
        self._build()


def _copy(circuit):
    """A ``tangle.Circuit`` copy of a circuit (also of a C++ one, e.g. ``Program.circuit``)."""
    c = Circuit(circuit.n_qubits)
    c._assign(circuit)
    return c
