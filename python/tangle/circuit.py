"""The Python ``Circuit``: the C++ circuit (gates bound one-to-one) plus templates with default
wires and numpy-level execution (expectation values, probabilities, gradients, shots, states).

Execution conventions, shared by every method below:

- ``inputs``: ``[batch, n_inputs]`` (numpy, torch CPU tensor or nested lists). A 1-D array is one
  sample, and the batch dimension is then dropped from every result. ``None`` is allowed only for
  circuits without inputs (one sample).
- ``weights``: the circuit's ``n_weights`` values (any shape, read flat); ``None`` means
  ``initial_weights(seed=0)``, the weights a fresh ``QuantumLayer`` starts from.
- ``readouts``: one readout (a Pauli sum, ``Probs``, ``Projector``, ``Hermitian``) or a list. For a
  list the result is ``[batch, total outputs]``; for a single readout with one output that
  dimension is dropped (``[batch]``), a single ``Probs`` gives ``[batch, 2^k]``.
- Results are float64 numpy arrays; ``precision="f32"|"f64"`` picks the amplitude precision of the
  simulation, ``threads=0`` uses every core (results do not depend on it).
- ``backend``: "auto", "statevector", "density_matrix" or "trajectories" (``trajectories=N`` pure
  states per sample, their draws seeded by ``seed``); ``noise``: a ``NoiseModel`` whose channels
  follow the circuit's gates and whose readout error every output, sample and gradient sees.
"""

import numbers

import numpy as np
import torch

from . import _state, _tangle
from .readouts import Probs, as_readouts

__all__ = ["Circuit", "draw", "from_qasm", "read_qasm"]

_METHODS = ("adjoint", "param_shift", "finite_diff")


def _float_array(a, what):
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    try:
        return np.ascontiguousarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} cannot be read as an array of numbers: {e}") from None


def _all_wires(wires, n):
    if wires is None:
        return list(range(n))
    if isinstance(wires, numbers.Integral):
        return [int(wires)]
    return [int(w) for w in wires]


def _features(features):
    if isinstance(features, _tangle.ParamBlock):
        return features.exprs()
    return list(features)


class Circuit(_tangle.Circuit):
    """A parametrized circuit on ``n_qubits`` qubits.

    Declare per-sample inputs and trainable weights, then append ops; gate methods take the
    angle(s) first, then the wires, and return the circuit (so calls chain)::

        c = Circuit(3)
        x = c.inputs(3)                 # x[0], x[1], x[2]: per-sample features
        w = c.weights((2, 3, 3))        # a shaped block: w[l, q, r], w[l] is a sub-block
        c.ry(x[0], 0).rx(0.5 * x[1] * w[0, 0, 0] + w[0, 0, 1], 1).cnot(0, 1)

    Angles are affine forms ``c + sum coef * [w_k] [x_j] [x_m]`` (``Expr``): a product of two
    weights raises ValueError.
    """

    def __init__(self, n_qubits):
        super().__init__(int(n_qubits))

    # --- copying and pickling -----------------------------------------------------------------
    def copy(self):
        """An independent copy."""
        c = type(self)(self.n_qubits)
        c._assign(self)
        return c

    def __reduce__(self):
        # Plain Python data (qubits, blocks with their init rules, ops with their angle forms).
        return (_state.circuit_from_state, (_state.circuit_state(self), type(self)))

    def __repr__(self):
        return (f"Circuit(n_qubits={self.n_qubits}, n_inputs={self.n_inputs}, n_weights={self.n_weights}, "
                f"n_ops={len(self.ops)})")

    def __str__(self):
        return _tangle.draw(self)

    @classmethod
    def from_qasm(cls, text):
        """A fixed circuit from OpenQASM 2.0 text (qelib1.inc gates and user ``gate`` definitions);
        final measurements are dropped (``read_qasm`` returns what they measure)."""
        base = _tangle.from_qasm(text)
        c = cls(base.n_qubits)
        c._assign(base)
        return c

    # --- templates (PennyLane's definitions; wires default to all qubits) ---------------------
    def angle_embedding(self, features, wires=None, rotation="X"):
        """R_rotation(features[i]) on wires[i]; ``features`` is a ParamBlock or a list of Exprs."""
        _tangle.angle_embedding(self, _features(features), _all_wires(wires, self.n_qubits), rotation)
        return self

    def iqp_embedding(self, features, wires=None, n_repeats=1, pattern=None):
        """PennyLane's IQPEmbedding: H, RZ(x_i), MultiRZ(x_i x_j) on each pair (all pairs by default)."""
        feats = _features(features)
        wires = _all_wires(wires, len(feats))
        _tangle.iqp_embedding(self, feats, wires, int(n_repeats), [tuple(p) for p in (pattern or [])])
        return self

    def basic_entangler_layers(self, weights, wires=None, rotation="X"):
        """weights [layers, n]: per layer a rotation on each wire, then a ring of CNOTs."""
        _tangle.basic_entangler_layers(self, weights, _all_wires(wires, self.n_qubits), rotation)
        return self

    def strongly_entangling_layers(self, weights, wires=None, ranges=None):
        """weights [layers, n, 3]: per layer Rot on each wire, then CNOT(i, i + r mod n)."""
        _tangle.strongly_entangling_layers(self, weights, _all_wires(wires, self.n_qubits), list(ranges or []))
        return self

    strongly_entangling = strongly_entangling_layers

    def efficient_su2(self, weights, wires=None, reps=None):
        """Qiskit's EfficientSU2 (reverse-linear); ``reps`` defaults to what the block size implies."""
        wires = _all_wires(wires, self.n_qubits)
        if reps is None:
            reps = weights.size // (2 * len(wires)) - 1
        _tangle.efficient_su2(self, weights, wires, int(reps))
        return self

    def real_amplitudes(self, weights, wires=None, reps=None):
        """Qiskit's RealAmplitudes; ``reps`` defaults to what the block size implies."""
        wires = _all_wires(wires, self.n_qubits)
        if reps is None:
            reps = weights.size // len(wires) - 1
        _tangle.real_amplitudes(self, weights, wires, int(reps))
        return self

    def qaoa_layers(self, weights, edges, wires=None, initial_h=True):
        """weights [layers, 2] = (gamma, beta): RZZ(2 gamma) on ``edges``, RX(2 beta) on ``wires``."""
        _tangle.qaoa_layers(self, weights, [tuple(e) for e in edges], _all_wires(wires, self.n_qubits),
                            bool(initial_h))
        return self

    # --- argument conversion ------------------------------------------------------------------
    def _inputs(self, inputs):
        """``(inputs as [batch, n_inputs] float64, single sample?)``."""
        if inputs is None:
            if self.n_inputs:
                raise ValueError(f"the circuit takes {self.n_inputs} inputs per sample: pass inputs=")
            return np.zeros((1, 0)), True
        x = _float_array(inputs, "inputs")
        if x.ndim == 1:
            return x.reshape(1, -1), True
        if x.ndim != 2:
            raise ValueError(f"inputs must be [batch, {self.n_inputs}] or [{self.n_inputs}], got shape {x.shape}")
        return x, False

    def _weights(self, weights):
        if weights is None:
            return self.initial_weights(0)
        return _float_array(weights, "weights").reshape(-1)

    def program(self, readouts, noise=None):
        """The circuit (as it is now) with its readouts and noise model, lowered once for repeated runs."""
        return _program(self, as_readouts(readouts)[0], noise)

    def _prepare(self, readouts, inputs, weights, precision, threads, backend="auto", trajectories=1000,
                 trajectory_seed=0, noise=None):
        rs, single_readout = as_readouts(readouts)
        prog = _program(self, rs, noise)
        x, single_sample = self._inputs(inputs)
        w = self._weights(weights)
        squeeze = single_readout and prog.n_outputs == 1
        opts = _tangle.RunOptions(precision, int(threads), backend=backend, trajectories=int(trajectories),
                                  seed=int(trajectory_seed))
        return prog, x, w, single_sample, squeeze, opts

    @staticmethod
    def _shape(a, single_sample, squeeze):
        """[batch, n_outputs, ...] -> the documented result shape."""
        if squeeze:
            a = a[:, 0]
        return a[0] if single_sample else a

    # --- execution ----------------------------------------------------------------------------
    def run(self, readouts, inputs=None, weights=None, *, shots=None, seed=0, precision="f64", threads=0,
            backend="auto", trajectories=1000, noise=None):
        """Every readout's outputs; exact when ``shots`` is None, else estimated from ``shots``
        measurements per sample drawn from a generator seeded by ``seed``.

        ``backend``: "statevector" (pure states), "density_matrix" (exact mixed states, up to 13
        qubits), "trajectories" (``trajectories`` sampled pure states per sample, seeded by
        ``seed``) or "auto": the state vector for unitary circuits, the density matrix for noisy
        ones. ``noise``: a ``NoiseModel`` (channels after the gates, readout error)."""
        prog, x, w, single, squeeze, opts = self._prepare(readouts, inputs, weights, precision, threads, backend,
                                                          trajectories, seed, noise)
        if shots is None:
            y = _tangle.forward(prog, x, w, opts)
        else:
            y = _tangle.forward_shots(prog, x, w, int(shots), int(seed), opts)
        return self._shape(y, single, squeeze)

    def expval(self, observables, inputs=None, weights=None, **kwargs):
        """Expectation values of one Pauli sum or a list of readouts; keywords as in ``run``."""
        return self.run(observables, inputs, weights, **kwargs)

    def probs(self, wires=None, inputs=None, weights=None, **kwargs):
        """Probabilities of the basis states of ``wires`` (all by default): ``[batch, 2^k]``."""
        return self.run(Probs(_all_wires(wires, self.n_qubits)), inputs, weights, **kwargs)

    def _cotangent(self, prog, cotangent, batch, single, squeeze):
        if cotangent is None:
            return np.ones((batch, prog.n_outputs))
        g = _float_array(cotangent, "cotangent")
        want = self._shape(np.empty((batch, prog.n_outputs)), single, squeeze).shape
        if g.shape != want:
            raise ValueError(f"cotangent has shape {g.shape} but the outputs have shape {want}")
        return g.reshape(batch, prog.n_outputs)

    def vjp(self, readouts, inputs=None, weights=None, cotangent=None, *, method="adjoint", shots=None, seed=0,
            step=1e-6, precision="f64", threads=0, backend="auto", trajectories=1000, noise=None):
        """``(d_weights [n_weights], d_inputs [batch, n_inputs])`` of ``sum(cotangent * outputs)``.

        ``cotangent`` has the shape of ``run``'s result (None: all ones, the gradient of the sum).
        ``method``: "adjoint" (exact, about three forward passes), "param_shift" (circuit runs
        only; with ``shots`` each estimated from measurements) or "finite_diff" (central, ``step``).
        d_weights sums over the batch; d_inputs is per sample. ``backend`` and ``noise`` as in ``run``.
        """
        prog, x, w, single, squeeze, opts = self._prepare(readouts, inputs, weights, precision, threads, backend,
                                                          trajectories, seed, noise)
        g = self._cotangent(prog, cotangent, x.shape[0], single, squeeze)
        self._check_method(method, shots)
        if method == "adjoint":
            _, dw, dx = _tangle.vjp(prog, x, w, g, opts)
        elif method == "param_shift":
            _, dw, dx = _tangle.param_shift_vjp(prog, x, w, g, int(shots or 0), int(seed), opts)
        else:
            _, dw, dx = _tangle.finite_diff_vjp(prog, x, w, g, float(step), opts)
        return dw, (dx[0] if single else dx)

    def jacobian(self, readouts, inputs=None, weights=None, *, method="adjoint", shots=None, seed=0, step=1e-6,
                 precision="f64", threads=0, backend="auto", trajectories=1000, noise=None):
        """``(d_weights, d_inputs)``: per-sample derivatives of every output, shaped
        ``run's shape + [n_weights]`` and ``run's shape + [n_inputs]``. ``method`` as in ``vjp``."""
        prog, x, w, single, squeeze, opts = self._prepare(readouts, inputs, weights, precision, threads, backend,
                                                          trajectories, seed, noise)
        self._check_method(method, shots)
        if method == "adjoint":
            _, dw, dx = _tangle.jacobian(prog, x, w, opts)
        elif method == "param_shift":
            _, dw, dx = _tangle.param_shift_jacobian(prog, x, w, int(shots or 0), int(seed), opts)
        else:
            _, dw, dx = _tangle.finite_diff_jacobian(prog, x, w, float(step), opts)
        return self._shape(dw, single, squeeze), self._shape(dx, single, squeeze)

    def param_shift(self, readouts, inputs=None, weights=None, cotangent=None, *, shots=None, seed=0, **kwargs):
        """Parameter-shift gradients: ``jacobian`` without a cotangent, ``vjp`` with one."""
        if cotangent is None:
            return self.jacobian(readouts, inputs, weights, method="param_shift", shots=shots, seed=seed, **kwargs)
        return self.vjp(readouts, inputs, weights, cotangent, method="param_shift", shots=shots, seed=seed, **kwargs)

    def finite_diff(self, readouts, inputs=None, weights=None, cotangent=None, *, step=1e-6, **kwargs):
        """Central finite differences: ``jacobian`` without a cotangent, ``vjp`` with one."""
        if cotangent is None:
            return self.jacobian(readouts, inputs, weights, method="finite_diff", step=step, **kwargs)
        return self.vjp(readouts, inputs, weights, cotangent, method="finite_diff", step=step, **kwargs)

    @staticmethod
    def _check_method(method, shots):
        if method not in _METHODS:
            raise ValueError(f"unknown gradient method {method!r} (use one of {', '.join(_METHODS)})")
        if shots is not None and method != "param_shift":
            raise ValueError(f"shots= needs method='param_shift' (the {method} method is exact)")

    def states(self, inputs=None, weights=None, *, precision="f64", threads=0, noise=None):
        """Final state vectors, complex128 ``[batch, 2^n_qubits]`` (wire 0 the most significant bit).
        A noise model with channels has no pure states (use ``density_matrix``)."""
        # A program needs a readout; states ignore it.
        prog, x, w, single, _, opts = self._prepare(Probs([0]), inputs, weights, precision, threads, noise=noise)
        s = _tangle.states(prog, x, w, opts)
        return s[0] if single else s

    def density_matrix(self, inputs=None, weights=None, *, precision="f64", threads=0, noise=None):
        """Final density matrices, complex128 ``[batch, 2^n, 2^n]`` (wire 0 the most significant bit of
        both indices), from the density-matrix backend; with ``noise``, of the noisy circuit (the
        state before measurement: readout error is not part of it)."""
        prog, x, w, single, _, opts = self._prepare(Probs([0]), inputs, weights, precision, threads,
                                                    "density_matrix", noise=noise)
        r = _tangle.density_matrices(prog, x, w, opts)
        return r[0] if single else r

    def sample(self, shots, wires=None, inputs=None, weights=None, *, seed=0, precision="f64", threads=0,
               backend="auto", trajectories=1000, noise=None):
        """Measured basis states of ``wires`` (all by default; wires[0] the most significant bit),
        int64 ``[batch, shots]``; with a readout error in ``noise``, each bit misread by its wire's
        confusion matrix."""
        prog, x, w, single, _, opts = self._prepare(Probs([0]), inputs, weights, precision, threads, backend,
                                                    trajectories, seed, noise)
        s = _tangle.sample(prog, x, w, int(shots), int(seed), _all_wires(wires, self.n_qubits), opts)
        s = s.astype(np.int64)
        return s[0] if single else s

    def to_qasm(self, inputs=None, weights=None):
        """OpenQASM 2.0 text with the weights and one sample's ``inputs`` bound to numbers."""
        x, single = self._inputs(inputs)
        if not single:
            raise ValueError(f"to_qasm binds one sample: inputs must be 1-D, got shape {x.shape}")
        return _tangle.to_qasm(self, self._weights(weights), x.reshape(-1))

    def draw(self, readouts=None, *, unicode=True, max_width=0, decimals=2):
        """The circuit as text, one row per wire, with ``readouts`` drawn at the right."""
        return draw(self, readouts, unicode=unicode, max_width=max_width, decimals=decimals)

    def memory_estimate(self, readouts, batch, *, precision="f64", gradient=False, backend="auto", noise=None):
        """Bytes one run on ``batch`` samples would allocate."""
        return _tangle.memory_estimate(self.program(readouts, noise), int(batch),
                                       _tangle.RunOptions(precision, backend=backend), gradient)


def _program(circuit, readouts, noise):
    if noise is None:
        return _tangle.Program(circuit, readouts)
    if not isinstance(noise, _tangle.NoiseModel):
        raise ValueError(f"noise= takes a tangle.NoiseModel, not {type(noise).__name__}")
    return _tangle.Program(circuit, readouts, noise)


def draw(circuit, readouts=None, *, unicode=True, max_width=0, decimals=2):
    """The circuit as text: one row per wire, angles as formulas (w[0], 0.5*x[1]), readouts at the right."""
    rs = [] if readouts is None else as_readouts(readouts)[0]
    return _tangle.draw(circuit, rs, unicode, int(max_width), int(decimals))


def from_qasm(text):
    """A fixed ``Circuit`` from OpenQASM 2.0 text."""
    return Circuit.from_qasm(text)


def read_qasm(text):
    """``(circuit, measured)`` from OpenQASM 2.0 text as other tools write it: ``reset`` becomes
    the reset channel, final ``measure`` statements give ``measured``, the qubits measured into
    classical bits, highest bit first, so that ``circuit.probs(measured)[i]`` is the probability of
    classical value ``i`` (Qiskit's counts order). A gate after a qubit's measurement raises
    ValueError (mid-circuit measurement is not supported)."""
    base, measured = _tangle.read_qasm(text)
    c = Circuit(base.n_qubits)
    c._assign(base)
    return c, list(measured)
