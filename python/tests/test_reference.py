"""tangle against the independent numpy simulator (numpy_sim.py): random circuits that use every
op kind with random affine angles, random Pauli-sum observables and every readout kind."""

import itertools

import numpy as np
import pytest

import numpy_sim as ref
import tangle as tg

N = 3      # qubits
NX = 4     # main input block
NW = 6     # main weight block


def haar_unitary(rng, d):
    z = (rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def random_hermitian(rng, d):
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    return (a + a.conj().T) / 2


class Builder:
    """Builds the same random circuit twice: as a tangle.Circuit and as numpy_sim specs."""

    def __init__(self, rng, first=None):
        self.rng = rng
        self.c = tg.Circuit(N)
        self.ops = []
        self.x = self.c.inputs(NX)
        self.w = self.c.weights(NW)
        if first == "amplitude_embedding":
            k = int(rng.integers(1, N + 1))
            wires = self.wires(k)
            size = int(rng.integers(1, 2**k + 1))
            xa = self.c.inputs(size)
            pad = float(rng.normal())
            self.c.amplitude_embedding(xa, wires, pad=pad, normalize=True)
            self.ops.append(("amplitude_embedding", wires, xa.offset, size, pad, True))
        elif first == "state_preparation":
            k = int(rng.integers(1, N + 1))
            wires = self.wires(k)
            a = rng.normal(size=2**k) + 1j * rng.normal(size=2**k)
            a /= np.linalg.norm(a)
            self.c.state_preparation(a, wires)
            self.ops.append(("state_preparation", wires, a))

    def wires(self, k):
        return [int(q) for q in self.rng.permutation(N)[:k]]

    def angle(self):
        """A random affine form: constant + 1..3 terms of coef * [w_k] * [x_j] * [x_m]."""
        rng = self.rng
        const = float(rng.normal())
        terms = []
        for _ in range(int(rng.integers(1, 4))):
            shape = rng.choice(["w", "x", "wx", "xx", "wxx"])
            k = int(rng.integers(NW)) if "w" in shape else -1
            j = int(rng.integers(NX)) if "x" in shape else -1
            m = int(rng.integers(NX)) if shape.count("x") == 2 else -1
            terms.append((float(rng.normal()), k, j, m))
        e = const
        for coef, k, j, m in terms:
            t = coef
            if k >= 0:
                t = t * self.w[k]
            if j >= 0:
                t = t * self.x[j]
            if m >= 0:
                t = t * self.x[m]
            e = e + t
        return e, (const, terms)

    def add(self, kind):
        c, rng = self.c, self.rng
        fixed1 = ["I", "X", "Y", "Z", "H", "S", "Sdg", "T", "Tdg", "SX"]
        if kind in fixed1:
            q = self.wires(1)
            getattr(c, kind.lower())(q[0])
            self.ops.append(("fixed", kind, 0, q))
        elif kind in ("CNOT", "CZ", "CY", "SWAP", "ISWAP"):
            q = self.wires(2)
            getattr(c, kind.lower())(*q)
            self.ops.append(("fixed", kind, 0, q))
        elif kind in ("Toffoli", "CSWAP"):
            q = self.wires(3)
            getattr(c, kind.lower())(*q)
            self.ops.append(("fixed", kind, 0, q))
        elif kind in ("RX", "RY", "RZ", "RXX", "RYY", "RZZ", "CRX", "CRY", "CRZ"):
            k = 1 if kind in ("RX", "RY", "RZ") else 2
            q = self.wires(k)
            e, a = self.angle()
            getattr(c, kind.lower())(e, *q)
            letter = kind[-1]
            controls = 1 if kind.startswith("C") else 0
            self.ops.append(("pauli", letter * (k - controls), controls, q, a))
        elif kind == "MultiRZ":
            q = self.wires(int(rng.integers(1, N + 1)))
            e, a = self.angle()
            c.multirz(e, q)
            self.ops.append(("pauli", "Z" * len(q), 0, q, a))
        elif kind == "PauliRot":
            q = self.wires(int(rng.integers(1, N + 1)))
            word = "".join(rng.choice(list("IXYZ"), size=len(q)))
            e, a = self.angle()
            c.pauli_rot(e, word, q)
            self.ops.append(("pauli", word, 0, q, a))
        elif kind == "PhaseShift":
            q = self.wires(1)
            e, a = self.angle()
            c.phase_shift(e, q[0])
            self.ops.append(("phase", 0, q, a))
        elif kind == "ControlledPhaseShift":
            q = self.wires(2)
            e, a = self.angle()
            c.controlled_phase_shift(e, *q)
            self.ops.append(("phase", 1, q, a))
        elif kind in ("Rot", "U3", "CRot"):
            q = self.wires(2 if kind == "CRot" else 1)
            es, as_ = zip(*[self.angle() for _ in range(3)])
            getattr(c, kind.lower())(*es, *q)
            self.ops.append((kind.lower(), q, as_))
        elif kind == "Unitary":
            q = self.wires(int(rng.integers(1, 3)))
            u = haar_unitary(rng, 2 ** len(q))
            c.unitary(u, q)
            self.ops.append(("unitary", q, u))
        elif kind == "SpecialUnitary":
            q = self.wires(int(rng.integers(1, 3)))
            if rng.random() < 0.5:
                block = c.special_unitary(q, tg.WeightInit.normal(0.0, 0.5))
            else:
                block = c.weights(4 ** len(q) - 1)
                c.special_unitary(block, q)
            self.ops.append(("special_unitary", q, block.offset))
        elif kind == "Evolution":
            q = self.wires(int(rng.integers(1, 3)))
            xb = c.inputs(4 ** len(q))
            e, a = self.angle()
            c.evolution(xb, e, q)
            self.ops.append(("evolution", q, xb.offset, a))
        else:
            raise AssertionError(kind)

    def random_readouts(self):
        rng = self.rng
        rs, specs = [], []
        for _ in range(2):
            h, terms = 0.0, []
            for _ in range(int(rng.integers(1, 4))):
                q = self.wires(int(rng.integers(1, N + 1)))
                word = "".join(rng.choice(list("XYZ"), size=len(q)))
                coef = float(rng.normal())
                factors = [getattr(tg, letter)(wire) for letter, wire in zip(word, q)]
                p = coef * factors[0]
                for f in factors[1:]:
                    p = p @ f
                h = h + p
                terms.append((coef, word, q))
            const = float(rng.normal())
            h = h + const
            terms.append((const, "", []))
            rs.append(h)
            specs.append(("expval", terms))
        q = self.wires(2)
        rs.append(tg.Probs(q))
        specs.append(("probs", q))
        q = self.wires(2)
        b = int(rng.integers(4))
        rs.append(tg.Projector(q, b))
        specs.append(("projector", q, b))
        q = self.wires(int(rng.integers(1, 3)))
        m = random_hermitian(rng, 2 ** len(q))
        rs.append(tg.Hermitian(m, q))
        specs.append(("hermitian", q, m))
        return rs, specs


# Unitary ops only: the channels have their own tests (test_noise.py) against the mixed-state engine.
CHANNELS = {"Depolarizing", "TwoQubitDepolarizing", "BitFlip", "PhaseFlip", "PauliChannel", "AmplitudeDamping",
            "GeneralizedAmplitudeDamping", "PhaseDamping", "ThermalRelaxation", "Reset", "Kraus"}
OP_KINDS = [name for name in tg.gate_names() if name not in ("AmplitudeEmbedding", "StatePreparation") and
            name not in CHANNELS]


def random_case(seed, first=None):
    rng = np.random.default_rng(seed)
    b = Builder(rng, first)
    kinds = list(OP_KINDS)
    rng.shuffle(kinds)
    for kind in kinds:
        b.add(kind)
    rs, specs = b.random_readouts()
    batch = 3
    x = rng.normal(size=(batch, b.c.n_inputs))
    w = rng.normal(size=b.c.n_weights)
    return b, rs, specs, x, w


def test_numpy_reference_agrees_with_textbook_states():
    # The oracle itself: wire 0 is the most significant bit, RX(pi) = -iX, CNOT control first.
    s = ref.final_state(2, [("fixed", "X", 0, [0]), ("fixed", "CNOT", 0, [0, 1])], [], [])
    assert np.allclose(s, [0, 0, 0, 1])
    s = ref.final_state(2, [("fixed", "X", 0, [1])], [], [])
    assert np.allclose(s, [0, 1, 0, 0])
    assert np.allclose(ref.pauli_rotation(np.pi, "X"), -1j * ref.PAULI["X"])
    assert np.allclose(ref.special_unitary([0.3, 0, 0], 1), np.cos(0.3) * np.eye(2) + 1j * np.sin(0.3) * ref.PAULI["X"])


def test_every_op_kind_is_covered():
    assert set(OP_KINDS) | {"AmplitudeEmbedding", "StatePreparation"} | CHANNELS == set(tg.gate_names())
    b, *_ = random_case(0)
    assert sorted({op.gate for op in b.c.ops}) == sorted(OP_KINDS)


@pytest.mark.parametrize("seed,first", [(1, None), (2, None), (3, "amplitude_embedding"),
                                        (4, "state_preparation"), (5, "amplitude_embedding")])
def test_outputs_and_vjp_match_numpy(seed, first):
    b, rs, specs, x, w = random_case(seed, first)
    want = ref.outputs(N, b.ops, specs, w, x)
    got = b.c.run(rs, inputs=x, weights=w)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-10)

    g = np.random.default_rng(seed).normal(size=want.shape)
    dw, dx = b.c.vjp(rs, inputs=x, weights=w, cotangent=g)
    dw_ref, dx_ref = ref.vjp_fd(N, b.ops, specs, w, x, g)
    np.testing.assert_allclose(dw, dw_ref, atol=2e-6)
    np.testing.assert_allclose(dx, dx_ref, atol=2e-6)


def test_states_match_numpy():
    b, rs, specs, x, w = random_case(6, "state_preparation")
    want = np.array([ref.final_state(N, b.ops, w, xi) for xi in x])
    np.testing.assert_allclose(b.c.states(inputs=x, weights=w), want, atol=1e-10)
    np.testing.assert_allclose(b.c.states(inputs=x[1], weights=w), want[1], atol=1e-10)


def test_amplitude_embedding_without_normalization():
    c = tg.Circuit(2)
    x = c.inputs(3)
    c.amplitude_embedding(x, [1, 0], pad=0.0, normalize=False)
    c.ry(0.3 * x[0], 0)
    xs = np.array([[0.6, 0.0, 0.8], [0.0, 1.0, 0.0]])
    ops = [("amplitude_embedding", [1, 0], 0, 3, 0.0, False), ("pauli", "Y", 0, [0], (0.0, [(0.3, -1, 0, -1)]))]
    specs = [("probs", [0, 1]), ("expval", [(1.0, "ZX", [0, 1])])]
    np.testing.assert_allclose(c.run([tg.Probs([0, 1]), tg.Z(0) @ tg.X(1)], xs),
                               ref.outputs(2, ops, specs, [], xs), atol=1e-12)


def test_float32_simulation_is_close_to_float64():
    b, rs, specs, x, w = random_case(7)
    y64 = b.c.run(rs, x, w)
    y32 = b.c.run(rs, x, w, precision="f32")
    assert not np.array_equal(y32, y64)  # really a different simulation
    np.testing.assert_allclose(y32, y64, atol=1e-5)


def test_jacobian_and_all_gradient_methods_agree():
    b, rs, specs, x, w = random_case(8)
    dw_j, dx_j = b.c.jacobian(rs, x, w)
    y = b.c.run(rs, x, w)
    assert dw_j.shape == y.shape + (b.c.n_weights,) and dx_j.shape == y.shape + (b.c.n_inputs,)
    g = np.random.default_rng(0).normal(size=y.shape)
    dw, dx = b.c.vjp(rs, x, w, g)
    np.testing.assert_allclose(np.einsum("bo,bow->w", g, dw_j), dw, atol=1e-10)
    np.testing.assert_allclose(np.einsum("bo,boi->bi", g, dx_j), dx, atol=1e-10)
    for method, tol in (("param_shift", 1e-9), ("finite_diff", 1e-6)):
        dw_m, dx_m = b.c.vjp(rs, x, w, g, method=method)
        np.testing.assert_allclose(dw_m, dw, atol=tol)
        np.testing.assert_allclose(dx_m, dx, atol=tol)
    dw_p, dx_p = b.c.param_shift(rs, x, w)
    np.testing.assert_allclose(dw_p, dw_j, atol=1e-9)
    dw_f, dx_f = b.c.finite_diff(rs, x, w, g)
    np.testing.assert_allclose(dw_f, dw, atol=1e-6)


def test_shots_estimate_the_exact_values_reproducibly():
    b, rs, specs, x, w = random_case(9)
    exact = b.c.run(rs, x, w)
    est = b.c.run(rs, x, w, shots=20000, seed=3)
    assert not np.array_equal(est, exact)
    np.testing.assert_allclose(est, exact, atol=0.15)
    np.testing.assert_array_equal(est, b.c.run(rs, x, w, shots=20000, seed=3))
    assert not np.array_equal(est, b.c.run(rs, x, w, shots=20000, seed=4))
    dw, _ = b.c.vjp(rs, x, w, method="param_shift", shots=20000, seed=1)
    dw_exact, _ = b.c.vjp(rs, x, w)
    assert not np.array_equal(dw, dw_exact)
    assert np.abs(dw - dw_exact).max() < 0.1 * np.abs(dw_exact).max() + 0.5


def test_sample_follows_the_probabilities():
    b, rs, specs, x, w = random_case(10)
    s = b.c.sample(4000, wires=[2, 0], inputs=x, weights=w, seed=5)
    assert s.shape == (3, 4000) and s.dtype == np.int64
    p = b.c.probs([2, 0], x, w)
    freq = np.stack([np.bincount(row, minlength=4) / 4000 for row in s])
    np.testing.assert_allclose(freq, p, atol=0.04)


# --- templates against their textbook definitions -------------------------------------------------

def test_templates_match_their_definitions():
    rng = np.random.default_rng(11)
    n = 3
    c = tg.Circuit(n)
    x = c.inputs(n)
    ops = []

    def xa(j):
        return (0.0, [(1.0, -1, j, -1)])

    c.angle_embedding(x, rotation="Y")
    ops += [("pauli", "Y", 0, [q], xa(q)) for q in range(n)]

    c.iqp_embedding(x, n_repeats=1)
    ops += [("fixed", "H", 0, [q]) for q in range(n)]
    ops += [("pauli", "Z", 0, [q], xa(q)) for q in range(n)]
    ops += [("pauli", "ZZ", 0, [i, j], (0.0, [(1.0, -1, i, j)])) for i, j in itertools.combinations(range(n), 2)]

    wb = c.weights((2, n))
    c.basic_entangler_layers(wb, rotation="Z")
    for l in range(2):
        ops += [("pauli", "Z", 0, [q], (0.0, [(1.0, wb.offset + l * n + q, -1, -1)])) for q in range(n)]
        ops += [("fixed", "CNOT", 0, [q, (q + 1) % n]) for q in range(n)]

    ws = c.weights((2, n, 3))
    c.strongly_entangling(ws)
    for l in range(2):
        for q in range(n):
            ops.append(("rot", [q], tuple((0.0, [(1.0, ws.offset + (l * n + q) * 3 + r, -1, -1)]) for r in range(3))))
        r = l % (n - 1) + 1
        ops += [("fixed", "CNOT", 0, [q, (q + r) % n]) for q in range(n)]

    we = c.weights(2 * n * 2)
    c.efficient_su2(we, reps=1)
    k = we.offset
    for rep in range(2):
        for letter in "YZ":
            for q in range(n):
                ops.append(("pauli", letter, 0, [q], (0.0, [(1.0, k, -1, -1)])))
                k += 1
        if rep == 0:
            ops += [("fixed", "CNOT", 0, [q, q + 1]) for q in range(n - 2, -1, -1)]

    wr = c.weights(n * 2)
    c.real_amplitudes(wr)  # reps inferred from the block size: 1
    k = wr.offset
    for rep in range(2):
        for q in range(n):
            ops.append(("pauli", "Y", 0, [q], (0.0, [(1.0, k, -1, -1)])))
            k += 1
        if rep == 0:
            ops += [("fixed", "CNOT", 0, [q, q + 1]) for q in range(n - 2, -1, -1)]

    wq = c.weights((2, 2))
    edges = [(0, 1), (1, 2)]
    c.qaoa_layers(wq, edges)
    ops += [("fixed", "H", 0, [q]) for q in range(n)]
    for l in range(2):
        ops += [("pauli", "ZZ", 0, [i, j], (0.0, [(2.0, wq.offset + 2 * l, -1, -1)])) for i, j in edges]
        ops += [("pauli", "X", 0, [q], (0.0, [(2.0, wq.offset + 2 * l + 1, -1, -1)])) for q in range(n)]

    xs = rng.normal(size=(2, n))
    w = rng.normal(size=c.n_weights)
    want = np.array([ref.final_state(n, ops, w, xi) for xi in xs])
    np.testing.assert_allclose(c.states(xs, w), want, atol=1e-10)
