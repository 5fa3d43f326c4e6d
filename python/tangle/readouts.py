"""Observables and readouts: what a circuit measures.

Pauli products and sums build with ``*``/``@`` (tensor product) and ``+``/``-`` (sums)::

    H = 0.5 * X(0) @ Y(1) + Z(2) - 0.1

A readout list may mix Pauli sums (their expectation values, one output each) with ``Probs``
(2^k outputs), ``Projector`` and ``Hermitian`` (one output each); outputs are concatenated in order.
"""

import numbers

import numpy as np

from ._tangle import PauliSum, Readout

__all__ = ["I", "X", "Y", "Z", "Expval", "Probs", "Projector", "Hermitian", "as_readouts"]


def X(wire):
    """Pauli X on ``wire``."""
    return PauliSum.single("X", wire)


def Y(wire):
    """Pauli Y on ``wire``."""
    return PauliSum.single("Y", wire)


def Z(wire):
    """Pauli Z on ``wire``."""
    return PauliSum.single("Z", wire)


def I(wire=0):  # noqa: E743  (the usual name of the identity)
    """The identity (a constant observable 1); ``wire`` is accepted for symmetry and ignored."""
    return PauliSum.single("I", wire)


def _wires(wires):
    if isinstance(wires, numbers.Integral):
        return [int(wires)]
    return [int(w) for w in wires]


def Expval(observable):
    """The expectation value of a Pauli sum (a number is the constant observable)."""
    return Readout.expval(observable if isinstance(observable, PauliSum) else PauliSum(float(observable)))


def Probs(wires):
    """Probabilities of the 2^k basis states of ``wires`` (wires[0] the most significant bit)."""
    return Readout.probs(_wires(wires))


def Projector(wires, basis_state):
    """``<|b><b|>`` on ``wires``: ``basis_state`` is an index (wires[0] the most significant bit) or
    a sequence of bits, one per wire, as in PennyLane's ``Projector([0, 1], wires=[0, 1])``."""
    wires = _wires(wires)
    if not isinstance(basis_state, numbers.Integral):
        bits = [int(b) for b in basis_state]
        if len(bits) != len(wires) or any(b not in (0, 1) for b in bits):
            raise ValueError(f"projector basis state {bits} is not {len(wires)} bits (0 or 1), one per wire")
        basis_state = int("".join(map(str, bits)), 2)
    return Readout.projector(wires, int(basis_state))


def Hermitian(matrix, wires):
    """<H> for a Hermitian 2^k x 2^k ``matrix`` (wires[0] the most significant bit of its index)."""
    return Readout.hermitian(np.asarray(matrix, dtype=np.complex128), _wires(wires))


def as_readouts(readouts):
    """``(list of Readout, single)``: ``single`` when one readout was given rather than a list."""
    single = not isinstance(readouts, (list, tuple))
    items = [readouts] if single else list(readouts)
    if not items:
        raise ValueError("at least one readout is needed")
    out = []
    for r in items:
        if isinstance(r, Readout):
            out.append(r)
        elif isinstance(r, (PauliSum, numbers.Real)):
            out.append(Expval(r))
        else:
            raise TypeError(f"readout {r!r} is not a Pauli sum, a number or a Readout (Probs, Projector, Hermitian)")
    return out, single
