"""Pickling: every tangle object reduces to plain Python data (numbers, strings, lists, dicts)
and is rebuilt through the public API, so pickles do not depend on C++ memory layouts.

A circuit's state: qubits, the number of inputs, the weight blocks in declaration order (shape and
init rule: their offsets follow), and the ops with their angle forms (constant + terms of
coef, weight, input, input2; -1 = absent), Pauli words, matrices and parameter blocks. A noise
model's state is its JSON form; a program's is its circuit as given, its readouts and its noise model.
"""

import copyreg

from ._tangle import Circuit as _CoreCircuit
from ._tangle import Expr, NoiseModel, Op, ParamBlock, PauliSum, Program, Readout, WeightInit

FORMAT = 1


def expr_state(e):
    return (e.constant, [tuple(t) for t in e.terms])


def expr_from_state(state):
    constant, terms = state
    e = Expr(float(constant))
    for coef, weight, input1, input2 in terms:
        t = Expr(float(coef))
        if weight >= 0:
            t = t * Expr.weight(weight)
        if input1 >= 0:
            t = t * Expr.input(input1)
        if input2 >= 0:
            t = t * Expr.input(input2)
        e = e + t
    return e


def block_state(b):
    if b.ndim == 0 and b.size == 0:  # the empty default block of ops without one
        return None
    return (b.kind, b.offset, list(b.shape))


def block_from_state(state):
    return ParamBlock() if state is None else ParamBlock(state[0], state[1], list(state[2]))


def init_state(i):
    return (i.kind, i.a, i.b)


def init_from_state(state):
    return WeightInit(*state)


def op_state(op):
    return {
        "gate": op.gate,
        "wires": list(op.wires),
        "angles": [expr_state(e) for e in op.angles],
        "word": op.word,
        "matrix": [complex(z) for z in op.matrix],
        "block": block_state(op.block),
        "pad": op.pad,
        "normalize": op.normalize,
    }


def op_from_state(s):
    return Op(s["gate"], s["wires"], [expr_from_state(a) for a in s["angles"]], s["word"], s["matrix"],
              block_from_state(s["block"]), s["pad"], s["normalize"])


def circuit_state(c):
    return {
        "format": FORMAT,
        "n_qubits": c.n_qubits,
        "n_inputs": c.n_inputs,
        "weight_blocks": [(list(b.block.shape), init_state(b.init)) for b in c.weight_blocks],
        "ops": [op_state(op) for op in c.ops],
    }


def circuit_from_state(state, cls=_CoreCircuit):
    if state.get("format") != FORMAT:
        raise ValueError(f"circuit state format {state.get('format')!r} is not {FORMAT}")
    c = cls(state["n_qubits"])
    if state["n_inputs"]:
        c.inputs(state["n_inputs"])
    for shape, init in state["weight_blocks"]:
        c.weights(list(shape), init_from_state(init))
    for op in state["ops"]:
        c.append(op_from_state(op))
    return c


def pauli_state(s):
    return [(coef, [tuple(f) for f in factors]) for coef, factors in s.terms]


def pauli_from_state(state):
    s = PauliSum()
    for coef, factors in state:
        t = PauliSum(float(coef))
        for wire, letter in factors:
            t = t @ PauliSum.single(letter, wire)
        s = s + t
    return s


def readout_state(r):
    if r.kind == "expval":
        return ("expval", pauli_state(r.observable))
    if r.kind == "probs":
        return ("probs", list(r.wires))
    if r.kind == "projector":
        return ("projector", list(r.wires), r.basis_state)
    return ("hermitian", [complex(z) for z in r.matrix], list(r.wires))


def readout_from_state(state):
    kind = state[0]
    if kind == "expval":
        return Readout.expval(pauli_from_state(state[1]))
    if kind == "probs":
        return Readout.probs(state[1])
    if kind == "projector":
        return Readout.projector(state[1], state[2])
    if kind == "hermitian":
        return Readout.hermitian(state[1], state[2])
    raise ValueError(f"unknown readout kind {kind!r}")


def noise_from_state(text):
    """A noise model from its JSON form (a module function: pickles name it by reference)."""
    return NoiseModel.from_json(text)


def program_from_state(circuit, readouts, noise=None):
    # noise: the model's JSON form (absent in pickles from before noise models).
    rs = [readout_from_state(r) for r in readouts]
    if noise is None:
        return Program(circuit_from_state(circuit), rs)
    return Program(circuit_from_state(circuit), rs, noise_from_state(noise))


copyreg.pickle(Expr, lambda e: (expr_from_state, (expr_state(e),)))
copyreg.pickle(ParamBlock, lambda b: (block_from_state, (block_state(b),)))
copyreg.pickle(WeightInit, lambda i: (init_from_state, (init_state(i),)))
copyreg.pickle(Op, lambda op: (op_from_state, (op_state(op),)))
copyreg.pickle(PauliSum, lambda s: (pauli_from_state, (pauli_state(s),)))
copyreg.pickle(Readout, lambda r: (readout_from_state, (readout_state(r),)))
copyreg.pickle(_CoreCircuit, lambda c: (circuit_from_state, (circuit_state(c),)))
copyreg.pickle(NoiseModel, lambda n: (noise_from_state, (n.to_json(),)))
copyreg.pickle(Program, lambda p: (program_from_state,
                                   (circuit_state(p.source_circuit), [readout_state(r) for r in p.readouts],
                                    p.noise.to_json())))
