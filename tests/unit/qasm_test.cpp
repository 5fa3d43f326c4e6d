// OpenQASM 2.0 export and import: round trips through the simulator, the qelib1 gate mapping
// against qelib1's own definitions, the parser's grammar and its error positions.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/io/qasm.hpp"
#include "tangle/sim/program.hpp"

using namespace tangle;

namespace {

// The 23 gates of the original qelib1.inc (Cross et al. 2017); any OpenQASM 2 tool has them.
const std::set<std::string> kOriginalQelib1 = {"u3", "u2", "u1", "cx",  "id",  "x",   "y",  "z",
                                               "h",  "s",  "sdg", "t",  "tdg", "rx",  "ry", "rz",
                                               "cz", "cy", "ch",  "ccx", "crz", "cu1", "cu3"};

// Lines of exported text that are neither the header, a comment, nor an original-qelib1 gate.
std::vector<std::string> foreign_statements(const std::string& text) {
  std::vector<std::string> bad;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1 && line == "OPENQASM 2.0;") continue;
    if (n == 2 && line == "include \"qelib1.inc\";") continue;
    if (n == 3 && line.rfind("qreg q[", 0) == 0) continue;
    if (n > 3 && line.rfind("// ", 0) == 0) continue;
    const std::string name = line.substr(0, line.find_first_of("( "));
    if (n <= 3 || !kOriginalQelib1.count(name) || line.back() != ';') bad.push_back(line);
  }
  if (n < 3) bad.push_back("(missing header)");
  return bad;
}

size_t count_statements(const std::string& text, const std::string& gate) {
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) n += line.rfind(gate + " ", 0) == 0 || line.rfind(gate + "(", 0) == 0;
  return n;
}

size_t count_gates(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) n += !line.empty() && line.rfind("//", 0) != 0;
  return n - 3;  // the header
}

std::vector<cdouble> final_state(const Circuit& c, const std::vector<double>& w, const std::vector<double>& x) {
  RunOptions one_thread;  // one small state: threads only add contention on a busy machine
  one_thread.threads = 1;
  return states(Program(c, {Readout::probs({0})}), x, 1, w, one_thread);
}

double overlap(const std::vector<cdouble>& a, const std::vector<cdouble>& b) {
  cdouble s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += std::conj(a[i]) * b[i];
  return std::abs(s);
}

// Exports, checks every statement's gate name, imports, and compares the final states up to a
// global phase.
void expect_round_trip(const Circuit& c, const std::vector<double>& w, const std::vector<double>& x,
                       const std::string& what) {
  const std::string text = to_qasm(c, w, x);
  const std::vector<std::string> foreign = foreign_statements(text);
  EXPECT_TRUE(foreign.empty()) << what << ": foreign statement: " << (foreign.empty() ? "" : foreign[0]);
  const Circuit back = from_qasm(text);
  ASSERT_EQ(back.n_qubits(), c.n_qubits()) << what;
  const double f = overlap(final_state(c, w, x), final_state(back, {}, {}));
  EXPECT_GT(f, 1.0 - 1e-10) << what << ": |<a|b>| = 1 - " << 1.0 - f << "\n"
                            << (text.size() < 3000 ? text : text.substr(0, 3000) + "...");
}

std::vector<cdouble> to_row_major(const Eigen::MatrixXcd& m) {
  std::vector<cdouble> out(static_cast<size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out[static_cast<size_t>(i * m.cols() + j)] = m(i, j);
  return out;
}

Eigen::MatrixXcd haar(int k, std::mt19937& rng) {
  const int d = 1 << k;
  std::normal_distribution<double> n;
  Eigen::MatrixXcd a(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) a(i, j) = {n(rng), n(rng)};
  Eigen::HouseholderQR<Eigen::MatrixXcd> qr(a);
  Eigen::MatrixXcd q = qr.householderQ();
  for (int j = 0; j < d; ++j) q.col(j) *= std::polar(1.0, std::arg(qr.matrixQR()(j, j)));  // Haar measure
  return q;
}

std::vector<cdouble> random_state(int k, std::mt19937& rng) {
  std::normal_distribution<double> n;
  std::vector<cdouble> a(size_t{1} << k);
  double norm = 0.0;
  for (cdouble& v : a) {
    v = {n(rng), n(rng)};
    norm += std::norm(v);
  }
  for (cdouble& v : a) v /= std::sqrt(norm);
  return a;
}

std::vector<int> random_wires(int n, int k, std::mt19937& rng) {
  std::vector<int> all(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i;
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(static_cast<size_t>(k));
  return all;
}

Eigen::MatrixXcd kron(const Eigen::MatrixXcd& a, const Eigen::MatrixXcd& b) {
  Eigen::MatrixXcd out(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) out.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
  return out;
}

std::vector<int> all_wires(int n) {
  std::vector<int> w;
  for (int i = 0; i < n; ++i) w.push_back(i);
  return w;
}

// A circuit on n wires that starts from a random state, so every column of what follows matters.
Circuit generic_start(int n, std::mt19937& rng) {
  Circuit c(n);
  c.state_preparation(random_state(n, rng), all_wires(n));
  return c;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Export

TEST(QasmExport, HeaderDirectGatesAndFullPrecision) {
  Circuit c(2);
  auto w = c.weights(1);
  auto x = c.inputs(1);
  c.h(0).cnot(0, 1).rx(0.1, 1).rz(Expr(2.0) * w[0] * x[0] + Expr(0.5), 0).phase_shift(-0.25, 1);
  c.u3(1.0, 2.0, 3.0, 0).controlled_phase_shift(0.75, 1, 0).crz(1e20, 0, 1).i(1);
  EXPECT_EQ(to_qasm(c, {0.25}, {1.5}),
            "OPENQASM 2.0;\n"
            "include \"qelib1.inc\";\n"
            "qreg q[2];\n"
            "h q[0];\n"
            "cx q[0],q[1];\n"
            "rx(0.10000000000000001) q[1];\n"
            "rz(1.25) q[0];\n"
            "u1(-0.25) q[1];\n"
            "u3(1,2,3) q[0];\n"
            "cu1(0.75) q[1],q[0];\n"
            "crz(1.0e+20) q[0],q[1];\n"
            "id q[1];\n");
}

TEST(QasmExport, NumbersReadBackBitForBit) {
  const std::vector<double> angles = {0.1, -1.0 / 3.0, 1e-300, 6.02214076e23, -0.0, 1e20, 2.5e-8};
  Circuit c(1);
  for (double a : angles) c.rx(a, 0);
  const Circuit back = from_qasm(to_qasm(c, {}, {}));
  ASSERT_EQ(back.ops().size(), angles.size());
  for (size_t i = 0; i < angles.size(); ++i) EXPECT_EQ(back.ops()[i].angles[0].constant(), angles[i]) << i;
}

TEST(QasmExport, ChecksWeightAndInputSizes) {
  Circuit c(1);
  auto w = c.weights(2);
  auto x = c.inputs(3);
  c.rx(w[0] * x[2], 0);
  try {
    to_qasm(c, {0.1}, {1, 2, 3});
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("1 weights were given but the circuit has 2"), std::string::npos) << e.what();
  }
  try {
    to_qasm(c, {0.1, 0.2}, {1, 2});
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("2 inputs were given but the circuit has 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(to_qasm(c, {0.1, 0.2}, {1, 2, std::nan("")}), ValueError);  // a non-finite angle
  EXPECT_NO_THROW(to_qasm(c, {0.1, 0.2}, {1, 2, 3}));
}

TEST(QasmExport, ForeignStatementCheckerCatchesQiskitAdditions) {
  // The checker the round trips rely on must itself reject non-original gates.
  const std::string head = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\n";
  EXPECT_TRUE(foreign_statements(head + "h q[0];\n// tangle: x\ncu3(1,2,3) q[0],q[1];\n").empty());
  for (const char* s : {"swap q[0],q[1];", "sx q[0];", "rzz(1) q[0],q[1];", "p(1) q[0];", "rxx(1) q[0],q[1];",
                        "cswap q[0],q[1],q[0];", "h q[0]"})
    EXPECT_EQ(foreign_statements(head + s + "\n").size(), 1u) << s;
}

TEST(QasmExport, CommentsNameDecomposedOps) {
  Circuit c(3);
  std::mt19937 rng(3);
  c.unitary(to_row_major(haar(2, rng)), {2, 0}).pauli_rot(0.3, "XIY", {1, 0, 2}).h(1);
  const std::string text = to_qasm(c, {}, {});
  EXPECT_NE(text.find("\n// tangle: Unitary on wires 2, 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n// tangle: PauliRot XIY on wires 1, 0, 2\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("tangle: H"), std::string::npos) << "direct gates need no comment";
}

// ---------------------------------------------------------------------------------------------
// Round trips: from_qasm(to_qasm(c)) has the same final state as c, up to a global phase.

namespace {

Expr random_angle(std::mt19937& rng, const ParamBlock& w, const ParamBlock& x) {
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  auto wi = [&] { return w[static_cast<index_t>(rng() % static_cast<unsigned>(w.size()))]; };
  auto xi = [&] { return x[static_cast<index_t>(rng() % static_cast<unsigned>(x.size()))]; };
  switch (rng() % 5) {
    case 0: return Expr(u(rng));
    case 1: return wi();
    case 2: return xi();
    case 3: return Expr(u(rng)) * wi() * xi() + Expr(u(rng));
    default: return wi() + Expr(u(rng)) * xi() * xi();
  }
}

// A random op of kind g on random wires of c (declaring the blocks dense ops need).
Op random_op(Gate g, Circuit& c, const ParamBlock& w, const ParamBlock& x, std::mt19937& rng) {
  const GateInfo& info = gate_info(g);
  int k = info.n_wires;
  if (k < 0) {
    const int max_k = g == Gate::Unitary ? 3 : (g == Gate::MultiRZ || g == Gate::PauliRot) ? 4 : 2;
    k = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_k));
  }
  Op op;
  op.gate = g;
  op.wires = random_wires(c.n_qubits(), k, rng);
  for (int i = 0; i < info.n_angles; ++i) op.angles.push_back(random_angle(rng, w, x));
  const size_t targets = static_cast<size_t>(k - info.n_controls);
  if (info.family == GateFamily::PauliRotation) {
    if (g == Gate::PauliRot) {
      for (size_t i = 0; i < targets; ++i) op.word.push_back(static_cast<Pauli>(rng() % 4));
    } else {
      op.word.assign(targets, info.generator);
    }
  }
  if (g == Gate::Unitary) op.matrix = to_row_major(haar(k, rng));
  if (g == Gate::SpecialUnitary) op.block = c.weights((index_t{1} << (2 * k)) - 1);
  if (g == Gate::Evolution) op.block = c.inputs(index_t{1} << (2 * k));
  return op;
}

}  // namespace

TEST(QasmRoundTrip, RandomCircuitsWithEveryOpKind) {
  std::set<Gate> seen;
  for (unsigned seed = 0; seed < 24; ++seed) {
    std::mt19937 rng(seed);
    const int n = 4;
    Circuit c(n);
    // A third start from AmplitudeEmbedding, a third from StatePreparation (on some wires).
    const int k0 = 1 + static_cast<int>(rng() % n);
    ParamBlock amp;
    if (seed % 3 == 1) amp = c.inputs(std::max<index_t>(1, (index_t{1} << k0) - static_cast<index_t>(seed % 2)));
    const ParamBlock w = c.weights(6);
    const ParamBlock x = c.inputs(6);
    if (seed % 3 == 1) c.amplitude_embedding(amp, random_wires(n, k0, rng), 0.3, true);
    if (seed % 3 == 2) c.state_preparation(random_state(k0, rng), random_wires(n, k0, rng));
    std::vector<Gate> kinds;
    for (const GateInfo& info : kGates)
      if (info.family != GateFamily::StatePrep && info.family != GateFamily::Channel) kinds.push_back(info.gate);
    std::shuffle(kinds.begin(), kinds.end(), rng);
    for (int extra = 0; extra < 12; ++extra) kinds.push_back(kinds[rng() % kinds.size()]);
    for (Gate g : kinds) c.append(random_op(g, c, w, x, rng));
    for (const Op& op : c.ops()) seen.insert(op.gate);

    std::normal_distribution<double> nd;
    std::vector<double> wv(static_cast<size_t>(c.n_weights())), xv(static_cast<size_t>(c.n_inputs()));
    for (double& v : wv) v = nd(rng);
    for (double& v : xv) v = nd(rng);
    expect_round_trip(c, wv, xv, "seed " + std::to_string(seed));
  }
  size_t unitary_kinds = 0;  // channels have no OpenQASM 2.0 form (density_test.cpp checks their comments)
  for (const GateInfo& info : kGates) unitary_kinds += info.family != GateFamily::Channel;
  EXPECT_EQ(seen.size(), unitary_kinds) << "some op kind was never drawn";
}

TEST(QasmRoundTrip, DenseBlocksUpToFiveQubits) {
  std::mt19937 rng(11);
  std::normal_distribution<double> nd;
  for (int k = 1; k <= 5; ++k) {
    const int n = std::min(k + 1, 6);
    {
      Circuit c = generic_start(n, rng);
      c.unitary(to_row_major(haar(k, rng)), random_wires(n, k, rng));
      expect_round_trip(c, {}, {}, "Unitary on " + std::to_string(k) + " wires");
    }
    {
      Circuit c = generic_start(n, rng);
      ParamBlock b = c.weights((index_t{1} << (2 * k)) - 1);
      c.special_unitary(b, random_wires(n, k, rng));
      std::vector<double> wv(static_cast<size_t>(b.size()));
      for (double& v : wv) v = nd(rng);
      expect_round_trip(c, wv, {}, "SpecialUnitary on " + std::to_string(k) + " wires");
    }
    {
      Circuit c = generic_start(n, rng);
      ParamBlock m = c.inputs(index_t{1} << (2 * k));
      ParamBlock t = c.inputs(1);
      c.evolution(m, Expr(1.7) * t[0], random_wires(n, k, rng));
      std::vector<double> xv(static_cast<size_t>(c.n_inputs()));
      for (double& v : xv) v = nd(rng);
      expect_round_trip(c, {}, xv, "Evolution on " + std::to_string(k) + " wires");
    }
  }
}

// Matrices whose cosine-sine decompositions are degenerate: cosines of exactly 0 or 1, repeated
// singular values, permutations, diagonals, tensor products, identity blocks.
TEST(QasmRoundTrip, DegenerateUnitaries) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> ang(-M_PI, M_PI);
  for (int k = 2; k <= 4; ++k) {
    const int d = 1 << k;
    std::vector<std::pair<std::string, Eigen::MatrixXcd>> cases;
    cases.emplace_back("identity", Eigen::MatrixXcd::Identity(d, d));
    cases.emplace_back("minus identity", -Eigen::MatrixXcd::Identity(d, d));
    Eigen::MatrixXcd diag = Eigen::MatrixXcd::Zero(d, d);
    for (int i = 0; i < d; ++i) diag(i, i) = std::polar(1.0, ang(rng));
    cases.emplace_back("diagonal", diag);
    std::vector<int> perm = all_wires(d);
    std::shuffle(perm.begin(), perm.end(), rng);
    Eigen::MatrixXcd p = Eigen::MatrixXcd::Zero(d, d), pp = p;
    for (int i = 0; i < d; ++i) {
      p(perm[static_cast<size_t>(i)], i) = 1.0;
      pp(perm[static_cast<size_t>(i)], i) = std::polar(1.0, ang(rng));
    }
    cases.emplace_back("permutation", p);
    cases.emplace_back("phased permutation", pp);
    Eigen::MatrixXcd flip = Eigen::MatrixXcd::Zero(d, d);  // X on the first wire: cosines all 0
    for (int i = 0; i < d; ++i) flip(i ^ (d / 2), i) = 1.0;
    cases.emplace_back("X on the first wire", flip);
    Eigen::MatrixXcd product = haar(1, rng);
    for (int i = 1; i < k; ++i) product = kron(product, haar(1, rng));
    cases.emplace_back("tensor product", product);
    Eigen::MatrixXcd ctrl = Eigen::MatrixXcd::Identity(d, d);  // controlled-U: identity block
    ctrl.bottomRightCorner(d / 2, d / 2) = haar(k - 1, rng);
    cases.emplace_back("controlled", ctrl);
    Eigen::MatrixXcd half = Eigen::MatrixXcd::Zero(d, d);  // Hadamard-like: all cosines 1/sqrt 2
    const Eigen::MatrixXcd v = haar(k - 1, rng);
    half.topLeftCorner(d / 2, d / 2) = v / std::sqrt(2.0);
    half.topRightCorner(d / 2, d / 2) = v / std::sqrt(2.0);
    half.bottomLeftCorner(d / 2, d / 2) = v / std::sqrt(2.0);
    half.bottomRightCorner(d / 2, d / 2) = -v / std::sqrt(2.0);
    cases.emplace_back("Hadamard on the first wire", half);
    Eigen::MatrixXcd qft(d, d);
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) qft(i, j) = std::polar(1.0 / std::sqrt(d), 2 * M_PI * i * j / d);
    cases.emplace_back("QFT", qft);
    for (const auto& [name, u] : cases) {
      Circuit c = generic_start(k, rng);
      c.unitary(to_row_major(u), random_wires(k, k, rng));
      expect_round_trip(c, {}, {}, name + " on " + std::to_string(k) + " wires");
    }
  }
}

TEST(QasmRoundTrip, StatePreparationAndAmplitudeEmbedding) {
  std::mt19937 rng(7);
  for (int k = 1; k <= 5; ++k) {
    const int n = 6;
    const std::vector<int> wires = random_wires(n, k, rng);
    Circuit generic(n);
    generic.state_preparation(random_state(k, rng), wires).h(wires[0]);
    expect_round_trip(generic, {}, {}, "random state on " + std::to_string(k) + " wires");

    std::vector<cdouble> sparse(size_t{1} << k, 0.0);  // zero-weight branches: angles of 0 and pi
    sparse.back() = std::polar(std::sqrt(0.5), 1.0);
    sparse[sparse.size() / 3] = std::polar(std::sqrt(0.5), -2.0);
    Circuit s(n);
    s.state_preparation(sparse, wires);
    expect_round_trip(s, {}, {}, "sparse state on " + std::to_string(k) + " wires");

    std::vector<cdouble> basis(size_t{1} << k, 0.0);
    basis[rng() % basis.size()] = cdouble(0.0, -1.0);
    Circuit b(n);
    b.state_preparation(basis, wires);
    expect_round_trip(b, {}, {}, "basis state on " + std::to_string(k) + " wires");

    // Real amplitudes with signs, padding, and normalization, as AmplitudeEmbedding reads them.
    Circuit a(n);
    const index_t features = std::max<index_t>(1, (index_t{1} << k) - 1);
    a.amplitude_embedding(a.inputs(features), wires, -0.4, true);
    std::normal_distribution<double> nd;
    std::vector<double> xv(static_cast<size_t>(features));
    for (double& v : xv) v = nd(rng);
    expect_round_trip(a, {}, xv, "AmplitudeEmbedding on " + std::to_string(k) + " wires");
  }
}

TEST(QasmRoundTrip, ControlledGatesKeepTheirRelativePhase) {
  // With the controls in superposition a wrong phase on the controlled branch shows up.
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(-3, 3);
  for (int rep = 0; rep < 5; ++rep) {
    Circuit c = generic_start(3, rng);
    c.crx(u(rng), 0, 2).cry(u(rng), 2, 1).crz(u(rng), 1, 0).crot(u(rng), u(rng), u(rng), 2, 0);
    c.controlled_phase_shift(u(rng), 0, 1).cy(1, 2).cz(2, 0).toffoli(2, 0, 1).cswap(1, 2, 0).iswap(2, 0);
    c.rot(u(rng), u(rng), u(rng), 1).u3(u(rng), u(rng), u(rng), 2).sx(0).ryy(u(rng), 0, 2);
    expect_round_trip(c, {}, {}, "controlled gates, rep " + std::to_string(rep));
  }
}

TEST(QasmExport, GateCountsAndSpeedOfDenseBlocks) {
  std::mt19937 rng(13);
  for (int k : {3, 5}) {
    Circuit c(k);
    c.unitary(to_row_major(haar(k, rng)), all_wires(k));
    const auto t0 = std::chrono::steady_clock::now();
    const std::string text = to_qasm(c, {}, {});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Quantum Shannon decomposition with the last CZ of each multiplexed RY absorbed:
    // C(k) = 4 C(k-1) + 3 2^(k-1) - 1 two-qubit gates, C(1) = 0.
    const size_t two_qubit = count_statements(text, "cx") + count_statements(text, "cz");
    EXPECT_LE(two_qubit, k == 3 ? 31u : 635u) << k << " qubits";
    EXPECT_LT(seconds, 1.0) << k << " qubits";
    std::cout << "[ info     ] random " << k << "-qubit Unitary: " << count_gates(text) << " gates, "
              << count_statements(text, "cx") << " cx + " << count_statements(text, "cz") << " cz, exported in "
              << seconds * 1e3 << " ms\n";
  }
}

// ---------------------------------------------------------------------------------------------
// Import

namespace {

const std::string kHead = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";

// qelib1.inc's definitions (plus those of later additions), renamed, built only from U and CX.
const std::string kReferenceDefinitions = R"(
gate r_u3(theta,phi,lambda) q { U(theta,phi,lambda) q; }
gate r_u2(phi,lambda) q { U(pi/2,phi,lambda) q; }
gate r_u1(lambda) q { U(0,0,lambda) q; }
gate r_cx c,t { CX c,t; }
gate r_id a { U(0,0,0) a; }
gate r_x a { r_u3(pi,0,pi) a; }
gate r_y a { r_u3(pi,pi/2,pi/2) a; }
gate r_z a { r_u1(pi) a; }
gate r_h a { r_u2(0,pi) a; }
gate r_s a { r_u1(pi/2) a; }
gate r_sdg a { r_u1(-pi/2) a; }
gate r_t a { r_u1(pi/4) a; }
gate r_tdg a { r_u1(-pi/4) a; }
gate r_rx(theta) a { r_u3(theta,-pi/2,pi/2) a; }
gate r_ry(theta) a { r_u3(theta,0,0) a; }
gate r_rz(phi) a { r_u1(phi) a; }
gate r_cz a,b { r_h b; CX a,b; r_h b; }
gate r_cy a,b { r_sdg b; CX a,b; r_s b; }
gate r_ch a,b { r_h b; r_sdg b; CX a,b; r_h b; r_t b; CX a,b; r_t b; r_h b; r_s b; r_x b; r_s a; }
gate r_ccx a,b,c {
  r_h c; CX b,c; r_tdg c; CX a,c; r_t c; CX b,c; r_tdg c; CX a,c; r_t b; r_t c; r_h c;
  CX a,b; r_t a; r_tdg b; CX a,b;
}
gate r_crz(lambda) a,b { r_u1(lambda/2) b; CX a,b; r_u1(-lambda/2) b; CX a,b; }
gate r_cu1(lambda) a,b { r_u1(lambda/2) a; CX a,b; r_u1(-lambda/2) b; CX a,b; r_u1(lambda/2) b; }
gate r_cu3(theta,phi,lambda) c,t {
  r_u1((lambda-phi)/2) t; CX c,t; r_u3(-theta/2,0,-(phi+lambda)/2) t; CX c,t; r_u3(theta/2,phi,0) t;
}
gate r_u0(gamma) q { U(0,0,0) q; }
gate r_u(theta,phi,lambda) q { U(theta,phi,lambda) q; }
gate r_p(lambda) q { U(0,0,lambda) q; }
gate r_sx a { r_sdg a; r_h a; r_sdg a; }
gate r_sxdg a { r_s a; r_h a; r_s a; }
gate r_swap a,b { CX a,b; CX b,a; CX a,b; }
gate r_cswap a,b,c { CX c,b; r_ccx a,b,c; CX c,b; }
gate r_crx(theta) a,b { r_cu3(theta,-pi/2,pi/2) a,b; }
gate r_cry(theta) a,b { r_ry(theta/2) b; CX a,b; r_ry(-theta/2) b; CX a,b; }
gate r_cp(lambda) a,b { r_cu1(lambda) a,b; }
gate r_cu(theta,phi,lambda,gamma) c,t { r_u1(gamma) c; r_u1((lambda+phi)/2) c; r_cu3(theta,phi,lambda) c,t; }
gate r_csx a,b { r_cu3(pi/2,-pi/2,pi/2) a,b; r_u1(pi/4) a; }
gate r_rxx(theta) a,b { r_h a; r_h b; CX a,b; r_u1(theta) b; CX a,b; r_h a; r_h b; }
gate r_rzz(theta) a,b { CX a,b; r_u1(theta) b; CX a,b; }
)";

// The final state of `body` applied to a fixed random 3-qubit state.
std::vector<cdouble> run_on_random_state(const std::string& body) {
  const Circuit parsed = from_qasm(kHead + kReferenceDefinitions + "qreg q[3];\n" + body);
  std::mt19937 rng(21);
  Circuit c = generic_start(3, rng);
  for (const Op& op : parsed.ops()) c.append(op);
  return final_state(c, {}, {});
}

void expect_qasm_error(const std::string& text, int line, int col, const std::string& what) {
  try {
    from_qasm(text);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    const std::string where = "line " + std::to_string(line) + ", column " + std::to_string(col) + ":";
    EXPECT_NE(msg.find(where), std::string::npos) << "expected \"" << where << "\" in: " << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << "expected \"" << what << "\" in: " << msg;
  }
}

}  // namespace

TEST(QasmImport, Qelib1GatesMatchTheirDefinitions) {
  struct Case {
    const char* name;
    int n_params;
    int n_qubits;
  };
  const Case cases[] = {{"u3", 3, 1},  {"u2", 2, 1},  {"u1", 1, 1},   {"cx", 0, 2},  {"id", 0, 1},  {"x", 0, 1},
                        {"y", 0, 1},   {"z", 0, 1},   {"h", 0, 1},    {"s", 0, 1},   {"sdg", 0, 1}, {"t", 0, 1},
                        {"tdg", 0, 1}, {"rx", 1, 1},  {"ry", 1, 1},   {"rz", 1, 1},  {"cz", 0, 2},  {"cy", 0, 2},
                        {"ch", 0, 2},  {"ccx", 0, 3}, {"crz", 1, 2},  {"cu1", 1, 2}, {"cu3", 3, 2}, {"u0", 1, 1},
                        {"u", 3, 1},   {"p", 1, 1},   {"sx", 0, 1},   {"sxdg", 0, 1}, {"swap", 0, 2},
                        {"cswap", 0, 3}, {"crx", 1, 2}, {"cry", 1, 2}, {"cp", 1, 2}, {"cu", 4, 2},
                        {"csx", 0, 2}, {"rxx", 1, 2}, {"rzz", 1, 2}};
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(-3, 3);
  for (const Case& g : cases) {
    std::string args = "(";
    for (int i = 0; i < g.n_params; ++i) {
      if (i > 0) args += ',';
      args += std::to_string(u(rng));
    }
    args += ")";
    const std::string qubits = g.n_qubits == 1 ? " q[1];\n" : g.n_qubits == 2 ? " q[2],q[0];\n" : " q[2],q[0],q[1];\n";
    const auto a = run_on_random_state(g.name + args + qubits);
    const auto b = run_on_random_state(std::string("r_") + g.name + args + qubits);
    const double f = overlap(a, b);
    EXPECT_GT(f, 1.0 - 1e-12) << g.name << args << ": |<a|b>| = 1 - " << 1.0 - f;
  }
  // The comparison sees relative phases: cu3 is not cu3 followed by a phase on its control.
  EXPECT_LT(overlap(run_on_random_state("cu3(1,2,0.5) q[0],q[1];\n"),
                    run_on_random_state("r_cu3(1,2,0.5) q[0],q[1]; r_u1(1.25) q[0];\n")),
            1.0 - 1e-3);
}

TEST(QasmImport, MapsGatesToTangleOps) {
  const Circuit c = from_qasm(kHead + "qreg q[3];\nU(0.1,0.2,0.3) q[0];\nCX q[0],q[2];\nrzz(0.5) q[2],q[1];\n"
                                      "cu1(0.7) q[1],q[0];\nccx q[2],q[1],q[0];\nid q[1];\n");
  ASSERT_EQ(c.ops().size(), 6u);
  EXPECT_EQ(c.ops()[0].gate, Gate::U3);
  EXPECT_EQ(c.ops()[0].angles[2].constant(), 0.3);
  EXPECT_EQ(c.ops()[1].gate, Gate::CNOT);
  EXPECT_EQ(c.ops()[1].wires, (std::vector<int>{0, 2}));
  EXPECT_EQ(c.ops()[2].gate, Gate::RZZ);
  EXPECT_EQ(c.ops()[2].wires, (std::vector<int>{2, 1}));
  EXPECT_EQ(c.ops()[3].gate, Gate::ControlledPhaseShift);
  EXPECT_EQ(c.ops()[4].gate, Gate::Toffoli);
  EXPECT_EQ(c.ops()[4].wires, (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(c.ops()[5].gate, Gate::I);
  EXPECT_EQ(c.n_weights(), 0);
  EXPECT_EQ(c.n_inputs(), 0);
}

TEST(QasmImport, GateDefinitionsExpandWithTheirParameters) {
  const Circuit c = from_qasm(kHead +
                              "gate inner(a) x { rx(a) x; }\n"
                              "gate pair(a, b) x, y {\n"
                              "  inner(2*a) x;   // nested definition\n"
                              "  cx x, y;\n"
                              "  barrier x, y;\n"
                              "  ry(-b/2 + a) y;\n"
                              "}\n"
                              "qreg q[2];\n"
                              "pair(0.25, 1) q[1], q[0];\n");
  ASSERT_EQ(c.ops().size(), 3u);
  EXPECT_EQ(c.ops()[0].gate, Gate::RX);
  EXPECT_EQ(c.ops()[0].wires, std::vector<int>{1});
  EXPECT_DOUBLE_EQ(c.ops()[0].angles[0].constant(), 0.5);
  EXPECT_EQ(c.ops()[1].gate, Gate::CNOT);
  EXPECT_EQ(c.ops()[1].wires, (std::vector<int>{1, 0}));
  EXPECT_EQ(c.ops()[2].gate, Gate::RY);
  EXPECT_EQ(c.ops()[2].wires, std::vector<int>{0});
  EXPECT_DOUBLE_EQ(c.ops()[2].angles[0].constant(), -0.25);
}

TEST(QasmImport, ParameterExpressions) {
  const std::pair<const char*, double> cases[] = {
      {"pi", M_PI},
      {"-2^2", -4.0},                 // unary minus binds looser than ^
      {"2^3^2", 512.0},               // ^ is right-associative
      {"2*3+4/2-1", 7.0},
      {"-(1+2)*3", -9.0},
      {"1-2-3", -4.0},                // - is left-associative
      {"8/4/2", 1.0},
      {"sin(pi/2)+ln(exp(2))+sqrt(16)+cos(0)+tan(0)", 8.0},
      {".5e1 + 1.5E-1 + 2.", 7.15},
      {"+3", 3.0},
      {"-pi/4", -M_PI / 4},
  };
  for (const auto& [text, value] : cases) {
    const Circuit c = from_qasm(kHead + "qreg q[1];\nrx(" + text + ") q[0];\n");
    ASSERT_EQ(c.ops().size(), 1u) << text;
    EXPECT_NEAR(c.ops()[0].angles[0].constant(), value, 1e-14) << text;
  }
}

TEST(QasmImport, BroadcastingOverSeveralRegisters) {
  const Circuit c = from_qasm(
      "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"
      "qreg a[2];\ncreg m[2];\nqreg b[2];\n"
      "h a;\n"
      "cx a, b;\n"
      "cx a[0], b;\n"
      "rz(0.3) b[1];\n"
      "barrier a, b;\n");
  ASSERT_EQ(c.n_qubits(), 4);
  const std::vector<std::pair<Gate, std::vector<int>>> expected = {
      {Gate::H, {0}}, {Gate::H, {1}}, {Gate::CNOT, {0, 2}}, {Gate::CNOT, {1, 3}},
      {Gate::CNOT, {0, 2}}, {Gate::CNOT, {0, 3}}, {Gate::RZ, {3}}};
  ASSERT_EQ(c.ops().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(c.ops()[i].gate, expected[i].first) << i;
    EXPECT_EQ(c.ops()[i].wires, expected[i].second) << i;
  }
}

TEST(QasmImport, UAndCXNeedNoInclude) {
  const Circuit c = from_qasm("OPENQASM 2.0;\nqreg q[2];\nU(pi,0,pi) q[0];\nCX q[0],q[1];\n");
  ASSERT_EQ(c.ops().size(), 2u);
  EXPECT_EQ(c.ops()[1].gate, Gate::CNOT);
}

TEST(QasmImport, ErrorsNameLineAndColumn) {
  const std::string h = kHead + "qreg q[2];\n";  // lines 1-3
  expect_qasm_error(h + "h q[0]\ncx q[0],q[1];\n", 5, 1, "expected ';'");
  expect_qasm_error(h + "foo q[0];\n", 4, 1, "unknown gate 'foo'");
  expect_qasm_error(h + "cx q[0];\n", 4, 1, "acts on 2 qubits but 1 were given");
  expect_qasm_error(h + "rx q[0];\n", 4, 1, "takes 1 parameter but 0 were given");
  expect_qasm_error(h + "h(0.5) q[0];\n", 4, 1, "takes 0 parameters but 1 were given");
  expect_qasm_error(h + "  h r[0];\n", 4, 5, "register 'r' is not declared");
  expect_qasm_error(h + "h q[0];\nx q[5];\n", 5, 5, "index 5 is out of range for qreg q[2]");
  expect_qasm_error(h + "creg c[2];\nmeasure q[0] -> c[0];\nh q[0];\n", 6, 1, "after its measurement on line 5");
  expect_qasm_error(h + "creg c[1];\nif (c==1) x q[0];\n", 5, 1, "'if' (a gate conditioned on a measured bit)");
  expect_qasm_error(h + "opaque g q;\n", 4, 1, "'opaque' gates are not supported");
  expect_qasm_error(h + "cx q[1],q[1];\n", 4, 9, "uses qubit q[1] twice");
  expect_qasm_error(h + "qreg r[3];\ncx q, r;\n", 5, 7, "broadcast registers must have the same size");
  expect_qasm_error(h + "rx(theta) q[0];\n", 4, 4, "unknown identifier 'theta'");
  expect_qasm_error(h + "rx((1+2) q[0];\n", 4, 10, "expected ')'");
  expect_qasm_error(h + "rx(1/0) q[0];\n", 4, 1, "parameter 1 of gate 'rx' is inf");
  expect_qasm_error(h + "h q[0]; @\n", 4, 9, "unexpected character '@'");
  expect_qasm_error(h + "qreg q[1];\n", 4, 6, "register 'q' is already declared");
  expect_qasm_error(h + "qreg big[40];\n", 4, 10, "at most 40");
  expect_qasm_error(h + "gate g a { cx a, b; }\n", 4, 18, "'b' is not a qubit argument of gate 'g'");
  expect_qasm_error(h + "gate g(t) a { rx(s) a; }\n", 4, 18, "unknown identifier 's'");
  expect_qasm_error(h + "gate g a { foo a; }\n", 4, 12, "unknown gate 'foo'");
  expect_qasm_error(h + "gate h a { x a; }\n", 4, 6, "gate 'h' is already defined");
  expect_qasm_error(h + "gate g a { x a;\n", 5, 1, "expected '}'");
  expect_qasm_error("OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", 3, 1, "add 'include \"qelib1.inc\";'");
  expect_qasm_error("qreg q[1];\n", 1, 1, "expected 'OPENQASM 2.0;'");
  expect_qasm_error("OPENQASM 3.0;\n", 1, 10, "version 3.0 is not supported");
  expect_qasm_error("OPENQASM 2.0;\ninclude \"stdgates.inc\";\n", 2, 9, "only \"qelib1.inc\"");
  expect_qasm_error("OPENQASM 2.0;\ninclude \"qelib1.inc\";\n", 3, 1, "declares no qubits");
  expect_qasm_error(h + "h q[0];\n\"open", 5, 1, "string is not closed");
  expect_qasm_error(h + "rx(" + std::string(300, '(') + "1" + std::string(300, ')') + ") q[0];\n", 4, 204,
                    "nested more than 200 deep");
  // Each definition doubles the one before: 2^30 gates.
  std::string bomb = h + "gate g0 a { x a; }\n";
  for (int i = 1; i <= 30; ++i) {
    const std::string prev = std::to_string(i - 1);
    bomb += "gate g";
    bomb += std::to_string(i);
    bomb += " a { g" + prev + " a; g" + prev + " a; }\n";
  }
  expect_qasm_error(bomb + "g30 q[0];\n", 35, 1, "expands to more than 10000000 operations");
}

TEST(QasmImport, ErrorsAreTangleValueErrors) {
  // Callers catch tangle::Error or std::invalid_argument.
  EXPECT_THROW(from_qasm("OPENQASM 2.0;\nqreg q[1];\nmeasure q[0];\n"), Error);  // no '-> c[0]' 
  EXPECT_THROW(from_qasm("garbage"), std::invalid_argument);
}
