"""The Python surface: expressions, parameter blocks, observables, shapes and defaults, pickling,
text formats, and errors (ValueError / RuntimeError with the C++ message)."""

import copy
import pickle

import numpy as np
import pytest
import torch

import tangle as tg


def small_circuit():
    c = tg.Circuit(3)
    x = c.inputs(3)
    w = c.weights(6)
    c.ry(x[0], 0).rx(0.5 * x[1] * w[0] + w[1], 1).rz(w[2], 2)
    c.cnot(0, 1).cz(1, 2).crx(w[3], 0, 2).rzz(w[4], 0, 1).h(2)
    c.angle_embedding(x, rotation="Y")
    c.strongly_entangling(c.weights((2, 3, 3)))
    c.special_unitary([0, 2])
    c.unitary(np.array([[0, 1j], [1j, 0]]), [1])
    c.pauli_rot(w[5] - 0.3, "XZY", [2, 0, 1])
    return c


OBS = [tg.Z(0), 0.5 * tg.X(1) @ tg.Y(2) + tg.Z(2)]


# --- expressions and blocks ---------------------------------------------------------------------

def test_expr_arithmetic_builds_affine_forms():
    c = tg.Circuit(2)
    x, w = c.inputs(2), c.weights(2)
    e = 0.5 * x[1] * w[0] + w[1]
    assert isinstance(e, tg.Expr)
    assert e.constant == 0.0
    assert sorted(e.terms) == [(0.5, 0, 1, -1), (1.0, 1, -1, -1)]
    f = (2 - e) / 4 + np.float64(3.0) * x[0] * x[1] - 1
    assert isinstance(f, tg.Expr)
    assert f.constant == pytest.approx(-0.5)
    assert sorted(f.terms) == sorted([(-0.125, 0, 1, -1), (-0.25, 1, -1, -1), (3.0, -1, 0, 1)])
    assert str(-w[0]) == "-w[0]"
    assert (x[0] + 1) == (1 + x[0])


def test_product_of_two_weights_raises_value_error():
    c = tg.Circuit(1)
    w = c.weights(2)
    with pytest.raises(ValueError, match="two weights"):
        w[0] * w[1]
    x = c.inputs(3)
    with pytest.raises(ValueError, match="more than two inputs"):
        x[0] * x[1] * x[2]


def test_param_block_indexing():
    c = tg.Circuit(3)
    c.weights(4)
    w = c.weights((2, 3, 3))
    assert w.shape == (2, 3, 3) and w.offset == 4 and w.size == 18 and len(w) == 2
    assert w[1, 2, 0].terms == [(1.0, 4 + 9 + 6, -1, -1)]
    sub = w[1]
    assert isinstance(sub, tg.ParamBlock) and sub.shape == (3, 3) and sub.offset == 13
    assert sub[2, 0] == w[1, 2, 0] and w[-1][2][0] == w[1, 2, 0]
    sl = w[1:2]
    assert sl.shape == (1, 3, 3) and sl.offset == 13
    x = c.inputs(3)
    assert [e.terms[0][2] for e in x] == [0, 1, 2]
    assert x[-1] == x[2]
    assert len(list(w)) == 2
    with pytest.raises(ValueError, match="out of range"):
        x[3]


# --- observables --------------------------------------------------------------------------------

def test_pauli_sums():
    h = 0.5 * tg.X(1) @ tg.Y(2) + tg.Z(2) - 0.25
    assert h.terms == [(0.5, [(1, "X"), (2, "Y")]), (1.0, [(2, "Z")]), (-0.25, [])]
    assert (tg.Z(0) * tg.Z(1)).terms == (tg.Z(0) @ tg.Z(1)).terms
    assert (tg.Z(0) / 2).terms == [(0.5, [(0, "Z")])]
    with pytest.raises(ValueError, match="disjoint wires"):
        tg.X(0) @ tg.Y(0)
    with pytest.raises(ValueError, match="Pauli"):
        tg.PauliSum.single("Q", 0)


def test_readout_kinds_and_shapes():
    c = small_circuit()
    X = np.random.default_rng(0).random((5, 3))
    rs = [tg.Z(0), tg.Probs([0, 2]), tg.Projector([1], 1), tg.Hermitian(np.diag([1.0, -1.0]), [0]), tg.Expval(0.5)]
    y = c.run(rs, X)
    assert y.shape == (5, 1 + 4 + 1 + 1 + 1)
    np.testing.assert_allclose(y[:, 0], y[:, 6], atol=1e-12)  # Hermitian diag(1, -1) is Z
    np.testing.assert_allclose(y[:, 1:5].sum(1), 1.0, atol=1e-12)
    np.testing.assert_allclose(y[:, 7], 0.5)
    np.testing.assert_allclose(c.probs([1], X)[:, 1], y[:, 5], atol=1e-12)
    assert tg.Projector([0, 1], [1, 0]).basis_state == 2


def test_shapes_and_defaults():
    c = small_circuit()
    X = np.random.default_rng(1).random((4, 3))
    W = c.initial_weights(0)
    assert c.expval(OBS, X).shape == (4, 2)
    assert c.expval(tg.Z(0), X).shape == (4,)           # one readout, one output: no output dim
    assert c.expval(OBS, X[0]).shape == (2,)            # one sample: no batch dim
    assert c.expval(tg.Z(0), X[0]).shape == ()
    assert c.probs([0, 1], X).shape == (4, 4)
    np.testing.assert_array_equal(c.expval(OBS, X), c.expval(OBS, X, W))  # weights default: seed 0
    np.testing.assert_array_equal(c.expval(OBS, X.tolist()), c.expval(OBS, torch.from_numpy(X)))
    dW, dX = c.vjp(OBS, X, W, np.ones((4, 2)))
    assert dW.shape == (c.n_weights,) and dX.shape == (4, 3)
    dW1, dX1 = c.vjp(OBS, X[0], W)
    assert dW1.shape == (c.n_weights,) and dX1.shape == (3,)
    jw, jx = c.jacobian(tg.Z(0), X)
    assert jw.shape == (4, c.n_weights) and jx.shape == (4, 3)
    assert c.states(X).shape == (4, 8) and c.states(X[0]).shape == (8,)
    assert c.sample(10, inputs=X[0]).shape == (10,)
    # A circuit without inputs runs one sample when inputs are omitted.
    d = tg.Circuit(2).h(0).cnot(0, 1)
    np.testing.assert_allclose(d.probs(), [0.5, 0, 0, 0.5], atol=1e-12)
    np.testing.assert_allclose(d.expval(tg.Z(0) @ tg.Z(1)), 1.0)


def test_every_core_op_is_reachable():
    c = tg.Circuit(3)
    x = c.inputs(3 + 4)
    w = c.weights(3)
    c.amplitude_embedding(x[0:3], [0, 1])
    for name in ["i", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx"]:
        getattr(c, name)(0)
    c.cnot(0, 1).cz(0, 1).cy(0, 1).swap(0, 1).iswap(0, 1).toffoli(0, 1, 2).cswap(0, 1, 2)
    for name in ["rx", "ry", "rz", "phase_shift"]:
        getattr(c, name)(w[0], 1)
    for name in ["rxx", "ryy", "rzz", "crx", "cry", "crz", "controlled_phase_shift"]:
        getattr(c, name)(w[1], 1, 2)
    c.multirz(w[2], [0, 1, 2]).pauli_rot(x[0], "XIZ", [0, 1, 2])
    c.rot(w[0], w[1], w[2], 0).u3(0.1, 0.2, 0.3, 1).crot(w[0], 0.2, x[1], 2, 0)
    c.unitary(np.eye(4), [0, 2]).special_unitary([1])
    c.evolution(x[3:7], 0.5 * w[0], [2])
    # channels, strengths first and wires last
    c.depolarizing(0.1, 0).two_qubit_depolarizing(w[0] * 0.01, 0, 1).bit_flip(0.1, 1).phase_flip(0.1, 2)
    c.pauli_channel(0.1, 0.1, 0.1, 0).amplitude_damping(0.1, 0).generalized_amplitude_damping(0.1, 0.2, 1)
    c.phase_damping(0.1, 2).thermal_relaxation(1.0, 1.5, 0.1, 0).reset(1).kraus([np.eye(2)], [2])
    assert {op.gate for op in c.ops} == set(tg.gate_names()) - {"StatePreparation"}
    d = tg.Circuit(2).state_preparation([0, 1j, 0, 0], [0, 1])
    np.testing.assert_allclose(d.probs(), [0, 1, 0, 0], atol=1e-12)
    assert np.isfinite(c.expval(OBS, np.random.default_rng(2).random(7))).all()


# --- pickling -----------------------------------------------------------------------------------

def test_circuit_pickles_as_plain_data():
    c = small_circuit()
    d = pickle.loads(pickle.dumps(c))
    assert type(d) is tg.Circuit
    state = tg._state.circuit_state(c)
    assert tg._state.circuit_state(d) == state
    assert all(type(v) in (int, float, str, list, dict, tuple, bool, complex, type(None))
               for v in _leaves(state))
    X = np.random.default_rng(3).random((3, 3))
    np.testing.assert_array_equal(d.expval(OBS, X), c.expval(OBS, X))
    np.testing.assert_array_equal(d.initial_weights(5), c.initial_weights(5))
    e = copy.deepcopy(c)
    e.x(0)
    assert len(e.ops) == len(c.ops) + 1


def _leaves(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from _leaves(x)
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from _leaves(x)
    else:
        yield v


def test_readouts_expressions_and_programs_pickle():
    rs = [0.5 * tg.X(1) @ tg.Y(2) + tg.Z(2) - 1.0, tg.Probs([2, 0]), tg.Projector([1], 1),
          tg.Hermitian([[1, 1j], [-1j, 0]], [1])]
    back = pickle.loads(pickle.dumps(tg.readouts.as_readouts(rs)[0]))
    assert [repr(r) for r in back] == [repr(tg.Expval(rs[0])), repr(rs[1]), repr(rs[2]), repr(rs[3])]
    np.testing.assert_array_equal(back[3].matrix, rs[3].matrix)
    c = tg.Circuit(3)
    x, w = c.inputs(2), c.weights((2, 2))
    e = 0.5 * x[1] * w[1, 0] + x[0] * x[1] - 2
    assert pickle.loads(pickle.dumps(e)) == e
    assert pickle.loads(pickle.dumps(w)).shape == (2, 2)
    c.ry(e, 0)
    p = pickle.loads(pickle.dumps(c.program(rs[:1])))
    assert p.n_outputs == 1 and p.n_weights == 4


def test_quantum_layer_pickles():
    c = small_circuit()
    layer = tg.QuantumLayer(c, OBS + [tg.Probs([0])], seed=4)
    back = pickle.loads(pickle.dumps(layer))
    x = torch.rand(3, 3)
    assert torch.equal(back(x), layer(x))


# --- text formats -------------------------------------------------------------------------------

def test_draw_and_qasm():
    c = small_circuit()
    text = tg.draw(c, OBS)
    assert "RX(0.5*w[0]*x[1] + w[1])" in text and text.count("\n") >= 2
    X = np.random.default_rng(4).random(3)
    qasm = c.to_qasm(inputs=X)
    assert qasm.startswith("OPENQASM 2.0;")
    d = tg.from_qasm(qasm)
    assert isinstance(d, tg.Circuit) and d.n_weights == 0 and d.n_inputs == 0
    # Exact up to a global phase.
    a, b = c.states(X), d.states()
    assert abs(abs(np.vdot(a, b)) - 1) < 1e-10


def test_read_qasm_turns_final_measurements_into_the_readout():
    head = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\n'
    c, measured = tg.read_qasm(head + "x q[0];\nh q[1];\nmeasure q -> c;\n")
    assert measured == [2, 1, 0] and len(c.ops) == 2
    # c[0] = 1 always, c[1] half the time: classical values 1 and 3.
    assert np.allclose(c.probs(measured), [0, 0.5, 0, 0.5, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="line 6, column 1: 'x' acts on q\\[0\\] after its measurement on line 5"):
        tg.read_qasm(head + "measure q[0] -> c[0];\nx q[0];\n")


# --- errors -------------------------------------------------------------------------------------

def test_bad_arguments_raise_value_errors_with_clear_messages():
    c = small_circuit()
    X = np.random.default_rng(5).random((2, 3))
    with pytest.raises(ValueError, match="inputs have width 2 but the circuit takes 3 inputs"):
        c.expval(OBS, X[:, :2])
    with pytest.raises(ValueError, match="wire 3 is out of range"):
        c.rx(0.1, 3)
    with pytest.raises(ValueError, match="wire 5 .*out of range|uses wire 5"):
        c.expval(tg.Z(5), X)
    with pytest.raises(ValueError, match='unknown rotation "W"'):
        c.angle_embedding([0.1], rotation="W")
    bad = X.copy()
    bad[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"input x\[1, 2\] = inf is not finite"):
        c.expval(OBS, bad)
    w = c.weights(2)
    with pytest.raises(ValueError, match="two weights"):
        c.ry(w[0] * w[1], 0)
    n = c.n_weights
    with pytest.raises(ValueError, match=rf"weights have shape \({n - 1},\) but the circuit has {n} weights"):
        c.expval(OBS, X, np.zeros(n - 1))
    with pytest.raises(ValueError, match="pass inputs="):
        c.expval(OBS)
    with pytest.raises(ValueError, match="unknown gradient method"):
        c.vjp(OBS, X, method="magic")
    with pytest.raises(ValueError, match="shots= needs method='param_shift'"):
        c.vjp(OBS, X, shots=100)
    with pytest.raises(ValueError, match=r"cotangent has shape \(2, 3\) but the outputs have shape \(2, 2\)"):
        c.vjp(OBS, X, cotangent=np.ones((2, 3)))
    with pytest.raises(ValueError, match="is not unitary"):
        c.unitary(np.ones((2, 2)), [0])
    with pytest.raises(ValueError, match='precision "f16"'):
        c.expval(OBS, X, precision="f16")
    # A failed call leaves the circuit unchanged.
    assert len(c.ops) == len(small_circuit().ops)


def test_other_failures_raise_runtime_error():
    c = small_circuit()
    prog = c.program(OBS)
    with pytest.raises(MemoryError, match=r"simulating 3 qubits .* needs [0-9.]+ KiB but the memory limit is 1 B"):
        tg._tangle.forward(prog, np.zeros((4, 3)), c.initial_weights(0), tg.RunOptions(memory_limit=1))
    # Without a limit, the machine's available memory: refused before anything is allocated.
    big = tg.Circuit(36)
    big.h(0)
    with pytest.raises(MemoryError, match=r"simulating 36 qubits .* needs [0-9.]+ (TiB|GiB) but only [0-9.]+ \w+ are available"):
        big.expval(tg.Z(0))
