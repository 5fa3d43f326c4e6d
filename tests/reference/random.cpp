#include "reference/random.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tangle::test {

double uniform(Rng& rng, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

double normal(Rng& rng) {
  double u1 = 0.0;
  while (u1 <= 0.0) u1 = uniform(rng, 0.0, 1.0);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * uniform(rng, 0.0, 1.0));
}

int uniform_int(Rng& rng, int lo, int hi) {
  return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

std::vector<cdouble> random_state(Rng& rng, int k) {
  std::vector<cdouble> v(size_t{1} << k);
  double norm = 0.0;
  for (cdouble& a : v) {
    a = {normal(rng), normal(rng)};
    norm += std::norm(a);
  }
  for (cdouble& a : v) a /= std::sqrt(norm);
  return v;
}

namespace {
// A 2^k x 2^k matrix of independent standard complex Gaussians (row by row).
ref::Mat gaussian_matrix(Rng& rng, int k) {
  const index_t d = index_t{1} << k;
  ref::Mat g(d, d);
  for (index_t r = 0; r < d; ++r)
    for (index_t c = 0; c < d; ++c) g(r, c) = {normal(rng), normal(rng)};
  return g;
}
}  // namespace

ref::Mat random_unitary(Rng& rng, int k) {
  const index_t d = index_t{1} << k;
  const ref::Mat g = gaussian_matrix(rng, k);
  Eigen::HouseholderQR<ref::Mat> qr(g);
  ref::Mat q = qr.householderQ();
  const ref::Mat rr = qr.matrixQR();
  for (index_t c = 0; c < d; ++c) q.col(c) *= rr(c, c) / std::abs(rr(c, c));
  return q;
}

ref::Mat random_hermitian(Rng& rng, int k) {
  const index_t d = index_t{1} << k;
  const ref::Mat g = gaussian_matrix(rng, k);
  // Built entrywise so H is exactly Hermitian (the API checks to 1e-10).
  ref::Mat h(d, d);
  for (index_t r = 0; r < d; ++r)
    for (index_t c = 0; c < d; ++c) h(r, c) = 0.5 * (g(r, c) + std::conj(g(c, r)));
  for (index_t r = 0; r < d; ++r) h(r, r) = h(r, r).real();
  return h;
}

std::vector<int> random_wires(Rng& rng, int n, int k) {
  std::vector<int> all(static_cast<size_t>(n));
  for (int q = 0; q < n; ++q) all[static_cast<size_t>(q)] = q;
  for (int i = n - 1; i > 0; --i) std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(uniform_int(rng, 0, i))]);
  all.resize(static_cast<size_t>(k));
  return all;
}

PauliSum random_pauli_sum(Rng& rng, int n) {
  PauliSum h = PauliSum(uniform(rng, -1.0, 1.0));
  const int n_terms = uniform_int(rng, 1, 3);
  for (int t = 0; t < n_terms; ++t) {
    const auto wires = random_wires(rng, n, uniform_int(rng, 1, std::min(n, 3)));
    PauliSum p = uniform(rng, -1.5, 1.5);
    for (size_t f = 0; f < wires.size(); ++f) {
      const Pauli letter = (t == 0 && f == 0) ? Pauli::Y : static_cast<Pauli>(uniform_int(rng, 1, 3));
      p = p * PauliSum::single(letter, wires[f]);
    }
    h = h + p;
  }
  return h;
}

std::vector<Readout> random_readouts(Rng& rng, int n) {
  std::vector<Readout> r;
  r.push_back(Readout::expval(random_pauli_sum(rng, n)));
  r.push_back(Readout::probs(random_wires(rng, n, uniform_int(rng, 1, std::min(n, 3)))));
  const auto pw = random_wires(rng, n, uniform_int(rng, 1, std::min(n, 3)));
  r.push_back(Readout::projector(pw, uniform_int(rng, 0, (1 << pw.size()) - 1)));
  const int k = uniform_int(rng, 1, std::min(n, 3));
  r.push_back(Readout::hermitian(ref::to_row_major(random_hermitian(rng, k)), random_wires(rng, n, k)));
  return r;
}

Expr random_angle(Rng& rng, const ParamBlock& w, const ParamBlock& x) {
  auto wi = [&] { return w[uniform_int(rng, 0, static_cast<int>(w.size()) - 1)]; };
  auto xi = [&] { return x[uniform_int(rng, 0, static_cast<int>(x.size()) - 1)]; };
  auto c = [&] { return Expr(uniform(rng, -1.5, 1.5)); };
  switch (uniform_int(rng, 0, 8)) {
    case 0: return c() * 2.0;
    case 1: return wi();
    case 2: return xi();
    case 3: return c() * xi();
    case 4: return c() * xi() * wi();
    case 5: return xi() * xi();                  // IQP-style product of two inputs
    case 6: return c() * xi() * wi() + wi() + c();  // e.g. 0.5*x[1]*w[0] + w[1] - 0.3
    case 7: return c() * wi() + c();
    default: return xi() + c() * xi() * xi() + c();
  }
}

int random_arity(Rng& rng, Gate g, int n, int max_dense) {
  const GateInfo& info = gate_info(g);
  if (info.n_wires > 0) return info.n_wires <= n ? info.n_wires : 0;
  const int cap = (g == Gate::MultiRZ || g == Gate::PauliRot) ? 4 : max_dense;
  return uniform_int(rng, 1, std::min(n, cap));
}

void append_gate(Circuit& c, Gate g, const std::vector<int>& wires, Rng& rng, const ParamBlock& w,
                 const ParamBlock& x) {
  auto a = [&] { return random_angle(rng, w, x); };
  const int k = static_cast<int>(wires.size());
  auto q = [&](int i) { return wires.at(static_cast<size_t>(i)); };
  switch (g) {
    case Gate::I: c.i(q(0)); return;
    case Gate::X: c.x(q(0)); return;
    case Gate::Y: c.y(q(0)); return;
    case Gate::Z: c.z(q(0)); return;
    case Gate::H: c.h(q(0)); return;
    case Gate::S: c.s(q(0)); return;
    case Gate::Sdg: c.sdg(q(0)); return;
    case Gate::T: c.t(q(0)); return;
    case Gate::Tdg: c.tdg(q(0)); return;
    case Gate::SX: c.sx(q(0)); return;
    case Gate::CNOT: c.cnot(q(0), q(1)); return;
    case Gate::CZ: c.cz(q(0), q(1)); return;
    case Gate::CY: c.cy(q(0), q(1)); return;
    case Gate::SWAP: c.swap(q(0), q(1)); return;
    case Gate::ISWAP: c.iswap(q(0), q(1)); return;
    case Gate::Toffoli: c.toffoli(q(0), q(1), q(2)); return;
    case Gate::CSWAP: c.cswap(q(0), q(1), q(2)); return;
    case Gate::RX: c.rx(a(), q(0)); return;
    case Gate::RY: c.ry(a(), q(0)); return;
    case Gate::RZ: c.rz(a(), q(0)); return;
    case Gate::RXX: c.rxx(a(), q(0), q(1)); return;
    case Gate::RYY: c.ryy(a(), q(0), q(1)); return;
    case Gate::RZZ: c.rzz(a(), q(0), q(1)); return;
    case Gate::MultiRZ: c.multirz(a(), wires); return;
    case Gate::PauliRot: {
      std::string word;
      for (int i = 0; i < k; ++i) word += "IXYZ"[uniform_int(rng, 0, 3)];
      if (word.find_first_not_of('I') == std::string::npos && uniform_int(rng, 0, 3) != 0) word[0] = 'Y';
      c.pauli_rot(a(), word, wires);
      return;
    }
    case Gate::CRX: c.crx(a(), q(0), q(1)); return;
    case Gate::CRY: c.cry(a(), q(0), q(1)); return;
    case Gate::CRZ: c.crz(a(), q(0), q(1)); return;
    case Gate::PhaseShift: c.phase_shift(a(), q(0)); return;
    case Gate::ControlledPhaseShift: c.controlled_phase_shift(a(), q(0), q(1)); return;
    case Gate::Rot: c.rot(a(), a(), a(), q(0)); return;
    case Gate::U3: c.u3(a(), a(), a(), q(0)); return;
    case Gate::CRot: c.crot(a(), a(), a(), q(0), q(1)); return;
    case Gate::Unitary: c.unitary(ref::to_row_major(random_unitary(rng, k)), wires); return;
    case Gate::SpecialUnitary:
      // A trained block, or now and then a per-sample one from an input block.
      if (uniform_int(rng, 0, 2) == 0) {
        c.special_unitary(c.inputs((index_t{1} << (2 * k)) - 1), wires);
      } else {
        c.special_unitary(wires, WeightInit::normal(0.0, 0.5));
      }
      return;
    case Gate::Evolution: {
      const ParamBlock m = c.inputs(index_t{1} << (2 * k));
      c.evolution(m, a(), wires);
      return;
    }
    case Gate::AmplitudeEmbedding:
    case Gate::StatePreparation:
    default: break;  // channels: see density.hpp
  }
  throw std::logic_error("append_gate: state preparations are not appended here");
}

Circuit random_circuit(Rng& rng, const CircuitSpec& spec) {
  const int n = spec.n_qubits;
  Circuit c(n);
  if (spec.prep == CircuitSpec::Prep::State) {
    const auto wires = random_wires(rng, n, uniform_int(rng, 1, n));
    c.state_preparation(random_state(rng, static_cast<int>(wires.size())), wires);
  } else if (spec.prep == CircuitSpec::Prep::Amplitude) {
    const auto wires = random_wires(rng, n, uniform_int(rng, 1, std::min(n, 4)));
    const index_t dim = index_t{1} << wires.size();
    const ParamBlock f = c.inputs(uniform_int(rng, static_cast<int>(dim / 2) + 1, static_cast<int>(dim)));
    c.amplitude_embedding(f, wires, uniform(rng, -0.5, 0.5));
  }
  const ParamBlock w = c.weights(std::max(4, spec.depth / 3));
  const ParamBlock x = c.inputs(std::max(3, spec.depth / 4));
  // Every kind first (shuffled), then random kinds up to the depth.
  const std::vector<Gate> all = spec.menu.empty() ? unitary_gates() : spec.menu;
  std::vector<Gate> kinds;
  if (spec.all_kinds) {
    kinds = all;
    for (size_t i = kinds.size() - 1; i > 0; --i)
      std::swap(kinds[i], kinds[static_cast<size_t>(uniform_int(rng, 0, static_cast<int>(i)))]);
  }
  int placed = 0;
  for (size_t i = 0; placed < spec.depth || i < kinds.size(); ++i) {
    const Gate g = i < kinds.size() ? kinds[i] : all[static_cast<size_t>(uniform_int(rng, 0, static_cast<int>(all.size()) - 1))];
    const int k = random_arity(rng, g, n, spec.max_dense);
    if (k == 0) continue;
    append_gate(c, g, random_wires(rng, n, k), rng, w, x);
    ++placed;
  }
  return c;
}

std::vector<double> random_vector(Rng& rng, size_t count, double lo, double hi) {
  std::vector<double> v(count);
  for (double& e : v) e = uniform(rng, lo, hi);
  return v;
}

std::vector<double> random_weights(Rng& rng, const Circuit& c) {
  return random_vector(rng, static_cast<size_t>(c.n_weights()), -M_PI, M_PI);
}

std::vector<double> random_inputs(Rng& rng, const Circuit& c, index_t batch) {
  return random_vector(rng, static_cast<size_t>(batch * c.n_inputs()), -1.5, 1.5);
}

std::vector<Gate> clifford_menu() {
  using G = Gate;
  return {G::H,  G::S,   G::Sdg, G::X,   G::Y,   G::Z,   G::SX,  G::CNOT,     G::CZ,  G::CY,   G::SWAP, G::ISWAP,
          G::H,  G::CNOT, G::S,  G::CZ,  G::RX,  G::RY,  G::RZ,  G::RXX,      G::RYY, G::RZZ,  G::MultiRZ,
          G::PauliRot, G::PauliRot, G::T, G::CRX, G::U3, G::Toffoli};
}

std::vector<Gate> diagonal_menu() {
  using G = Gate;
  return {G::RZ, G::RZ, G::RZZ, G::MultiRZ, G::CZ, G::PhaseShift, G::ControlledPhaseShift, G::CRZ,
          G::T,  G::Tdg, G::S,  G::Z,       G::RZ, G::RZZ,        G::MultiRZ,             G::H};
}

std::vector<Gate> unitary_gates() {
  std::vector<Gate> g;
  for (const GateInfo& info : kGates)
    if (info.family != GateFamily::StatePrep && info.family != GateFamily::Channel) g.push_back(info.gate);
  return g;
}

Circuit two_op_circuit(Rng& rng, Gate g, int n, int max_dense) {
  Circuit c(n);
  c.state_preparation(random_state(rng, n), random_wires(rng, n, n));
  const ParamBlock w = c.weights(3), x = c.inputs(3);
  const int k = random_arity(rng, g, n, max_dense);
  append_gate(c, g, random_wires(rng, n, k), rng, w, x);
  append_gate(c, g, random_wires(rng, n, k), rng, w, x);
  return c;
}

GradProblem make_grad_problem(Rng& rng, Circuit c, std::vector<Readout> readouts, index_t batch, std::string label) {
  GradProblem p{std::move(c), std::move(readouts), batch, {}, {}, {}, std::move(label)};
  p.x = random_inputs(rng, p.circuit, batch);
  p.w = random_weights(rng, p.circuit);
  p.g = random_vector(rng, static_cast<size_t>(batch * ref::n_outputs(p.readouts)), -1.0, 1.0);
  return p;
}

}  // namespace tangle::test
