"""tangle: batched, differentiable quantum-circuit simulation for quantum machine learning.

    import numpy as np, torch, tangle as tg
    c = tg.Circuit(2)
    x, w = c.inputs(2), c.weights(2)
    c.angle_embedding(x, rotation="Y").cnot(0, 1).ry(w[0], 0).ry(w[1], 1)
    c.expval([tg.Z(0), tg.Z(0) @ tg.Z(1)], inputs=np.random.rand(8, 2))      # [8, 2]
    layer = tg.QuantumLayer(c, [tg.Z(0), tg.Z(1)])                          # a torch.nn.Module
    noise = tg.NoiseModel().add(tg.NoiseChannel.depolarizing(0.01))         # after every gate
    c.expval(tg.Z(0), inputs=np.random.rand(8, 2), noise=noise)              # density matrix

Conventions (as in PennyLane): wire 0 is the most significant bit of a basis-state index;
rotations are R_P(theta) = exp(-i theta P / 2); controlled gates take the controls first.
See docs/python.md for the full guide.
"""

import torch  # noqa: F401  (first: the extension's tensor casters need libtorch_python loaded)

from . import _tangle
from ._tangle import (
    Expr,
    NoiseChannel,
    NoiseModel,
    NoiseRule,
    Op,
    ParamBlock,
    PauliSum,
    Program,
    Readout,
    ReadoutConfusion,
    RunOptions,
    WeightInit,
    gate_names,
    memory_estimate,
)
from .circuit import Circuit, draw, from_qasm, read_qasm
from .readouts import Expval, Hermitian, I, Probs, Projector, X, Y, Z
from .layer import QuantumLayer, quantum_apply
from .qkan import HQKAN, KANLayer, QKAN, QKANLayer
from . import qkan
from . import datasets
from . import algo
from . import _state  # noqa: F401  (registers pickling of the C++ value types)

__version__ = "0.1.0"

__all__ = [
    "algo",
    "Circuit",
    "Expr",
    "HQKAN",
    "KANLayer",
    "Expval",
    "Hermitian",
    "I",
    "NoiseChannel",
    "NoiseModel",
    "NoiseRule",
    "Op",
    "ParamBlock",
    "PauliSum",
    "QKAN",
    "QKANLayer",
    "Probs",
    "Program",
    "Projector",
    "QuantumLayer",
    "Readout",
    "ReadoutConfusion",
    "RunOptions",
    "WeightInit",
    "X",
    "Y",
    "Z",
    "datasets",
    "draw",
    "from_qasm",
    "read_qasm",
    "gate_names",
    "memory_estimate",
    "qkan",
    "quantum_apply",
]
