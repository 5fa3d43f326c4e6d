// OpenQASM 2.0 export, with exact synthesis of dense blocks into qelib1 gates, and import.
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
#include "tangle/ir/channel.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "sim/dense_math.hpp"
#include "tangle/core/error.hpp"

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
  Eigen::BDCSVD<Mat> svd(a, Eigen::ComputeFullU | Eigen::ComputeFullV);
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
    if (is_channel(op.gate)) {
      // OpenQASM 2.0 has no channels: say so where the channel was, never drop it silently.
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

// ==========================================================================================
// Import

namespace {

enum class Tok { Ident, Int, Real, String, Symbol, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;
  double value = 0.0;
  int line = 1;
  int col = 1;
};

[[noreturn]] void fail(int line, int col, const std::string& what) {
  throw ValueError(detail::concat("OpenQASM line ", line, ", column ", col, ": ", what));
}

[[noreturn]] void fail(const Token& t, const std::string& what) { fail(t.line, t.col, what); }

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::End: return "end of input";
    case Tok::String: return "\"" + t.text + "\"";
    default: return "'" + t.text + "'";
  }
}

// Tokens on demand, so errors come in reading order.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  Token next() {
    skip_space_and_comments();
    Token t;
    t.line = line_;
    t.col = col_;
    if (i_ >= s_.size()) return t;
    const char c = s_[i_];
    size_t j = i_;
    if (is_alpha(c)) {
      while (j < s_.size() && (is_alpha(s_[j]) || is_digit(s_[j]))) ++j;
      t.kind = Tok::Ident;
    } else if (is_digit(c) || (c == '.' && j + 1 < s_.size() && is_digit(s_[j + 1]))) {
      bool real = false;
      while (j < s_.size() && is_digit(s_[j])) ++j;
      if (j < s_.size() && s_[j] == '.') {
        real = true;
        ++j;
        while (j < s_.size() && is_digit(s_[j])) ++j;
      }
      if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
        size_t e = j + 1;
        if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
        if (e < s_.size() && is_digit(s_[e])) {
          real = true;
          j = e;
          while (j < s_.size() && is_digit(s_[j])) ++j;
        }
      }
      t.kind = real ? Tok::Real : Tok::Int;
      const std::string_view number = s_.substr(i_, j - i_);
      const auto res = std::from_chars(number.data(), number.data() + number.size(), t.value);
      if (res.ec == std::errc::result_out_of_range && number.find('-') != std::string_view::npos) {
        t.value = 0.0;  // below the smallest subnormal
      } else if (res.ec != std::errc()) {
        fail(line_, col_, "number '" + std::string(number) + "' is out of range");
      }
    } else if (c == '"') {
      ++j;
      while (j < s_.size() && s_[j] != '"' && s_[j] != '\n') ++j;
      if (j >= s_.size() || s_[j] != '"') fail(line_, col_, "string is not closed by '\"' on the same line");
      t.kind = Tok::String;
      t.text = std::string(s_.substr(i_ + 1, j - i_ - 1));
      advance(j + 1 - i_);
      return t;
    } else {
      static constexpr std::string_view kSymbols = ";,()[]{}+-*/^";
      t.kind = Tok::Symbol;
      if (s_.substr(i_, 2) == "->" || s_.substr(i_, 2) == "==") {
        j += 2;
      } else if (kSymbols.find(c) != std::string_view::npos) {
        j += 1;
      } else {
        size_t len = 1;  // the whole UTF-8 sequence
        while (i_ + len < s_.size() && (static_cast<unsigned char>(s_[i_ + len]) & 0xC0) == 0x80) ++len;
        fail(line_, col_, "unexpected character '" + std::string(s_.substr(i_, len)) + "'");
      }
    }
    t.text = std::string(s_.substr(i_, j - i_));
    advance(j - i_);
    return t;
  }

 private:
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

  void advance(size_t n) {
    for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) {
        ++col_;  // columns count characters, not UTF-8 bytes
      }
    }
  }

  void skip_space_and_comments() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance(1);
      } else if (s_.substr(i_, 2) == "//") {
        while (i_ < s_.size() && s_[i_] != '\n') advance(1);
      } else {
        return;
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
};

// A parameter expression; `param` indexes the enclosing gate definition's parameters.
struct Node {
  enum Kind : std::uint8_t { Num, Param, Neg, Add, Sub, Mul, Div, Pow, Sin, Cos, Tan, Exp, Ln, Sqrt };
  Kind kind = Num;
  double value = 0.0;
  int param = -1;
  std::vector<Node> kids;

  double eval(const std::vector<double>& params) const {
    switch (kind) {
      case Num: return value;
      case Param: return params[static_cast<size_t>(param)];
      case Neg: return -kids[0].eval(params);
      case Add: return kids[0].eval(params) + kids[1].eval(params);
      case Sub: return kids[0].eval(params) - kids[1].eval(params);
      case Mul: return kids[0].eval(params) * kids[1].eval(params);
      case Div: return kids[0].eval(params) / kids[1].eval(params);
      case Pow: return std::pow(kids[0].eval(params), kids[1].eval(params));
      case Sin: return std::sin(kids[0].eval(params));
      case Cos: return std::cos(kids[0].eval(params));
      case Tan: return std::tan(kids[0].eval(params));
      case Exp: return std::exp(kids[0].eval(params));
      case Ln: return std::log(kids[0].eval(params));
      case Sqrt: return std::sqrt(kids[0].eval(params));
    }
    return 0.0;
  }
};

// A gate application inside a `gate` body: arguments are indices of the definition's qubits.
struct BodyStmt {
  std::string gate;
  std::vector<Node> params;
  std::vector<int> args;
};

struct GateDef {
  int n_params = 0;
  int n_qubits = 0;
  std::vector<BodyStmt> body;
  size_t n_ops = 0;  // tangle ops of one application (saturating)
};

struct Builtin {
  std::string_view name;
  int n_params;
  int n_qubits;
  bool qelib;  // only after include "qelib1.inc"
};

constexpr std::array<Builtin, 40> kBuiltins = {{
    {"U", 3, 1, false},    {"CX", 0, 2, false},   {"u3", 3, 1, true},    {"u2", 2, 1, true},
    {"u1", 1, 1, true},    {"u0", 1, 1, true},    {"u", 3, 1, true},     {"p", 1, 1, true},
    {"id", 0, 1, true},    {"x", 0, 1, true},     {"y", 0, 1, true},     {"z", 0, 1, true},
    {"h", 0, 1, true},     {"s", 0, 1, true},     {"sdg", 0, 1, true},   {"t", 0, 1, true},
    {"tdg", 0, 1, true},   {"sx", 0, 1, true},    {"sxdg", 0, 1, true},  {"rx", 1, 1, true},
    {"ry", 1, 1, true},    {"rz", 1, 1, true},    {"cx", 0, 2, true},    {"cz", 0, 2, true},
    {"cy", 0, 2, true},    {"ch", 0, 2, true},    {"swap", 0, 2, true},  {"crx", 1, 2, true},
    {"cry", 1, 2, true},   {"crz", 1, 2, true},   {"cu1", 1, 2, true},   {"cp", 1, 2, true},
    {"cu3", 3, 2, true},   {"cu", 4, 2, true},    {"csx", 0, 2, true},   {"rxx", 1, 2, true},
    {"rzz", 1, 2, true},   {"ccx", 0, 3, true},   {"cswap", 0, 3, true}, {"iden", 0, 1, true},
}};

const Builtin* find_builtin(std::string_view name) {
  for (const Builtin& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}

// How many tangle ops emit_builtin makes for the gate.
size_t builtin_ops(std::string_view g) {
  if (g == "u0") return 0;
  if (g == "ch" || g == "sxdg" || g == "cu" || g == "csx") return 2;
  return 1;
}

Op make_op(Gate g, std::vector<int> wires, std::vector<double> angles = {}) {
  Op op;
  op.gate = g;
  op.wires = std::move(wires);
  for (double a : angles) op.angles.emplace_back(a);
  const GateInfo& info = gate_info(g);
  if (info.family == GateFamily::PauliRotation)
    op.word.assign(op.wires.size() - static_cast<size_t>(info.n_controls), info.generator);
  return op;
}

// qelib1 gates as tangle ops, exact up to a global phase of the whole gate (never a relative one).
void emit_builtin(std::string_view g, const std::vector<double>& p, const std::vector<int>& q, std::vector<Op>& ops) {
  const double pi = M_PI;
  auto add = [&](Gate gate, std::vector<int> w, std::vector<double> a = {}) {
    ops.push_back(make_op(gate, std::move(w), std::move(a)));
  };

  if (g == "U" || g == "u3" || g == "u") return add(Gate::U3, {q[0]}, {p[0], p[1], p[2]});
  if (g == "u2") return add(Gate::U3, {q[0]}, {pi / 2, p[0], p[1]});
  if (g == "u1" || g == "p") return add(Gate::PhaseShift, {q[0]}, {p[0]});
  if (g == "u0") return;
  if (g == "id" || g == "iden") return add(Gate::I, {q[0]});
  if (g == "x") return add(Gate::X, {q[0]});
  if (g == "y") return add(Gate::Y, {q[0]});
  if (g == "z") return add(Gate::Z, {q[0]});
  if (g == "h") return add(Gate::H, {q[0]});
  if (g == "s") return add(Gate::S, {q[0]});
  if (g == "sdg") return add(Gate::Sdg, {q[0]});
  if (g == "t") return add(Gate::T, {q[0]});
  if (g == "tdg") return add(Gate::Tdg, {q[0]});
  if (g == "sx") return add(Gate::SX, {q[0]});
  if (g == "sxdg") {  // SX^dagger = SX^3 = X SX
    add(Gate::SX, {q[0]});
    return add(Gate::X, {q[0]});
  }
  if (g == "rx") return add(Gate::RX, {q[0]}, {p[0]});
  if (g == "ry") return add(Gate::RY, {q[0]}, {p[0]});
  if (g == "rz") return add(Gate::RZ, {q[0]}, {p[0]});
  if (g == "CX" || g == "cx") return add(Gate::CNOT, {q[0], q[1]});
  if (g == "cz") return add(Gate::CZ, {q[0], q[1]});
  if (g == "cy") return add(Gate::CY, {q[0], q[1]});
  if (g == "ch") {  // H = RY(pi/2) Z exactly, so controlled-H = CRY(pi/2) CZ
    add(Gate::CZ, {q[0], q[1]});
    return add(Gate::CRY, {q[0], q[1]}, {pi / 2});
  }
  if (g == "swap") return add(Gate::SWAP, {q[0], q[1]});
  if (g == "crx") return add(Gate::CRX, {q[0], q[1]}, {p[0]});
  if (g == "cry") return add(Gate::CRY, {q[0], q[1]}, {p[0]});
  if (g == "crz") return add(Gate::CRZ, {q[0], q[1]}, {p[0]});
  if (g == "cu1" || g == "cp") return add(Gate::ControlledPhaseShift, {q[0], q[1]}, {p[0]});
  // qelib1's cu3 controls RZ(phi) RY(theta) RZ(lambda) (U3 without its phase): CRot(lambda, theta, phi).
  if (g == "cu3") return add(Gate::CRot, {q[0], q[1]}, {p[2], p[0], p[1]});
  if (g == "cu") {  // Qiskit's cu controls e^{i gamma} U3: the phases go on the control
    add(Gate::CRot, {q[0], q[1]}, {p[2], p[0], p[1]});
    return add(Gate::PhaseShift, {q[0]}, {0.5 * (p[1] + p[2]) + p[3]});
  }
  if (g == "csx") {  // SX = e^{i pi/4} RX(pi/2)
    add(Gate::CRX, {q[0], q[1]}, {pi / 2});
    return add(Gate::PhaseShift, {q[0]}, {pi / 4});
  }
  if (g == "rxx") return add(Gate::RXX, {q[0], q[1]}, {p[0]});
  if (g == "rzz") return add(Gate::RZZ, {q[0], q[1]}, {p[0]});
  if (g == "ccx") return add(Gate::Toffoli, {q[0], q[1], q[2]});
  if (g == "cswap") return add(Gate::CSWAP, {q[0], q[1], q[2]});
  throw RuntimeError(detail::concat("internal: builtin gate ", g, " has no mapping"));
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  Circuit parse() {
    header();
    while (peek().kind != Tok::End) statement();
    if (n_qubits_ == 0) fail(peek(), "the program declares no qubits (add a 'qreg name[size];')");
    Circuit c(n_qubits_);
    for (Op& op : ops_) c.append(std::move(op));
    return c;
  }

 private:
  struct Register {
    std::string name;
    int offset;
    int size;
  };
  // A gate argument after resolution: one qubit, or a whole register to broadcast over.
  struct Arg {
    const Register* reg;
    int index;  // -1: the whole register
    Token tok;
  };

  // References to tokens stay valid: a deque does not move its elements when it grows.
  const Token& peek() {
    while (toks_.size() <= pos_) {
      if (!toks_.empty() && toks_.back().kind == Tok::End) return toks_.back();
      toks_.push_back(lexer_.next());
    }
    return toks_[pos_];
  }
  const Token& next() {
    const Token& t = peek();
    if (t.kind != Tok::End) ++pos_;
    return t;
  }
  bool at(std::string_view sym) {
    const Token& t = peek();
    return t.kind == Tok::Symbol && t.text == sym;
  }
  bool accept(std::string_view sym) {
    if (!at(sym)) return false;
    next();
    return true;
  }
  const Token& expect(std::string_view sym, std::string_view context) {
    if (!at(sym)) fail(peek(), detail::concat("expected '", sym, "' ", context, ", found ", describe(peek())));
    return next();
  }
  const Token& expect_ident(std::string_view what) {
    if (peek().kind != Tok::Ident) fail(peek(), detail::concat("expected ", what, ", found ", describe(peek())));
    return next();
  }
  int expect_int(std::string_view what) {
    const Token& t = peek();
    if (t.kind != Tok::Int)
      fail(t, detail::concat("expected ", what, " (a non-negative integer), found ", describe(t)));
    if (t.value > 1e9) fail(t, detail::concat(what, " ", t.text, " is too large"));
    next();
    return static_cast<int>(t.value);
  }

  void header() {
    const Token& t = peek();
    if (t.kind != Tok::Ident || t.text != "OPENQASM")
      fail(t, "expected 'OPENQASM 2.0;' at the start of the program, found " + describe(t));
    next();
    const Token& v = peek();
    if (v.kind != Tok::Real && v.kind != Tok::Int) fail(v, "expected the version number 2.0, found " + describe(v));
    if (v.value != 2.0) fail(v, "OpenQASM version " + v.text + " is not supported (only 2.0)");
    next();
    expect(";", "after the version");
  }

  void statement() {
    const Token& t = peek();
    if (t.kind != Tok::Ident) fail(t, "expected a statement, found " + describe(t));
    const std::string& w = t.text;
    if (w == "include") return include();
    if (w == "qreg" || w == "creg") return reg(w == "qreg");
    if (w == "gate") return gate_definition();
    if (w == "barrier") {
      next();
      arguments();  // checked, then ignored: barriers do not change the state
      expect(";", "after the barrier's arguments");
      return;
    }
    reject_unsupported(t);
    application();
  }

  static void reject_unsupported(const Token& t) {
    if (t.kind != Tok::Ident) return;
    if (t.text == "measure" || t.text == "reset" || t.text == "if")
      fail(t, "'" + t.text + "' is not supported: a tangle circuit is unitary (read out measurements with Readout)");
    if (t.text == "opaque") fail(t, "'opaque' gates are not supported: tangle needs every gate's definition");
  }

  void include() {
    next();
    const Token& f = peek();
    if (f.kind != Tok::String) fail(f, "expected a file name in quotes after 'include', found " + describe(f));
    if (f.text != "qelib1.inc")
      fail(f, "cannot include \"" + f.text + "\": only \"qelib1.inc\" is known (files are never read)");
    next();
    expect(";", "after the include");
    qelib_ = true;
  }

  void reg(bool quantum) {
    next();
    const Token& name = expect_ident("a register name");
    if (find_register(name.text) || cregs_.count(name.text))
      fail(name, "register '" + name.text + "' is already declared");
    expect("[", "after the register name");
    const Token& size_tok = peek();
    const int size = expect_int("the register size");
    if (size < 1) fail(size_tok, "register '" + name.text + "' needs at least one bit");
    expect("]", "after the register size");
    expect(";", "after the register declaration");
    if (!quantum) {
      cregs_.insert({name.text, size});
      return;
    }
    if (n_qubits_ + size > kMaxQubits)
      fail(size_tok, detail::concat("qreg ", name.text, "[", size, "] brings the total to ", n_qubits_ + size,
                                    " qubits (at most ", kMaxQubits, ")"));
    qregs_.push_back({name.text, n_qubits_, size});
    n_qubits_ += size;
  }

  const Register* find_register(const std::string& name) const {
    for (const Register& r : qregs_)
      if (r.name == name) return &r;
    return nullptr;
  }

  // Number of parameters and qubits of a gate visible here, or false if there is none.
  bool gate_signature(const Token& name, int& n_params, int& n_qubits) const {
    if (const Builtin* b = find_builtin(name.text); b != nullptr && (!b->qelib || qelib_)) {
      n_params = b->n_params;
      n_qubits = b->n_qubits;
      return true;
    }
    if (auto it = gates_.find(name.text); it != gates_.end()) {
      n_params = it->second.n_params;
      n_qubits = it->second.n_qubits;
      return true;
    }
    return false;
  }

  void resolve_gate(const Token& name, int& n_params, int& n_qubits) const {
    if (gate_signature(name, n_params, n_qubits)) return;
    reject_unsupported(name);
    std::string hint;
    if (!qelib_ && find_builtin(name.text) != nullptr) hint = " (it is in qelib1.inc: add 'include \"qelib1.inc\";')";
    fail(name, "unknown gate '" + name.text + "'" + hint);
  }

  void check_arity(const Token& name, int n_params, int n_qubits, size_t got_params, size_t got_qubits) const {
    if (static_cast<int>(got_params) != n_params)
      fail(name, detail::concat("gate '", name.text, "' takes ", n_params, " parameter", n_params == 1 ? "" : "s",
                                " but ", got_params, " were given"));
    if (static_cast<int>(got_qubits) != n_qubits)
      fail(name, detail::concat("gate '", name.text, "' acts on ", n_qubits, " qubit", n_qubits == 1 ? "" : "s",
                                " but ", got_qubits, " were given"));
  }

  // ---- expressions ----

  std::vector<Node> expression_list(const std::vector<std::string>* names) {
    std::vector<Node> out;
    if (!accept("(")) return out;
    if (accept(")")) return out;
    do {
      out.push_back(expression(names));
    } while (accept(","));
    expect(")", "after the gate parameters");
    return out;
  }

  Node expression(const std::vector<std::string>* names) {
    Node left = term(names);
    while (at("+") || at("-")) {
      const bool add = next().text == "+";
      Node n;
      n.kind = add ? Node::Add : Node::Sub;
      n.kids = {std::move(left), term(names)};
      left = std::move(n);
    }
    return left;
  }

  Node term(const std::vector<std::string>* names) {
    Node left = unary(names);
    while (at("*") || at("/")) {
      const bool mul = next().text == "*";
      Node n;
      n.kind = mul ? Node::Mul : Node::Div;
      n.kids = {std::move(left), unary(names)};
      left = std::move(n);
    }
    return left;
  }

  // Every nesting (parentheses, signs, powers, function calls) passes here: bound it, so no text
  // can exhaust the stack.
  Node unary(const std::vector<std::string>* names) {
    struct Depth {
      int& d;
      explicit Depth(int& depth) : d(++depth) {}
      ~Depth() { --d; }
    } depth(depth_);
    if (depth_ > kMaxDepth) fail(peek(), detail::concat("expression nested more than ", kMaxDepth, " deep"));
    if (accept("+")) return unary(names);
    if (accept("-")) {
      Node n;
      n.kind = Node::Neg;
      n.kids = {unary(names)};
      return n;
    }
    Node base = primary(names);
    if (accept("^")) {
      Node n;
      n.kind = Node::Pow;
      n.kids = {std::move(base), unary(names)};  // right-associative
      return n;
    }
    return base;
  }

  Node primary(const std::vector<std::string>* names) {
    const Token& t = peek();
    Node n;
    if (t.kind == Tok::Int || t.kind == Tok::Real) {
      next();
      n.value = t.value;
      return n;
    }
    if (accept("(")) {
      n = expression(names);
      expect(")", "to close the parenthesis");
      return n;
    }
    if (t.kind != Tok::Ident) fail(t, "expected a number, 'pi', a parameter or '(', found " + describe(t));
    next();
    if (t.text == "pi") {
      n.value = M_PI;
      return n;
    }
    static const std::map<std::string, Node::Kind, std::less<>> kFunctions = {
        {"sin", Node::Sin}, {"cos", Node::Cos}, {"tan", Node::Tan},
        {"exp", Node::Exp}, {"ln", Node::Ln},   {"sqrt", Node::Sqrt}};
    if (auto f = kFunctions.find(t.text); f != kFunctions.end()) {
      expect("(", "after the function name '" + t.text + "'");
      n.kind = f->second;
      n.kids = {expression(names)};
      expect(")", "after the function argument");
      return n;
    }
    if (names != nullptr) {
      for (size_t i = 0; i < names->size(); ++i) {
        if ((*names)[i] == t.text) {
          n.kind = Node::Param;
          n.param = static_cast<int>(i);
          return n;
        }
      }
    }
    fail(t, "unknown identifier '" + t.text + "' in an expression" +
                (names ? std::string(" (not a parameter of this gate)") : std::string(" (only numbers and pi here)")));
  }

  // ---- gate applications ----

  std::vector<Arg> arguments() {
    std::vector<Arg> args;
    do {
      const Token& name = expect_ident("a qubit or register");
      const Register* r = find_register(name.text);
      if (r == nullptr) {
        if (cregs_.count(name.text)) fail(name, "'" + name.text + "' is a classical register; gates act on qregs");
        fail(name, "register '" + name.text + "' is not declared (add 'qreg " + name.text + "[size];')");
      }
      int index = -1;
      if (accept("[")) {
        const Token& idx = peek();
        index = expect_int("a qubit index");
        if (index >= r->size)
          fail(idx, detail::concat("index ", index, " is out of range for qreg ", r->name, "[", r->size, "]"));
        expect("]", "after the qubit index");
      }
      args.push_back({r, index, name});
    } while (accept(","));
    return args;
  }

  void application() {
    const Token name = next();
    int n_params = 0, n_qubits = 0;
    resolve_gate(name, n_params, n_qubits);
    std::vector<Node> exprs = expression_list(nullptr);
    const std::vector<Arg> args = arguments();
    expect(";", "after the gate's arguments");
    check_arity(name, n_params, n_qubits, exprs.size(), args.size());
    std::vector<double> params;
    for (const Node& e : exprs) params.push_back(e.eval({}));
    check_finite(name, params);

    // Broadcasting: whole registers (all of one size) are applied index by index.
    int reps = 1;
    const Arg* first_reg = nullptr;
    for (const Arg& a : args) {
      if (a.index >= 0) continue;
      if (first_reg == nullptr) {
        first_reg = &a;
        reps = a.reg->size;
      } else if (a.reg->size != reps) {
        fail(a.tok, detail::concat("register ", a.reg->name, " has ", a.reg->size, " qubits but ", first_reg->reg->name,
                                   " has ", reps, ": broadcast registers must have the same size"));
      }
    }
    // Nested definitions can double the size per level: refuse before expanding, not after.
    if (ops_.size() + static_cast<size_t>(reps) * expansion(name.text) > kMaxOps)
      fail(name, detail::concat("the program expands to more than ", kMaxOps, " operations"));
    for (int r = 0; r < reps; ++r) {
      std::vector<int> qubits;
      for (const Arg& a : args) qubits.push_back(a.reg->offset + (a.index >= 0 ? a.index : r));
      for (size_t i = 0; i < qubits.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (qubits[i] == qubits[j])
            fail(args[i].tok, detail::concat("gate '", name.text, "' uses qubit ", describe_qubit(qubits[i]),
                                             " twice"));
      apply(name, name.text, params, qubits);
    }
  }

  static void check_finite(const Token& name, const std::vector<double>& params) {
    for (size_t i = 0; i < params.size(); ++i)
      if (!std::isfinite(params[i]))
        fail(name, detail::concat("parameter ", i + 1, " of gate '", name.text, "' is ", params[i]));
  }

  std::string describe_qubit(int q) const {
    for (const Register& r : qregs_)
      if (q >= r.offset && q < r.offset + r.size) return detail::concat(r.name, "[", q - r.offset, "]");
    return std::to_string(q);
  }

  // `where` is the top-level application, to which errors inside definitions are reported.
  void apply(const Token& where, const std::string& gate, const std::vector<double>& params,
             const std::vector<int>& qubits) {
    if (auto it = gates_.find(gate); it != gates_.end()) {
      for (const BodyStmt& s : it->second.body) {
        std::vector<double> p;
        for (const Node& e : s.params) p.push_back(e.eval(params));
        for (size_t i = 0; i < p.size(); ++i)
          if (!std::isfinite(p[i]))
            fail(where, detail::concat("gate '", where.text, "': its definition gives gate '", s.gate, "' parameter ",
                                       i + 1, " = ", p[i]));
        std::vector<int> q;
        for (int a : s.args) q.push_back(qubits[static_cast<size_t>(a)]);
        apply(where, s.gate, p, q);
      }
      return;
    }
    emit_builtin(gate, params, qubits, ops_);
  }

  size_t expansion(const std::string& gate) const {
    const auto it = gates_.find(gate);
    return it == gates_.end() ? builtin_ops(gate) : it->second.n_ops;
  }

  // ---- gate definitions ----

  void gate_definition() {
    next();
    const Token name = expect_ident("a gate name");
    int np = 0, nq = 0;
    if (gate_signature(name, np, nq))
      fail(name, "gate '" + name.text + "' is already defined");
    std::vector<std::string> params, qargs;
    auto fresh = [&](const Token& t) {
      if (t.text == "pi" || std::count(params.begin(), params.end(), t.text) ||
          std::count(qargs.begin(), qargs.end(), t.text))
        fail(t, "name '" + t.text + "' is already used in this gate definition");
    };
    if (accept("(")) {
      if (!accept(")")) {
        do {
          const Token& p = expect_ident("a parameter name");
          fresh(p);
          params.push_back(p.text);
        } while (accept(","));
        expect(")", "after the gate's parameter names");
      }
    }
    do {
      const Token& a = expect_ident("a qubit argument name");
      fresh(a);
      qargs.push_back(a.text);
    } while (accept(","));
    expect("{", "to open the gate body");
    GateDef def;
    def.n_params = static_cast<int>(params.size());
    def.n_qubits = static_cast<int>(qargs.size());
    while (!accept("}")) {
      const Token stmt = peek();
      if (stmt.kind == Tok::End)
        fail(stmt, "expected '}' to close the body of gate '" + name.text + "', found end of input");
      if (stmt.kind != Tok::Ident)
        fail(stmt, "expected a gate application in the body of gate '" + name.text + "', found " + describe(stmt));
      reject_unsupported(stmt);
      next();
      const bool barrier = stmt.text == "barrier";
      BodyStmt s;
      s.gate = stmt.text;
      if (!barrier) s.params = expression_list(&params);
      do {
        const Token& a = expect_ident("a qubit argument of gate '" + name.text + "'");
        const auto it = std::find(qargs.begin(), qargs.end(), a.text);
        if (it == qargs.end()) fail(a, "'" + a.text + "' is not a qubit argument of gate '" + name.text + "'");
        if (at("[")) fail(peek(), "qubit arguments inside a gate body cannot be indexed");
        const int idx = static_cast<int>(it - qargs.begin());
        if (std::count(s.args.begin(), s.args.end(), idx)) fail(a, "qubit argument '" + a.text + "' is used twice");
        s.args.push_back(idx);
      } while (accept(","));
      expect(";", "after the gate's arguments");
      if (barrier) continue;
      int n_params = 0, n_qubits = 0;
      resolve_gate(stmt, n_params, n_qubits);
      check_arity(stmt, n_params, n_qubits, s.params.size(), s.args.size());
      def.n_ops = std::min(def.n_ops + expansion(s.gate), kMaxOps + 1);
      def.body.push_back(std::move(s));
    }
    gates_.emplace(name.text, std::move(def));
  }

  static constexpr int kMaxDepth = 200;
  static constexpr size_t kMaxOps = 10'000'000;

  Lexer lexer_;
  int depth_ = 0;
  std::deque<Token> toks_;
  size_t pos_ = 0;
  std::vector<Register> qregs_;
  std::map<std::string, int> cregs_;
  std::map<std::string, GateDef> gates_;
  bool qelib_ = false;
  int n_qubits_ = 0;
  std::vector<Op> ops_;
};

}  // namespace

Circuit from_qasm(std::string_view text) { return Parser(text).parse(); }

}  // namespace tangle
