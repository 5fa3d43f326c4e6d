// The density-matrix backend against the dense mixed-state oracle (reference/density.hpp): every
// channel on random circuits, in float and double, odd batches; trace and Hermiticity; the
// noise-free limit against the pure engine; adjoint gradients (weights, inputs, noise strengths)
// against central differences; the documented values of the anchors; clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "effort.hpp"
#include "error_message.hpp"
#include "reference/density.hpp"
#include "reference/random.hpp"
#include "tangle/core/error.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/io/draw.hpp"
#include "tangle/io/qasm.hpp"
#include "tangle/ir/channel.hpp"
#include "tangle/sim/sampling.hpp"
#include "tolerance.hpp"

namespace tangle {
namespace {

using test::Rng;

std::vector<Gate> channel_gates() {
  std::vector<Gate> g;
  for (const GateInfo& info : kGates)
    if (info.family == GateFamily::Channel) g.push_back(info.gate);
  return g;
}

// Strength parameters live in their own blocks, whose values the tests set inside the channels'
// domains: sw (weights) and sx (inputs), all in [0.02, 0.3].
struct Strengths {
  ParamBlock sw, sx;
};

Expr random_strength(Rng& rng, const Strengths& s, int mode) {
  switch (mode) {
    case 0: return Expr(test::uniform(rng, 0.02, 0.3));
    case 1: return s.sw[test::uniform_int(rng, 0, static_cast<int>(s.sw.size()) - 1)];
    default: return s.sx[test::uniform_int(rng, 0, static_cast<int>(s.sx.size()) - 1)];
  }
}

// A random complete Kraus set on k wires: the blocks of a random isometry (Stinespring).
std::vector<std::vector<cdouble>> random_kraus(Rng& rng, int k, int count) {
  int anc = 0;
  while ((1 << anc) < count) ++anc;
  const ref::Mat v = test::random_unitary(rng, k + anc);
  const int d = 1 << k;
  std::vector<std::vector<cdouble>> out;
  for (int i = 0; i < (1 << anc); ++i) {
    std::vector<cdouble> m(static_cast<size_t>(d * d));
    for (int r = 0; r < d; ++r)
      for (int c = 0; c < d; ++c) m[static_cast<size_t>(r * d + c)] = v(i * d + r, c);
    out.push_back(m);
  }
  return out;
}

// Appends channel g on random wires with strengths of the given mode (0 constant, 1 weights,
// 2 inputs, 3 mixed).
void append_channel(Circuit& c, Gate g, Rng& rng, const Strengths& s, int mode) {
  const int n = c.n_qubits();
  auto m = [&] { return mode == 3 ? test::uniform_int(rng, 0, 2) : mode; };
  auto p = [&] { return random_strength(rng, s, m()); };
  const std::vector<int> w = test::random_wires(rng, n, g == Gate::TwoQubitDepolarizing ? 2 : 1);
  switch (g) {
    case Gate::Depolarizing: c.depolarizing(p(), w[0]); return;
    case Gate::TwoQubitDepolarizing: c.two_qubit_depolarizing(p(), w[0], w[1]); return;
    case Gate::BitFlip: c.bit_flip(p(), w[0]); return;
    case Gate::PhaseFlip: c.phase_flip(p(), w[0]); return;
    case Gate::PauliChannel: c.pauli_channel(p(), p(), p(), w[0]); return;
    case Gate::AmplitudeDamping: c.amplitude_damping(p(), w[0]); return;
    case Gate::GeneralizedAmplitudeDamping: c.generalized_amplitude_damping(p(), p(), w[0]); return;
    case Gate::PhaseDamping: c.phase_damping(p(), w[0]); return;
    case Gate::ThermalRelaxation:
      // t1 in [1.02, 1.3], t2 in [0.52, 0.8] <= 2 t1, t_gate in [0.02, 0.3]
      c.thermal_relaxation(Expr(1.0) + p(), Expr(0.5) + p(), p(), w[0]);
      return;
    case Gate::Reset: c.reset(w[0]); return;
    case Gate::Kraus: {
      const int k = n >= 2 ? test::uniform_int(rng, 1, 2) : 1;
      c.kraus(random_kraus(rng, k, test::uniform_int(rng, 2, 3)), test::random_wires(rng, n, k));
      return;
    }
    default: FAIL() << "not a channel";
  }
}

// A random unitary circuit with `channels` inserted between its gates.
struct NoisyProblem {
  Circuit circuit{1};
  std::vector<Readout> readouts;
  index_t batch = 1;
  std::vector<double> x, w, g;
};

NoisyProblem noisy_problem(Rng& rng, int n, const std::vector<Gate>& channels, int mode, index_t batch, int depth,
                           bool prep = false) {
  test::CircuitSpec spec;
  spec.n_qubits = n;
  spec.depth = depth;
  spec.all_kinds = false;
  spec.prep = prep ? test::CircuitSpec::Prep::Amplitude : test::CircuitSpec::Prep::None;
  const Circuit base = test::random_circuit(rng, spec);
  NoisyProblem k;
  std::vector<Op> gates = base.ops();
  Circuit built(n);
  // Same parameter layout: declare blocks in the base's order, then the strength blocks.
  for (const WeightBlockInfo& b : base.weight_blocks()) built.weights(b.block.shape(), b.init);
  if (base.n_inputs() > 0) built.inputs(base.n_inputs());
  const Strengths s2{built.weights(3, WeightInit::constant(0.1)), built.inputs(3)};
  std::vector<size_t> slots;
  for (size_t i = 0; i < channels.size(); ++i)
    slots.push_back(static_cast<size_t>(test::uniform_int(rng, 0, static_cast<int>(gates.size()))));
  // A channel in slot i follows gate i - 1 (a preparation stays first: slot 0 follows it too).
  for (size_t pos = 0; pos <= gates.size(); ++pos) {
    if (pos > 0) built.append(gates[pos - 1]);
    if (prep && pos == 0) continue;
    for (size_t i = 0; i < channels.size(); ++i)
      if (slots[i] == pos || (prep && pos == 1 && slots[i] == 0)) append_channel(built, channels[i], rng, s2, mode);
  }
  k.circuit = built;
  k.readouts = test::random_readouts(rng, n);
  k.batch = batch;
  k.w = test::random_weights(rng, built);
  for (index_t j = 0; j < 3; ++j) k.w[static_cast<size_t>(s2.sw.offset() + j)] = test::uniform(rng, 0.02, 0.3);
  k.x = test::random_inputs(rng, built, batch);
  for (index_t b = 0; b < batch; ++b)
    for (index_t j = 0; j < 3; ++j)
      k.x[static_cast<size_t>(b * built.n_inputs() + s2.sx.offset() + j)] = test::uniform(rng, 0.02, 0.3);
  k.g = test::random_vector(rng, static_cast<size_t>(batch * ref::n_outputs(k.readouts)), -1.0, 1.0);
  return k;
}

RunOptions dm_options(Precision precision, int threads = 0) {
  RunOptions o;
  o.precision = precision;
  o.threads = threads;
  o.backend = Backend::DensityMatrix;
  return o;
}

template <typename Real>
class DensityTyped : public ::testing::Test {};
TYPED_TEST_SUITE(DensityTyped, test::Reals);

// Every channel, with constant, trainable and per-sample strengths, on 1..4 qubits, odd batches.
TYPED_TEST(DensityTyped, EveryChannelMatchesOracle) {
  using Real = TypeParam;
  size_t id = 0;
  for (Gate g : channel_gates()) {
    for (int n = 1; n <= 4; ++n) {
      if (g == Gate::TwoQubitDepolarizing && n < 2) continue;
      for (int mode = 0; mode < 4; ++mode) {
        const size_t case_id = id++;
        if (!test::runs_here(case_id)) continue;
        Rng rng(test::case_seed(1401, case_id));
        const index_t batch = (mode % 2 == 0) ? 3 : 1;
        Gate other = channel_gates()[case_id % 11];
        if (n < 2 && other == Gate::TwoQubitDepolarizing) other = Gate::Depolarizing;
        const NoisyProblem k = noisy_problem(rng, n, {g, g, other}, mode, batch, 6, mode == 2);
        SCOPED_TRACE(std::string(gate_info(g).name) + " n=" + std::to_string(n) + " mode=" + std::to_string(mode));
        const Program p(k.circuit, k.readouts);
        const RunOptions o = dm_options(test::precision_of<Real>());
        const test::Tol t = test::tol_depth<Real>(static_cast<int>(k.circuit.ops().size()));
        RunInfo info;
        EXPECT_TRUE(test::all_near(forward(p, k.x, k.batch, k.w, o, &info),
                                   ref::forward_density(k.circuit, k.readouts, k.x, k.batch, k.w), t, "outputs"));
        EXPECT_EQ(info.backend, Backend::DensityMatrix);
        const std::vector<cdouble> rho = density_matrices(p, k.x, k.batch, k.w, o);
        EXPECT_TRUE(test::all_near(rho, ref::density_matrices(k.circuit, k.x, k.batch, k.w), t, "density matrices"));
        // Trace one, Hermitian.
        const index_t d = index_t{1} << n;
        for (index_t b = 0; b < k.batch; ++b) {
          cdouble tr = 0.0;
          double herm = 0.0;
          for (index_t i = 0; i < d; ++i) {
            tr += rho[static_cast<size_t>(b * d * d + i * d + i)];
            for (index_t j = 0; j < d; ++j)
              herm = std::max(herm, std::abs(rho[static_cast<size_t>(b * d * d + i * d + j)] -
                                             std::conj(rho[static_cast<size_t>(b * d * d + j * d + i)])));
          }
          EXPECT_TRUE(test::near(tr.real(), 1.0, t, "trace"));
          EXPECT_TRUE(test::near(tr.imag(), 0.0, t, "imaginary trace"));
          EXPECT_LE(herm, t.abs * 4) << "rho is not Hermitian";
        }
      }
    }
  }
}

// Without channels the density-matrix backend gives |psi><psi| of the pure engine's states.
TYPED_TEST(DensityTyped, NoiseFreeLimitEqualsStateVector) {
  using Real = TypeParam;
  for (int n = 1; n <= 4; ++n) {
    Rng rng(test::case_seed(1402, static_cast<size_t>(n)));
    test::CircuitSpec spec;
    spec.n_qubits = n;
    spec.depth = 30;
    spec.prep = n % 2 ? test::CircuitSpec::Prep::Amplitude : test::CircuitSpec::Prep::State;
    const Circuit c = test::random_circuit(rng, spec);
    const std::vector<Readout> r = test::random_readouts(rng, n);
    const index_t batch = 5;
    const std::vector<double> w = test::random_weights(rng, c), x = test::random_inputs(rng, c, batch);
    const Program p(c, r);
    RunOptions sv;
    sv.precision = test::precision_of<Real>();
    const test::Tol t = test::tol_depth<Real>(static_cast<int>(c.ops().size()));
    EXPECT_TRUE(test::all_near(forward(p, x, batch, w, dm_options(sv.precision)), forward(p, x, batch, w, sv), t,
                               "density-matrix outputs against the statevector's"));
    const std::vector<cdouble> psi = states(p, x, batch, w, sv);
    const std::vector<cdouble> rho = density_matrices(p, x, batch, w, dm_options(sv.precision));
    std::vector<cdouble> outer;
    const index_t d = index_t{1} << n;
    for (index_t b = 0; b < batch; ++b)
      for (index_t i = 0; i < d; ++i)
        for (index_t j = 0; j < d; ++j)
          outer.push_back(psi[static_cast<size_t>(b * d + i)] * std::conj(psi[static_cast<size_t>(b * d + j)]));
    EXPECT_TRUE(test::all_near(rho, outer, t, "rho against |psi><psi|"));
  }
}

// vjp and jacobian w.r.t. weights, inputs and noise strengths against the oracle's differences;
// the same with checkpoints (a memory limit that keeps only some states).
TEST(DensityGradients, MatchOracleDifferences) {
  size_t id = 0;
  for (int n = 1; n <= 3; ++n) {
    for (int mode = 1; mode <= 3; ++mode) {
      const size_t case_id = id++;
      if (!test::runs_here(case_id)) continue;
      Rng rng(test::case_seed(1403, case_id));
      std::vector<Gate> chans = channel_gates();
      if (n < 2) chans.erase(std::find(chans.begin(), chans.end(), Gate::TwoQubitDepolarizing));
      const NoisyProblem k = noisy_problem(rng, n, chans, mode, 3, 8, mode == 3);
      SCOPED_TRACE("n=" + std::to_string(n) + " mode=" + std::to_string(mode));
      const Program p(k.circuit, k.readouts);
      const ref::Jacobian fd = ref::fd_jacobian_density(k.circuit, k.readouts, k.x, k.batch, k.w);
      const ref::Vjp want = ref::contract(fd, k.g, k.batch, p.n_outputs(), p.n_weights(), p.n_inputs());
      RunOptions o = dm_options(Precision::F64, 1);
      const VjpResult v = vjp(p, k.x, k.batch, k.w, k.g, o);
      EXPECT_TRUE(test::all_near(v.outputs, fd.outputs, test::tol_depth<double>(40), "outputs"));
      EXPECT_TRUE(test::all_near(v.d_weights, want.d_weights, test::kGradTol, "d_weights"));
      EXPECT_TRUE(test::all_near(v.d_inputs, want.d_inputs, test::kGradTol, "d_inputs"));
      const Jacobian j = jacobian(p, k.x, k.batch, k.w, o);
      EXPECT_TRUE(test::all_near(j.d_weights, fd.d_weights, test::kGradTol, "jacobian d_weights"));
      EXPECT_TRUE(test::all_near(j.d_inputs, fd.d_inputs, test::kGradTol, "jacobian d_inputs"));
      // Checkpoints: room for about a third of the ops' states.
      const std::uint64_t state = (std::uint64_t{16} << (2 * n));
      o.memory_limit = state * (k.circuit.ops().size() / 3 + 2) * 2;
      const VjpResult c = vjp(p, k.x, k.batch, k.w, k.g, o);
      EXPECT_TRUE(test::all_near(c.d_weights, v.d_weights, test::tol<double>(), "checkpointed d_weights"));
      EXPECT_TRUE(test::all_near(c.d_inputs, v.d_inputs, test::tol<double>(), "checkpointed d_inputs"));
      // Float against double.
      o = dm_options(Precision::F32, 2);
      const VjpResult f = vjp(p, k.x, k.batch, k.w, k.g, o);
      EXPECT_TRUE(test::all_near(f.d_weights, v.d_weights, test::tol<float>().scaled(20), "float d_weights"));
      EXPECT_TRUE(test::all_near(f.d_inputs, v.d_inputs, test::tol<float>().scaled(20), "float d_inputs"));
    }
  }
}

// Strong noise (channels whose condition numbers are far from 1) and singular channels: the
// backward pass restores saved states instead of un-applying them, or recomputes them when no
// copy fits the memory limit; gradients stay accurate in both precisions.
TEST(DensityGradients, StrongAndSingularNoise) {
  Rng rng(1405);
  Circuit c(3);
  const ParamBlock x = c.inputs(3);
  const ParamBlock w = c.weights({3, 3});
  for (int q = 0; q < 3; ++q) c.ry(x[q], q);
  for (int l = 0; l < 3; ++l) {
    for (int q = 0; q < 3; ++q) c.rx(w.at({l, q}), q).depolarizing(0.55, q);
    c.cnot(0, 1).amplitude_damping(0.97, 1).cnot(1, 2).phase_damping(0.99, 2);
    if (l == 1) c.reset(0).ry(x[0] * w.at({0, 0}), 0);
  }
  const std::vector<Readout> r = {Readout::expval(pauli_z(0) + 0.5 * pauli_x(1) * pauli_y(2)), Readout::probs({2})};
  const Program p(c, r);
  const index_t batch = 5;
  const std::vector<double> xs = test::random_inputs(rng, c, batch), ws = test::random_weights(rng, c);
  const std::vector<double> g = test::random_vector(rng, static_cast<size_t>(batch * p.n_outputs()), -1, 1);
  const ref::Jacobian fd = ref::fd_jacobian_density(c, r, xs, batch, ws);
  const ref::Vjp want = ref::contract(fd, g, batch, p.n_outputs(), p.n_weights(), p.n_inputs());
  for (Precision precision : {Precision::F64, Precision::F32}) {
    RunOptions o = dm_options(precision);
    const test::Tol t = precision == Precision::F64 ? test::kGradTol : test::tol<float>().scaled(50);
    const VjpResult v = vjp(p, xs, batch, ws, g, o);
    EXPECT_TRUE(test::all_near(v.d_weights, want.d_weights, t, "d_weights"));
    EXPECT_TRUE(test::all_near(v.d_inputs, want.d_inputs, t, "d_inputs"));
    // Room for two saved copies: the other states the backward pass needs are recomputed.
    const std::uint64_t tile = std::uint64_t{16} << 6;
    o.memory_limit = tile * 8 * 5;
    const VjpResult m = vjp(p, xs, batch, ws, g, o);
    EXPECT_TRUE(test::all_near(m.d_weights, want.d_weights, t, "recomputed d_weights"));
    EXPECT_TRUE(test::all_near(m.d_inputs, want.d_inputs, t, "recomputed d_inputs"));
  }
}

// Eight qubits: one density matrix per tile, the lowest bits of vec(rho) in the lanes (every
// block with lane targets). Outputs against the oracle; gradients against central differences
// of the backend's own outputs.
TEST(DensityGradients, OneSamplePerTile) {
  Rng rng(1406);
  const NoisyProblem k = noisy_problem(rng, 8, {Gate::Depolarizing, Gate::AmplitudeDamping, Gate::TwoQubitDepolarizing,
                                                Gate::Kraus, Gate::PhaseDamping}, 1, 2, 10);
  const Program p(k.circuit, k.readouts);
  const std::vector<double> want = ref::forward_density(k.circuit, k.readouts, k.x, k.batch, k.w);
  for (Precision precision : {Precision::F64, Precision::F32}) {
    const test::Tol t = precision == Precision::F64 ? test::tol_depth<double>(40) : test::tol_depth<float>(40);
    EXPECT_TRUE(test::all_near(forward(p, k.x, k.batch, k.w, dm_options(precision)), want, t, "outputs"));
  }
  const RunOptions o = dm_options(Precision::F64);
  const VjpResult v = vjp(p, k.x, k.batch, k.w, k.g, o);
  auto loss = [&](const std::vector<double>& xs, const std::vector<double>& ws) {
    const std::vector<double> y = forward(p, xs, k.batch, ws, o);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += k.g[i] * y[i];
    return s;
  };
  const double h = 1e-5;
  for (size_t j = 0; j < k.w.size(); j += 3) {
    std::vector<double> up = k.w, down = k.w;
    up[j] += h, down[j] -= h;
    EXPECT_NEAR(v.d_weights[j], (loss(k.x, up) - loss(k.x, down)) / (2 * h), 1e-6) << "weight " << j;
  }
  for (size_t j = 0; j < k.x.size(); j += 5) {
    std::vector<double> up = k.x, down = k.x;
    up[j] += h, down[j] -= h;
    EXPECT_NEAR(v.d_inputs[j], (loss(up, k.w) - loss(down, k.w)) / (2 * h), 1e-6) << "input " << j;
  }
}

// The thread count does not change a bit of the results.
TEST(DensityGradients, IndependentOfThreads) {
  Rng rng(1404);
  const NoisyProblem k = noisy_problem(rng, 3, channel_gates(), 3, 7, 10);
  const Program p(k.circuit, k.readouts);
  const VjpResult a = vjp(p, k.x, k.batch, k.w, k.g, dm_options(Precision::F64, 1));
  const VjpResult b = vjp(p, k.x, k.batch, k.w, k.g, dm_options(Precision::F64, 2));
  EXPECT_TRUE(test::bit_identical(a.outputs, b.outputs, "outputs"));
  EXPECT_TRUE(test::bit_identical(a.d_weights, b.d_weights, "d_weights"));
  EXPECT_TRUE(test::bit_identical(a.d_inputs, b.d_inputs, "d_inputs"));
}

// Values the anchors' documentation states.
TEST(DensityAnchors, DocumentedValues) {
  const RunOptions o = dm_options(Precision::F64);
  const test::Tol t = test::tol<double>();
  {
    // A Bell state under depolarizing noise p on each qubit: every correlation shrinks by
    // (1 - 4p/3) per qubit (PennyLane's DepolarizingChannel).
    const double p = 0.1;
    Circuit c(2);
    c.h(0).cnot(0, 1).depolarizing(p, 0).depolarizing(p, 1);
    const Program prog(c, {Readout::expval(pauli_z(0) * pauli_z(1)), Readout::expval(pauli_x(0) * pauli_x(1)),
                           Readout::expval(pauli_z(0)), Readout::probs({0, 1})});
    const std::vector<double> y = forward(prog, {}, 1, {}, o);
    const double f = (1 - 4 * p / 3) * (1 - 4 * p / 3);
    EXPECT_TRUE(test::all_near(y, {f, f, 0.0, (1 + f) / 4, (1 - f) / 4, (1 - f) / 4, (1 + f) / 4}, t, "Bell state"));
  }
  {
    // Amplitude damping of |1>: P(1) = 1 - gamma; thermal relaxation over t: P(1) = exp(-t/T1),
    // coherence of |+> decays as exp(-t/T2).
    for (double time : {0.0, 0.5, 2.0}) {
      Circuit c(2);
      c.x(0).thermal_relaxation(1.5, 1.0, time, 0).h(1).thermal_relaxation(1.5, 1.0, time, 1).amplitude_damping(0.3, 0);
      const Program prog(c, {Readout::probs({0}), Readout::expval(pauli_x(1))});
      const std::vector<double> y = forward(prog, {}, 1, {}, o);
      const double p1 = std::exp(-time / 1.5) * 0.7;
      EXPECT_TRUE(test::all_near(y, {1 - p1, p1, std::exp(-time / 1.0)}, t, "damping over time"));
    }
  }
  {
    // Reset, phase damping, bit flip.
    Circuit c(3);
    c.h(0).reset(0).h(1).phase_damping(0.36, 1).bit_flip(0.25, 2);
    const Program prog(c, {Readout::expval(pauli_z(0)), Readout::expval(pauli_x(1)), Readout::expval(pauli_z(2))});
    EXPECT_TRUE(test::all_near(forward(prog, {}, 1, {}, o), {1.0, 0.8, 0.5}, t, "reset, phase damping, bit flip"));
  }
}

// Auto runs a noisy circuit on the density matrix; shots and samples read the mixed state.
TEST(DensityBackend, AutoShotsAndSamples) {
  Circuit c(2);
  c.x(0).bit_flip(0.3, 0).h(1);
  const Program p(c, {Readout::probs({0})});
  RunInfo info;
  const std::vector<double> y = forward(p, {}, 1, {}, RunOptions{}, &info);
  EXPECT_EQ(info.backend, Backend::DensityMatrix);
  EXPECT_TRUE(test::all_near(y, {0.3, 0.7}, test::tol<double>(), "auto"));
  const index_t shots = 20000;
  const std::vector<std::uint64_t> s = sample(p, {}, 1, {}, shots, 7, {0});
  double ones = 0;
  for (std::uint64_t v : s) ones += static_cast<double>(v);
  // Binomial: 4.5 standard deviations of 20000 draws at p = 0.7.
  EXPECT_NEAR(ones / shots, 0.7, 4.5 * std::sqrt(0.21 / shots));
  const std::vector<double> est = forward_shots(p, {}, 1, {}, shots, 11);
  EXPECT_NEAR(est[1], 0.7, 4.5 * std::sqrt(0.21 / shots));
}

TEST(DensityErrors, ClearMessages) {
  using test::error_of;
  using test::has;
  Circuit c(2);
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.depolarizing(1.5, 0); }), "Depolarizing: p = 1.5 is outside [0, 1]"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.bit_flip(-0.1, 0); }), "outside [0, 1]"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.pauli_channel(0.5, 0.4, 0.3, 0); }), "px + py + pz = 1.2"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.thermal_relaxation(1.0, 2.5, 0.1, 0); }), "t2 = 2.5 exceeds 2 * t1 = 2"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.thermal_relaxation(0.0, 0.0, 0.1, 0); }), "t1 = 0 must be positive"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.amplitude_damping(0.1, 2); }), "wire 2 is out of range"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.two_qubit_depolarizing(0.1, 1, 1); }), "appears more than once"));
  EXPECT_TRUE(has(error_of<ValueError>([&] {
                    c.kraus({{1, 0, 0, 1}, {0, 1, 1, 0}}, {0});
                  }),
                  "Kraus channel on wires 0 is not trace preserving: max |sum_i K_i^dagger K_i - I| = 1"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { c.kraus({{1, 0, 0}}, {0}); }), "needs 4 entries but has 3"));
  // A trainable strength is checked when it is evaluated.
  Circuit t(1);
  const ParamBlock w = t.weights(1);
  t.depolarizing(w[0], 0);
  const Program p(t, {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(has(error_of<ValueError>([&] { forward(p, {}, 1, {1.25}); }), "Depolarizing: p = 1.25 is outside [0, 1]"));
  // The pure engine refuses channels, naming the backends that run them.
  RunOptions sv;
  sv.backend = Backend::StateVector;
  EXPECT_TRUE(has(error_of<ValueError>([&] { forward(p, {}, 1, {0.1}, sv); }), "use backend density_matrix or trajectories"));
  Circuit big(14);
  big.depolarizing(0.1, 0);
  const Program pb(big, {Readout::expval(pauli_z(0))});
  EXPECT_TRUE(has(error_of<ValueError>([&] { forward(pb, {}, 1, {}, dm_options(Precision::F64)); }), "14 qubits are more than its 13"));
}

// Drawings show channels; OpenQASM 2.0 export writes the gates, `reset`, and a comment per other channel.
TEST(DensityIo, DrawAndQasm) {
  Circuit c(2);
  c.h(0).depolarizing(0.05, 0).cnot(0, 1).two_qubit_depolarizing(0.02, 0, 1).reset(1);
  const std::string text = draw(c);
  EXPECT_TRUE(test::has(text, "Depolarizing(0.05)"));
  EXPECT_TRUE(test::has(text, "Reset"));
  const std::string q = to_qasm(c, {}, {});
  EXPECT_TRUE(test::has(q, "h q[0];"));
  EXPECT_TRUE(test::has(q, "cx q[0], q[1];") || test::has(q, "cx q[0],q[1];"));
  EXPECT_TRUE(test::has(q, "// channel Depolarizing(0.05) on q[0] is not part of OpenQASM 2.0 and is omitted"));
  EXPECT_TRUE(test::has(q, "// channel TwoQubitDepolarizing(0.02) on q[0], q[1] is not part of OpenQASM 2.0"));
  EXPECT_TRUE(test::has(q, "\nreset q[1];\n"));
}

}  // namespace
}  // namespace tangle
