"""An independent state-vector simulator in plain numpy, from the textbook definitions of the
gates (PennyLane's conventions: wire 0 is the most significant bit, R_P(t) = exp(-i t P / 2)).
It shares no code with tangle: circuits are described here as plain tuples ("specs")."""

import itertools

import numpy as np

PAULI = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}

FIXED = {
    "I": PAULI["I"],
    "X": PAULI["X"],
    "Y": PAULI["Y"],
    "Z": PAULI["Z"],
    "H": np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2),
    "S": np.diag([1, 1j]),
    "Sdg": np.diag([1, -1j]),
    "T": np.diag([1, np.exp(1j * np.pi / 4)]),
    "Tdg": np.diag([1, np.exp(-1j * np.pi / 4)]),
    "SX": np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2,
    "SWAP": np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex),
    "ISWAP": np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=complex),
}


def kron(*ms):
    out = np.eye(1, dtype=complex)
    for m in ms:
        out = np.kron(out, m)
    return out


def word_matrix(word):
    return kron(*[PAULI[p] for p in word])


def controlled(u, n_controls=1):
    """|1..1><1..1| (x) u + (1 - |1..1><1..1|) (x) I: controls are the leading wires."""
    d = u.shape[0]
    full = np.eye(d << n_controls, dtype=complex)
    full[-d:, -d:] = u
    return full


def pauli_rotation(theta, word):
    # P^2 = I, so exp(-i t P / 2) = cos(t/2) I - i sin(t/2) P.
    p = word_matrix(word)
    return np.cos(theta / 2) * np.eye(p.shape[0]) - 1j * np.sin(theta / 2) * p


def rz(t):
    return pauli_rotation(t, "Z")


def ry(t):
    return pauli_rotation(t, "Y")


def rot(phi, theta, omega):
    return rz(omega) @ ry(theta) @ rz(phi)


def u3(theta, phi, lam):
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -np.exp(1j * lam) * s], [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]])


def exp_i_hermitian(a, scale):
    """exp(i * scale * A) for a Hermitian A, by its eigendecomposition."""
    vals, vecs = np.linalg.eigh(a)
    return (vecs * np.exp(1j * scale * vals)) @ vecs.conj().T


def special_unitary(omega, k):
    words = ["".join(w) for w in itertools.product("IXYZ", repeat=k)][1:]
    a = sum(o * word_matrix(w) for o, w in zip(omega, words))
    return exp_i_hermitian(a, 1.0)


def evolution(t, x, k):
    d = 2**k
    m = np.asarray(x, dtype=float).reshape(d, d)
    return exp_i_hermitian((m + m.T) / 2, -t / 2)


def apply(state, u, wires, n):
    """u (2^k x 2^k, wires[0] its most significant bit) applied to `wires` of an n-qubit state."""
    k = len(wires)
    psi = state.reshape([2] * n)
    psi = np.tensordot(u.reshape([2] * (2 * k)), psi, axes=(list(range(k, 2 * k)), list(wires)))
    return np.moveaxis(psi, list(range(k)), list(wires)).reshape(-1)


def embed(amplitudes, wires, n):
    """The state with `amplitudes` on `wires` and |0> on every other wire."""
    k = len(wires)
    rest = n - k
    t = np.zeros([2] * n, dtype=complex)
    t[(Ellipsis,) + (0,) * rest] = np.asarray(amplitudes, dtype=complex).reshape([2] * k)
    return np.moveaxis(t, list(range(k)), list(wires)).reshape(-1)


def eval_angle(angle, w, x):
    """angle = (constant, [(coef, weight, input, input2)]) with -1 for an absent factor."""
    const, terms = angle
    v = const
    for coef, k, j, m in terms:
        f = coef
        if k >= 0:
            f *= w[k]
        if j >= 0:
            f *= x[j]
        if m >= 0:
            f *= x[m]
        v += f
    return v


def op_matrix(op, w, x):
    """The unitary of one op spec for weights w and one sample's inputs x."""
    kind = op[0]
    if kind == "fixed":
        _, name, n_controls, _ = op
        base = {"CNOT": ("X", 1), "CZ": ("Z", 1), "CY": ("Y", 1), "Toffoli": ("X", 2), "CSWAP": ("SWAP", 1)}
        if name in base:
            return controlled(FIXED[base[name][0]], base[name][1])
        return FIXED[name]
    if kind == "pauli":  # (kind, word, n_controls, wires, angle)
        _, word, n_controls, _, angle = op
        return controlled(pauli_rotation(eval_angle(angle, w, x), word), n_controls)
    if kind == "phase":  # (kind, n_controls, wires, angle)
        _, n_controls, _, angle = op
        return controlled(np.diag([1, np.exp(1j * eval_angle(angle, w, x))]), n_controls)
    if kind in ("rot", "u3", "crot"):  # (kind, wires, (a0, a1, a2))
        _, _, angles = op
        a = [eval_angle(t, w, x) for t in angles]
        if kind == "u3":
            return u3(*a)
        return controlled(rot(*a)) if kind == "crot" else rot(*a)
    if kind == "unitary":  # (kind, wires, matrix)
        return op[2]
    if kind == "special_unitary":  # (kind, wires, weight offset)
        _, wires, offset = op
        k = len(wires)
        return special_unitary(w[offset:offset + 4**k - 1], k)
    if kind == "evolution":  # (kind, wires, input offset, time angle)
        _, wires, offset, time = op
        k = len(wires)
        return evolution(eval_angle(time, w, x), x[offset:offset + 4**k], k)
    raise ValueError(kind)


def op_wires(op):
    kind = op[0]
    if kind == "fixed":
        return op[3]
    if kind == "pauli":
        return op[3]
    if kind == "phase":
        return op[2]
    return op[1]


def final_state(n, ops, w, x):
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1
    for op in ops:
        if op[0] == "amplitude_embedding":  # (kind, wires, input offset, n features, pad, normalize)
            _, wires, offset, size, pad, normalize = op
            a = np.full(2 ** len(wires), pad, dtype=float)
            a[:size] = x[offset:offset + size]
            if normalize:
                a = a / np.linalg.norm(a)
            state = embed(a, wires, n)
        elif op[0] == "state_preparation":  # (kind, wires, amplitudes)
            state = embed(op[2], op[1], n)
        else:
            state = apply(state, op_matrix(op, w, x), op_wires(op), n)
    return state


def readout_values(state, n, readout):
    kind = readout[0]
    if kind == "expval":  # (kind, [(coef, word, wires)])
        v = 0.0
        for coef, word, wires in readout[1]:
            v += coef * (np.vdot(state, apply(state, word_matrix(word), wires, n)).real if wires else 1.0)
        return [v]
    if kind in ("probs", "projector"):
        wires = readout[1]
        p = np.abs(state.reshape([2] * n)) ** 2
        p = np.moveaxis(p, list(wires), list(range(len(wires))))
        p = p.reshape(2 ** len(wires), -1).sum(axis=1)
        return list(p) if kind == "probs" else [p[readout[2]]]
    if kind == "hermitian":  # (kind, wires, matrix)
        return [np.vdot(state, apply(state, readout[2], readout[1], n)).real]
    raise ValueError(kind)


def outputs(n, ops, readouts, w, xs):
    """[batch, n_outputs] for weights w and the rows of xs."""
    rows = []
    for x in xs:
        s = final_state(n, ops, w, x)
        rows.append([v for r in readouts for v in readout_values(s, n, r)])
    return np.array(rows)


def vjp_fd(n, ops, readouts, w, xs, g, h=1e-6):
    """Central finite differences of sum(g * outputs): (d_w [n_w], d_x [batch, n_in])."""
    w = np.array(w, dtype=float)
    xs = np.array(xs, dtype=float)
    f = lambda w_, xs_: float(np.sum(g * outputs(n, ops, readouts, w_, xs_)))  # noqa: E731
    dw = np.zeros_like(w)
    for k in range(w.size):
        e = np.zeros_like(w)
        e[k] = h
        dw[k] = (f(w + e, xs) - f(w - e, xs)) / (2 * h)
    dx = np.zeros_like(xs)
    for b in range(xs.shape[0]):
        for j in range(xs.shape[1]):
            e = np.zeros_like(xs)
            e[b, j] = h
            dx[b, j] = (f(w, xs + e) - f(w, xs - e)) / (2 * h)
    return dw, dx
