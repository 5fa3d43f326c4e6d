#include "clifford_frame.hpp"

#include <bit>
#include <cmath>

#include "sim/dense_math.hpp"

namespace tangle::detail {

namespace {

PauliString multiply(const PauliString& a, const PauliString& b) {
  // Z^a X^b = (-1)^(a.b) X^b Z^a moves b's X factors left of a's Z factors.
  return {a.x ^ b.x, a.z ^ b.z, (a.r + b.r + 2 * std::popcount(a.z & b.x)) & 3};
}

PauliString from_word(const std::vector<int>& wires, const std::vector<Pauli>& word) {
  PauliString p;
  for (size_t t = 0; t < wires.size(); ++t) {
    const std::uint64_t bit = std::uint64_t{1} << wires[t];
    if (word[t] == Pauli::X || word[t] == Pauli::Y) p.x |= bit;
    if (word[t] == Pauli::Z || word[t] == Pauli::Y) p.z |= bit;
    if (word[t] == Pauli::Y) p.r += 1;  // Y = i X Z
  }
  p.r &= 3;
  return p;
}

// Letters of a Hermitian Pauli string and its sign: p = sign * word.
double to_word(const PauliString& p, std::vector<int>& wires, std::vector<Pauli>& word) {
  wires.clear();
  word.clear();
  const std::uint64_t support = p.x | p.z;
  for (int q = 0; q < 64; ++q) {
    if (!(support >> q & 1)) continue;
    const bool x = p.x >> q & 1, z = p.z >> q & 1;
    wires.push_back(q);
    word.push_back(x && z ? Pauli::Y : x ? Pauli::X : Pauli::Z);
  }
  // i^r X Z = i^r (-i) Y on each Y qubit.
  const int phase = (p.r - std::popcount(p.x & p.z)) & 3;
  return phase == 0 ? 1.0 : -1.0;  // phase is 0 or 2 for Hermitian words
}

// The full matrix of a (possibly controlled) fixed op on controls + targets, controls first.
MatrixC full_matrix(const LoweredOp& op) {
  const int c = static_cast<int>(op.controls.size()), t = static_cast<int>(op.targets.size());
  const index_t dim_t = index_t{1} << t, dim = index_t{1} << (c + t);
  MatrixC m = MatrixC::Identity(dim, dim);
  const index_t base = dim - dim_t;  // all controls 1
  for (index_t r = 0; r < dim_t; ++r)
    for (index_t k = 0; k < dim_t; ++k) m(base + r, base + k) = op.matrix[static_cast<size_t>(r * dim_t + k)];
  return m;
}

}  // namespace

CliffordFrame::CliffordFrame(int n_qubits) : n_(n_qubits) {
  x_images_.resize(static_cast<size_t>(n_));
  z_images_.resize(static_cast<size_t>(n_));
  for (int q = 0; q < n_; ++q) {
    x_images_[static_cast<size_t>(q)] = {std::uint64_t{1} << q, 0, 0};
    z_images_[static_cast<size_t>(q)] = {0, std::uint64_t{1} << q, 0};
  }
}

PauliString CliffordFrame::conjugate(const PauliString& p) const {
  PauliString out{0, 0, p.r};
  for (int q = 0; q < n_; ++q) {
    if (p.x >> q & 1) out = multiply(out, x_images_[static_cast<size_t>(q)]);
    if (p.z >> q & 1) out = multiply(out, z_images_[static_cast<size_t>(q)]);
  }
  return out;
}

bool CliffordFrame::absorb(const std::vector<cdouble>& matrix, const std::vector<int>& wires) {
  const int k = static_cast<int>(wires.size());
  const index_t dim = index_t{1} << k;
  const Eigen::Map<const MatrixC> c(matrix.data(), dim, dim);
  std::vector<PauliString> new_x(static_cast<size_t>(k)), new_z(static_cast<size_t>(k));
  for (int t = 0; t < k; ++t) {
    for (int which = 0; which < 2; ++which) {
      // C^dag P C for P = X or Z on local wire t (local bit k-1-t), as one phased local word.
      std::vector<double> coef(static_cast<size_t>((index_t{1} << (2 * k)) - 1), 0.0);
      coef[static_cast<size_t>((std::uint64_t{which == 0 ? 1u : 3u} << (2 * (k - 1 - t))) - 1)] = 1.0;
      const MatrixC image = c.adjoint() * pauli_combination(coef.data(), k) * c;
      std::vector<cdouble> traces(coef.size());
      pauli_traces(image, k, traces.data());
      int found = -1;
      cdouble value = 0.0;
      for (size_t w = 0; w < traces.size(); ++w) {
        const cdouble v = traces[w] / static_cast<double>(dim);
        if (std::abs(v) < 1e-9) continue;
        if (found >= 0 || std::abs(std::abs(v) - 1.0) > 1e-9) return false;  // not a single Pauli word
        found = static_cast<int>(w);
        value = v;
      }
      if (found < 0) return false;
      // value * P_word with P_word in letter form; convert to i^r X^x Z^z on the global wires.
      std::vector<int> ws;
      std::vector<Pauli> letters;
      const std::uint64_t word = static_cast<std::uint64_t>(found) + 1;
      for (int u = 0; u < k; ++u) {
        const auto letter = static_cast<Pauli>((word >> (2 * (k - 1 - u))) & 3);
        if (letter == Pauli::I) continue;
        ws.push_back(wires[static_cast<size_t>(u)]);
        letters.push_back(letter);
      }
      PauliString local = from_word(ws, letters);
      const int phase = std::abs(value.real() - 1.0) < 1e-9 ? 0 : std::abs(value.imag() - 1.0) < 1e-9 ? 1
                        : std::abs(value.real() + 1.0) < 1e-9 ? 2 : 3;
      local.r = (local.r + phase) & 3;
      (which == 0 ? new_x : new_z)[static_cast<size_t>(t)] = conjugate(local);
    }
  }
  for (int t = 0; t < k; ++t) {
    x_images_[static_cast<size_t>(wires[static_cast<size_t>(t)])] = new_x[static_cast<size_t>(t)];
    z_images_[static_cast<size_t>(wires[static_cast<size_t>(t)])] = new_z[static_cast<size_t>(t)];
  }
  identity_ = false;
  return true;
}

LoweredProgram absorb_cliffords(const LoweredProgram& program) {
  LoweredProgram out = program;
  out.ops.clear();
  CliffordFrame frame(program.n_qubits);
  std::vector<LoweredOp> pending;  // the Clifford gates the frame holds, in order
  auto flush = [&] {
    for (LoweredOp& op : pending) out.ops.push_back(std::move(op));
    pending.clear();
    frame = CliffordFrame(program.n_qubits);
  };
  for (const LoweredOp& op : program.ops) {
    if (op.kind == LoweredOp::Kind::Matrix && op.targets.size() + op.controls.size() <= 3) {
      std::vector<int> wires = op.controls;
      wires.insert(wires.end(), op.targets.begin(), op.targets.end());
      const MatrixC m = full_matrix(op);
      const std::vector<cdouble> flat(m.data(), m.data() + m.size());
      if (frame.absorb(flat, wires)) {
        pending.push_back(op);
        continue;
      }
    }
    if (op.kind == LoweredOp::Kind::PauliRotation && op.controls.empty()) {
      if (frame.identity()) {
        out.ops.push_back(op);
        continue;
      }
      LoweredOp r = op;
      const double sign = to_word(frame.conjugate(from_word(op.targets, op.word)), r.targets, r.word);
      if (sign < 0) r.angle = -op.angle;
      out.ops.push_back(std::move(r));
      continue;
    }
    flush();
    out.ops.push_back(op);
  }
  bool pauli_readouts = true;
  for (const Readout& r : program.readouts) pauli_readouts = pauli_readouts && r.kind() == Readout::Kind::Expval;
  if (!pauli_readouts || frame.identity()) {
    flush();
    return out;
  }
  out.readouts.clear();
  for (const Readout& r : program.readouts) {
    PauliSum sum;
    for (const PauliTerm& t : r.observable().terms()) {
      std::vector<int> wires;
      std::vector<Pauli> letters;
      for (const auto& f : t.factors) {
        wires.push_back(f.first);
        letters.push_back(f.second);
      }
      const double sign = to_word(frame.conjugate(from_word(wires, letters)), wires, letters);
      PauliSum term(t.coef * sign);
      for (size_t i = 0; i < wires.size(); ++i) term = term * PauliSum::single(letters[i], wires[i]);
      sum = sum + term;
    }
    out.readouts.push_back(Readout::expval(sum));
  }
  return out;
}

}  // namespace tangle::detail
