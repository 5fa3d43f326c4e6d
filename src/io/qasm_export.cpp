// OpenQASM 2.0 export, with exact synthesis of dense blocks into qelib1 gates.
//
// Export writes only the 23 gates of the original qelib1.inc (Cross et al. 2017), so any
// OpenQASM 2 tool reads the text; everything else is decomposed exactly up to a global phase:
//  - Pauli rotations: basis change, CNOT ladder, rz.
//  - k-qubit unitaries: quantum Shannon decomposition (Shende, Bullock, Markov 2006). A cosine-sine
//    decomposition splits U into two block-diagonal halves around a multiplexed RY; each half is
//    demultiplexed into (I x V) . multiplexed RZ . (I x W); V, W recurse down to one qubit (ZYZ -> u3).
//  - States: Mottonen et al. (2004): multiplexed RY rotations set the magnitudes wire by wire,
//    then multiplexed RZ rotations set the phases.
//  - Multiplexed rotations: 2^c rotations and 2^c CNOTs in Gray-code order; the RY of each
//    cosine-sine step uses CZs instead and leaves its last (diagonal) CZ to the next factor, so a
//    k-qubit unitary takes C(k) = 4 C(k-1) + 3 2^(k-1) - 1 two-qubit gates, C(1) = 0.
// No decomposition wraps a controlled gate around a synthesized one, so dropping each single-qubit
// gate's global phase is exact: every dropped phase multiplies the whole state.
#include "tangle/io/qasm.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "sim/dense_math.hpp"
#include "tangle/core/error.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle {

namespace {

using Mat = Eigen::MatrixXcd;
using Vec = Eigen::VectorXcd;
using Eigen::Index;

// ------------------------------------------------------------------------------------------
// Writer: qelib1 statements with full-precision numbers.

// 17 significant digits round-trip every double; QASM 2 reals need a '.' before an exponent.
void append_number(std::string& out, double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s(buf);
  const size_t e = s.find('e');
  if (e != std::string::npos && s.find('.') == std::string::npos) s.insert(e, ".0");
  out += s;
}

class QasmWriter {
 public:
  explicit QasmWriter(int n_qubits) {
    out_ = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[";
    out_ += std::to_string(n_qubits);
    out_ += "];\n";
  }

  void comment(const std::string& text) {
    out_ += "// ";
    out_ += text;
    out_ += '\n';
  }

  void gate(const char* name, std::initializer_list<double> params, std::initializer_list<int> qubits) {
    out_ += name;
    if (params.size() > 0) {
      out_ += '(';
      const char* sep = "";
      for (double p : params) {
        out_ += sep;
        append_number(out_, p);
        sep = ",";
      }
      out_ += ')';
    }
    const char* sep = " ";
    for (int q : qubits) {
      out_ += sep;
      out_ += "q[";
      out_ += std::to_string(q);
      out_ += ']';
      sep = ",";
    }
    out_ += ";\n";
  }

  void cx(int c, int t) { gate("cx", {}, {c, t}); }
  void h(int q) { gate("h", {}, {q}); }
  void rx(double a, int q) { gate("rx", {a}, {q}); }
  void ry(double a, int q) { gate("ry", {a}, {q}); }
  // qelib1's rz is u1 = e^{i a/2} RZ(a): equal up to a global phase, which is all we need.
  void rz(double a, int q) { gate("rz", {a}, {q}); }
  void u1(double a, int q) { gate("u1", {a}, {q}); }
  void u3(double th, double ph, double la, int q) { gate("u3", {th, ph, la}, {q}); }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// ------------------------------------------------------------------------------------------
// Synthesis

// U = e^{i alpha} U3(theta, phi, lambda); the global phase alpha is dropped.
void write_one_qubit(const Mat& u, int wire, QasmWriter& out) {
  const cdouble u00 = u(0, 0), u01 = u(0, 1), u10 = u(1, 0), u11 = u(1, 1);
  const double theta = 2.0 * std::atan2(std::abs(u10), std::abs(u00));
  double alpha, phi, lambda;
  // An entry of modulus below 1e-12 has no reliable phase; its reconstruction error is that small.
  constexpr double kTiny = 1e-12;
  if (std::abs(u00) > kTiny) {
    alpha = std::arg(u00);
    if (std::abs(u10) > kTiny) {
      phi = std::arg(u10) - alpha;
      lambda = std::arg(-u01) - alpha;
    } else {
      phi = 0.0;
      lambda = std::arg(u11) - alpha;
    }
  } else {
    alpha = std::arg(u10);
    phi = 0.0;
    lambda = std::arg(-u01) - alpha;
  }
  // The identity (up to phase) needs no statement.
  if (std::abs(u01) < 1e-15 && std::abs(u10) < 1e-15 && std::abs(std::remainder(phi + lambda, 2 * M_PI)) < 1e-15)
    return;
  out.u3(theta, phi, lambda, wire);
}

// In-place Walsh-Hadamard transform: v[g] <- sum_j (-1)^popcount(g & j) v[j].
void walsh_hadamard(std::vector<double>& v) {
  for (size_t len = 1; len < v.size(); len <<= 1)
    for (size_t i = 0; i < v.size(); i += 2 * len)
      for (size_t j = i; j < i + len; ++j) {
        const double a = v[j], b = v[j + len];
        v[j] = a + b;
        v[j + len] = a - b;
      }
}

// R_axis(phi[j]) on `target` when the controls hold j (controls[0] the most significant bit).
// Gray-code order: after rotation i, a CNOT from the control whose bit flips between gray(i) and
// gray(i+1). Pushing the X's through, control value j sees rotation i with sign
// (-1)^popcount(j & gray(i)), so theta_i = 2^-c sum_j (-1)^popcount(j & gray(i)) phi_j.
// For RY, CZ works as well as CNOT (Z RY(a) Z = RY(-a)); then the last CZ, from controls[0], is
// diagonal and `drop_last_cz` leaves it to the caller to absorb. Returns whether it did (not when
// all angles are 0 and nothing is written, nor without controls).
bool write_multiplexed_rotation(char axis, std::vector<double> phi, const int* controls, int n_controls,
                                int target, QasmWriter& out, bool drop_last_cz = false) {
  if (std::all_of(phi.begin(), phi.end(), [](double a) { return std::abs(a) < 1e-14; })) return false;
  auto rotate = [&](double a) {
    if (std::abs(a) < 1e-14) return;
    if (axis == 'y') {
      out.ry(a, target);
    } else {
      out.rz(a, target);
    }
  };
  if (n_controls == 0) {
    rotate(phi[0]);
    return false;
  }
  walsh_hadamard(phi);
  const size_t n = phi.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t g = i ^ (i >> 1);
    rotate(phi[g] / static_cast<double>(n));
    const size_t next = (i + 1) % n;
    const size_t flip = g ^ (next ^ (next >> 1));
    const int control = controls[n_controls - 1 - std::countr_zero(flip)];
    if (!drop_last_cz) {
      out.cx(control, target);
    } else if (i + 1 < n) {
      out.gate("cz", {}, {control, target});
    }
  }
  return drop_last_cz;
}

// Nearest unitary (polar factor), to keep recursion factors unitary to machine precision.
Mat nearest_unitary(const Mat& a) {
  Eigen::JacobiSVD<Mat> svd(a, Eigen::ComputeFullU | Eigen::ComputeFullV);
  return svd.matrixU() * svd.matrixV().adjoint();
}

void write_unitary(const Mat& u, const int* wires, int k, QasmWriter& out);

// diag(u0, u1) with wires[0] the select bit: u0 = V D W, u1 = V D^dagger W where u0 u1^dagger = V D^2
// V^dagger (Schur form: V unitary even for repeated eigenvalues), W = D V^dagger u1; D (+) D^dagger is
// RZ(-2 arg d_j) on wires[0] multiplexed by the other wires.
void write_demultiplexed(const Mat& u0, const Mat& u1, const int* wires, int k, QasmWriter& out) {
  const Index m = u0.rows();
  Eigen::ComplexSchur<Mat> schur(u0 * u1.adjoint());
  const Mat v = schur.matrixU();
  Vec d(m);
  std::vector<double> angles(static_cast<size_t>(m));
  for (Index j = 0; j < m; ++j) {
    const double half = 0.5 * std::arg(schur.matrixT()(j, j));
    d(j) = std::polar(1.0, half);
    angles[static_cast<size_t>(j)] = -2.0 * half;
  }
  const Mat w = d.asDiagonal() * v.adjoint() * u1;
  write_unitary(w, wires + 1, k - 1, out);
  write_multiplexed_rotation('z', std::move(angles), wires + 1, k - 1, wires[0], out);
  write_unitary(v, wires + 1, k - 1, out);
}

// Quantum Shannon decomposition. The cosine-sine decomposition
//   U = diag(L0, L1) [[C, -S], [S, C]] diag(R0, R1)
// comes from the SVD A = L0 C R0 of the top-left block; the bottom-left block then is
// F R0 with F = L1 S, whose columns are orthogonal with norms s_j. Ordering the s_j decreasingly
// lets a plain QR of F give L1 even when some s_j vanish; R1 comes row by row from whichever of
// the right blocks (-S R1 or C R1) has the larger factor, which keeps it well conditioned.
void write_unitary(const Mat& u, const int* wires, int k, QasmWriter& out) {
  if (k == 1) {
    write_one_qubit(u, wires[0], out);
    return;
  }
  const Index m = u.rows() / 2;
  const Mat a = u.topLeftCorner(m, m), b = u.topRightCorner(m, m);
  const Mat c = u.bottomLeftCorner(m, m), dd = u.bottomRightCorner(m, m);
  Eigen::JacobiSVD<Mat> svd(a, Eigen::ComputeFullU | Eigen::ComputeFullV);
  // Singular values come in decreasing order: reversed, the cosines increase and the sines decrease.
  const Mat l0 = svd.matrixU().rowwise().reverse();
  const Mat r0 = svd.matrixV().rowwise().reverse().adjoint();
  const Eigen::VectorXd cos0 = svd.singularValues().reverse();

  Eigen::HouseholderQR<Mat> qr(c * r0.adjoint());
  Mat l1 = qr.householderQ();
  std::vector<double> theta(static_cast<size_t>(m)), cs(static_cast<size_t>(m)), sn(static_cast<size_t>(m));
  for (Index j = 0; j < m; ++j) {
    const cdouble r = qr.matrixQR()(j, j);
    const double s = std::abs(r);
    if (s > 0.0) l1.col(j) *= r / s;
    const double t = std::atan2(s, cos0(j));
    theta[static_cast<size_t>(j)] = 2.0 * t;
    cs[static_cast<size_t>(j)] = std::cos(t);
    sn[static_cast<size_t>(j)] = std::sin(t);
  }
  const Mat top = l0.adjoint() * b;   // -S R1
  const Mat bot = l1.adjoint() * dd;  //  C R1
  Mat r1(m, m);
  for (Index j = 0; j < m; ++j) {
    const size_t sj = static_cast<size_t>(j);
    if (cs[sj] >= sn[sj]) {
      r1.row(j) = bot.row(j) / cs[sj];
    } else {
      r1.row(j) = -top.row(j) / sn[sj];
    }
  }
  r1 = nearest_unitary(r1);

  // Circuit order is right to left in the product. The multiplexed RY leaves its last CZ, between
  // wires[1] and wires[0], to the left half: on the wires[0] = 1 block it is Z on the lower
  // block's first wire, i.e. L1 -> L1 diag(1, ..., 1, -1, ..., -1).
  write_demultiplexed(r0, r1, wires, k, out);
  if (write_multiplexed_rotation('y', std::move(theta), wires + 1, k - 1, wires[0], out, true))
    l1.rightCols(m / 2) *= -1.0;
  write_demultiplexed(l0, l1, wires, k, out);
}

// Prepares `amps` (normalized, wires[0] the most significant bit) from |0...0>.
void write_state(const Vec& amps, const int* wires, int k, QasmWriter& out) {
  const size_t dim = size_t{1} << k;
  std::vector<double> prob(dim), phase(dim);
  for (size_t j = 0; j < dim; ++j) {
    prob[j] = std::norm(amps(static_cast<Index>(j)));
    phase[j] = std::arg(amps(static_cast<Index>(j)));
  }
  // Magnitudes: wire m splits each prefix's weight between its two halves.
  for (int m = 0; m < k; ++m) {
    const size_t n_prefix = size_t{1} << m, half = dim >> (m + 1);
    std::vector<double> angles(n_prefix);
    for (size_t p = 0; p < n_prefix; ++p) {
      double n0 = 0.0, n1 = 0.0;
      for (size_t r = 0; r < half; ++r) {
        n0 += prob[(2 * p) * half + r];
        n1 += prob[(2 * p + 1) * half + r];
      }
      angles[p] = 2.0 * std::atan2(std::sqrt(n1), std::sqrt(n0));
    }
    write_multiplexed_rotation('y', std::move(angles), wires, m, wires[m], out);
  }
  // Phases: diag(e^{i phi_p0}, e^{i phi_p1}) = e^{i (phi_p0 + phi_p1)/2} RZ(phi_p1 - phi_p0), from
  // the last wire up; what remains after wire 0 is a global phase.
  for (int m = k - 1; m >= 0; --m) {
    const size_t n_prefix = size_t{1} << m;
    std::vector<double> angles(n_prefix), rest(n_prefix);
    for (size_t p = 0; p < n_prefix; ++p) {
      angles[p] = phase[2 * p + 1] - phase[2 * p];
      rest[p] = 0.5 * (phase[2 * p] + phase[2 * p + 1]);
    }
    write_multiplexed_rotation('z', std::move(angles), wires, m, wires[m], out);
    phase = std::move(rest);
  }
}

// exp(-i theta/2 P) for the word P on `wires` (identity letters skipped).
void write_pauli_rotation(const std::vector<Pauli>& word, const std::vector<int>& wires, double theta,
                          QasmWriter& out) {
  std::vector<int> active;
  std::vector<Pauli> letters;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] == Pauli::I) continue;
    active.push_back(wires[i]);
    letters.push_back(word[i]);
  }
  if (active.empty()) return;  // exp(-i theta/2 I) is a global phase
  // H Z H = X and RX(-pi/2) Z RX(pi/2) = Y: rotate each letter to Z before, and back after.
  auto basis = [&](bool into) {
    for (size_t i = 0; i < active.size(); ++i) {
      if (letters[i] == Pauli::X) out.h(active[i]);
      if (letters[i] == Pauli::Y) out.rx(into ? M_PI / 2 : -M_PI / 2, active[i]);
    }
  };
  basis(true);
  for (size_t i = 0; i + 1 < active.size(); ++i) out.cx(active[i], active[i + 1]);
  out.rz(theta, active.back());
  for (size_t i = active.size() - 1; i > 0; --i) out.cx(active[i - 1], active[i]);
  basis(false);
}

std::string wire_list(const std::vector<int>& wires) {
  std::string s;
  for (size_t i = 0; i < wires.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(wires[i]);
  }
  return s;
}

Mat dense_of(const Op& op, const double* w, const double* x, const std::vector<double>& angles) {
  const int k = static_cast<int>(op.targets().size());
  const Index dim = Index{1} << k;
  const std::string_view name = gate_info(op.gate).name;
  switch (op.gate) {
    case Gate::Unitary: {
      Mat u(dim, dim);
      for (Index r = 0; r < dim; ++r)
        for (Index c = 0; c < dim; ++c) u(r, c) = op.matrix[static_cast<size_t>(r * dim + c)];
      return u;
    }
    case Gate::SpecialUnitary: {
      const double* coef = w + op.block.offset();
      for (index_t i = 0; i < op.block.size(); ++i)
        TANGLE_CHECK(std::isfinite(coef[i]), "to_qasm: ", name, " weight w[", op.block.offset() + i, "] is ", coef[i]);
      return detail::hermitian_exp(detail::pauli_combination(coef, k)).u;
    }
    case Gate::Evolution: {
      const double* m = x + op.block.offset();
      for (index_t i = 0; i < op.block.size(); ++i)
        TANGLE_CHECK(std::isfinite(m[i]), "to_qasm: ", name, " input x[", op.block.offset() + i, "] is ", m[i]);
      const detail::SymmetricEigen se = detail::symmetric_eigen(m, static_cast<int>(dim));
      const Mat v = se.v.cast<cdouble>();
      Vec ph(dim);
      for (Index j = 0; j < dim; ++j) ph(j) = std::polar(1.0, -0.5 * angles[0] * se.h(j));
      return v * ph.asDiagonal() * v.transpose();
    }
    default: break;
  }
  throw ValueError(detail::concat("to_qasm: ", name, " is not a dense block"));
}

Vec state_of(const Op& op, const double* x) {
  const int k = static_cast<int>(op.wires.size());
  const Index dim = Index{1} << k;
  Vec a(dim);
  if (op.gate == Gate::StatePreparation) {
    for (Index j = 0; j < dim; ++j) a(j) = op.matrix[static_cast<size_t>(j)];
  } else {
    for (Index j = 0; j < dim; ++j) {
      const double v = j < op.block.size() ? x[op.block.offset() + j] : op.pad;
      TANGLE_CHECK(std::isfinite(v), "to_qasm: AmplitudeEmbedding amplitude ", j, " is ", v);
      a(j) = v;
    }
  }
  const double norm = a.norm();
  TANGLE_CHECK(norm > 0.0, "to_qasm: ", gate_info(op.gate).name, " amplitudes have norm 0");
  if (op.gate == Gate::AmplitudeEmbedding && !op.normalize)
    TANGLE_CHECK(std::abs(norm * norm - 1.0) < 1e-6, "to_qasm: AmplitudeEmbedding amplitudes have squared norm ",
                 norm * norm, " but normalize=false requires 1");
  return a / norm;
}

void write_op(const Op& op, const std::vector<double>& th, const double* w, const double* x, QasmWriter& out) {
  const std::vector<int>& q = op.wires;
  const double pi = M_PI;
  switch (op.gate) {
    case Gate::I: out.gate("id", {}, {q[0]}); return;
    case Gate::X: out.gate("x", {}, {q[0]}); return;
    case Gate::Y: out.gate("y", {}, {q[0]}); return;
    case Gate::Z: out.gate("z", {}, {q[0]}); return;
    case Gate::H: out.gate("h", {}, {q[0]}); return;
    case Gate::S: out.gate("s", {}, {q[0]}); return;
    case Gate::Sdg: out.gate("sdg", {}, {q[0]}); return;
    case Gate::T: out.gate("t", {}, {q[0]}); return;
    case Gate::Tdg: out.gate("tdg", {}, {q[0]}); return;
    case Gate::CNOT: out.cx(q[0], q[1]); return;
    case Gate::CZ: out.gate("cz", {}, {q[0], q[1]}); return;
    case Gate::CY: out.gate("cy", {}, {q[0], q[1]}); return;
    case Gate::Toffoli: out.gate("ccx", {}, {q[0], q[1], q[2]}); return;
    case Gate::RX: out.rx(th[0], q[0]); return;
    case Gate::RY: out.ry(th[0], q[0]); return;
    case Gate::RZ: out.rz(th[0], q[0]); return;
    case Gate::CRZ: out.gate("crz", {th[0]}, {q[0], q[1]}); return;
    case Gate::PhaseShift: out.u1(th[0], q[0]); return;
    case Gate::ControlledPhaseShift: out.gate("cu1", {th[0]}, {q[0], q[1]}); return;
    case Gate::U3: out.u3(th[0], th[1], th[2], q[0]); return;
    default: break;
  }

  // Everything else is not one qelib1 gate: say what it was.
  std::string what = std::string(gate_info(op.gate).name);
  if (op.gate == Gate::PauliRot) {
    what += ' ';
    for (Pauli p : op.word) what += pauli_letter(p);
  }
  out.comment("tangle: " + what + " on wires " + wire_list(q));
  switch (op.gate) {
    case Gate::SX: out.rx(pi / 2, q[0]); return;  // SX = e^{i pi/4} RX(pi/2)
    case Gate::SWAP:
      out.cx(q[0], q[1]);
      out.cx(q[1], q[0]);
      out.cx(q[0], q[1]);
      return;
    case Gate::ISWAP:  // (S x S), then H on the first, two CNOTs, H on the second
      out.gate("s", {}, {q[0]});
      out.gate("s", {}, {q[1]});
      out.h(q[0]);
      out.cx(q[0], q[1]);
      out.cx(q[1], q[0]);
      out.h(q[1]);
      return;
    case Gate::CSWAP:
      out.cx(q[2], q[1]);
      out.gate("ccx", {}, {q[0], q[1], q[2]});
      out.cx(q[2], q[1]);
      return;
    case Gate::RXX:
    case Gate::RYY:
    case Gate::RZZ:
    case Gate::MultiRZ:
    case Gate::PauliRot: write_pauli_rotation(op.word, q, th[0], out); return;
    // qelib1's cu3(theta, phi, lambda) controls RZ(phi) RY(theta) RZ(lambda) = Rot(lambda, theta, phi),
    // which is U3 without its phase e^{i (phi+lambda)/2}: so it is CRot exactly, and
    // RZ(-pi/2) RY(t) RZ(pi/2) = RX(t) makes it CRX exactly.
    case Gate::CRX: out.gate("cu3", {th[0], -pi / 2, pi / 2}, {q[0], q[1]}); return;
    case Gate::CRY: out.gate("cu3", {th[0], 0.0, 0.0}, {q[0], q[1]}); return;
    case Gate::CRot: out.gate("cu3", {th[1], th[2], th[0]}, {q[0], q[1]}); return;
    // Rot(phi, theta, omega) = e^{-i (phi + omega)/2} U3(theta, omega, phi); uncontrolled, the phase is global.
    case Gate::Rot: out.u3(th[1], th[2], th[0], q[0]); return;
    case Gate::Unitary:
    case Gate::SpecialUnitary:
    case Gate::Evolution:
      write_unitary(dense_of(op, w, x, th), q.data(), static_cast<int>(q.size()), out);
      return;
    case Gate::AmplitudeEmbedding:
    case Gate::StatePreparation:
      write_state(state_of(op, x), q.data(), static_cast<int>(q.size()), out);
      return;
    default: break;
  }
  throw ValueError(detail::concat("to_qasm: no OpenQASM form for ", gate_info(op.gate).name));
}

}  // namespace

std::string to_qasm(const Circuit& circuit, const std::vector<double>& weights, const std::vector<double>& inputs) {
  TANGLE_CHECK(static_cast<index_t>(weights.size()) == circuit.n_weights(), "to_qasm: ", weights.size(),
               " weights were given but the circuit has ", circuit.n_weights());
  TANGLE_CHECK(static_cast<index_t>(inputs.size()) == circuit.n_inputs(), "to_qasm: ", inputs.size(),
               " inputs were given but the circuit has ", circuit.n_inputs());
  QasmWriter out(circuit.n_qubits());
  std::vector<double> th;
  for (size_t i = 0; i < circuit.ops().size(); ++i) {
    const Op& op = circuit.ops()[i];
    th.clear();
    for (const Expr& e : op.angles) {
      const double v = e.eval(weights.data(), inputs.data());
      TANGLE_CHECK(std::isfinite(v), "to_qasm: angle ", e.to_string(), " of op ", i, " (",
                   gate_info(op.gate).name, ") is ", v);
      th.push_back(v);
    }
    if (op.gate == Gate::Reset) {  // OpenQASM 2.0's own `reset` statement
      out.gate("reset", {}, {op.wires[0]});
      continue;
    }
    if (is_channel(op.gate)) {
      // OpenQASM 2.0 has no other channels: say so where the channel was, never drop it silently.
      std::ostringstream note;
      note.precision(12);
      note << "channel " << gate_info(op.gate).name << "(";
      for (size_t j = 0; j < th.size(); ++j) note << (j ? ", " : "") << th[j];
      note << ") on q[" << detail::join(op.wires, "], q[") << "] is not part of OpenQASM 2.0 and is omitted";
      out.comment(note.str());
      continue;
    }
    write_op(op, th, weights.data(), inputs.data(), out);
  }
  return out.take();
}

}  // namespace tangle
