// The trajectories backend: pure states with sampled noise (Monte-Carlo wave functions).
//
// Every channel of the circuit that is a mixture of Pauli words (depolarizing, flips, Pauli
// channel, phase damping) becomes, in each trajectory, the Pauli word drawn from its branch
// probabilities. The drawn words are inputs of a unitary program in which each channel is
// RZ(pi b) RX(pi a) per wire (X^a Z^b up to a global phase), so all trajectories of all samples
// run as one batch of the state-vector engine: its kernels, fusion and adjoint pass unchanged.
//
// Outputs are the means over each sample's trajectories, with their standard errors in RunInfo.
// Gradients are those of the estimator: w.r.t. weights and inputs the engine's exact adjoint
// through every trajectory (the draws do not depend on them); w.r.t. noise strengths the score
// function, sum over trajectories of f_t d log P(draws_t)/ds with a leave-one-out baseline.
//
// Draws come from a generator seeded by (seed, sample, trajectory): the same seed gives the same
// estimates whatever the thread count and chunking.
#include <algorithm>
#include <cmath>

#include "../executor.hpp"
#include "tangle/core/error.hpp"
#include "tangle/core/random.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle::detail {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr index_t kRowsPerCall = index_t{1} << 14;  // trajectory rows per engine call

struct ChannelSlot {
  size_t op = 0;              // index in the source program
  index_t first_input = 0;    // its 2k drawn bits in the expanded inputs
  int k = 0;                  // wires
};

struct TrajectoryProgram {
  LoweredProgram unitary;     // channels replaced by per-row Pauli rotations
  std::vector<ChannelSlot> channels;
};

TrajectoryProgram make_program(const LoweredProgram& prog) {
  TrajectoryProgram t;
  LoweredProgram& u = t.unitary;
  u.n_qubits = prog.n_qubits;
  u.n_weights = prog.n_weights;
  u.readouts = prog.readouts;
  u.n_outputs = prog.n_outputs;
  index_t next = prog.n_inputs;
  for (size_t i = 0; i < prog.ops.size(); ++i) {
    const LoweredOp& op = prog.ops[i];
    if (op.kind != LoweredOp::Kind::Channel) {
      u.ops.push_back(op);
      continue;
    }
    TANGLE_CHECK(is_pauli_mixture(op.gate), "the trajectories backend samples Pauli channels (Depolarizing, "
                 "TwoQubitDepolarizing, BitFlip, PhaseFlip, PauliChannel, PhaseDamping); ", gate_info(op.gate).name,
                 " (op ", op.source, ") needs the density_matrix backend");
    ChannelSlot slot{i, next, static_cast<int>(op.targets.size())};
    for (int q = 0; q < slot.k; ++q) {
      for (Pauli p : {Pauli::Z, Pauli::X}) {
        LoweredOp r;
        r.kind = LoweredOp::Kind::PauliRotation;
        r.targets = {op.targets[static_cast<size_t>(q)]};
        r.word = {p};
        r.angle = Expr(kPi) * Expr::input(next++);
        r.source = op.source;
        u.ops.push_back(std::move(r));
      }
    }
    t.channels.push_back(slot);
  }
  u.n_inputs = next;
  return t;
}

// The bits (a, b) of letter p: X^a Z^b ~ p.
void letter_bits(unsigned letter, double& a, double& b) {
  a = (letter == 1 || letter == 2) ? 1.0 : 0.0;
  b = (letter == 2 || letter == 3) ? 1.0 : 0.0;
}

std::vector<double> strengths(const LoweredOp& op, const double* w, const double* x) {
  std::vector<double> s;
  for (const Expr& e : op.strengths) s.push_back(e.eval<double>(w, x));
  return s;
}

// Rows per engine call: up to 1 GiB of states (three per row with gradients).
index_t rows_per_call(int n_qubits, index_t rows_total, bool gradient) {
  const std::uint64_t per_row = (std::uint64_t{16} << n_qubits) * (gradient ? 3 : 1);
  const index_t fit = static_cast<index_t>(std::max<std::uint64_t>(1, (std::uint64_t{1} << 30) / per_row));
  return std::max<index_t>(1, std::min({rows_total, kRowsPerCall, fit}));
}

}  // namespace

void execute_trajectories(const LoweredProgram& prog, const RunOptions& options, const ExecRequest& req) {
  TANGLE_CHECK(req.states == nullptr && req.density == nullptr,
               "the trajectories backend returns estimates, not states (use statevector or density_matrix)");
  TANGLE_CHECK(options.trajectories >= 1, "trajectories=", options.trajectories, " must be at least 1");
  check_request(prog, req);
  const TrajectoryProgram tp = make_program(prog);
  const LoweredProgram& u = tp.unitary;
  const index_t T = options.trajectories;
  const index_t n_in = prog.n_inputs, n_x = u.n_inputs, n_out = prog.n_outputs;
  RunOptions sv = options;
  sv.backend = Backend::StateVector;
  const bool grad = req.cotangent != nullptr;
  // Strength gradients by the score function need each row's value.
  bool trainable_noise = false;
  for (const ChannelSlot& c : tp.channels) trainable_noise = trainable_noise || prog.ops[c.op].has_parameters();

  std::vector<double> sum(static_cast<size_t>(req.batch * n_out), 0.0), sum2(sum.size(), 0.0);
  const index_t rows_total = req.batch * T;
  const index_t chunk = rows_per_call(prog.n_qubits, rows_total, grad);
  std::vector<double> x(static_cast<size_t>(chunk * n_x)), y(static_cast<size_t>(chunk * n_out)), g, dx, dw;
  std::vector<double> score;  // [chunk, n_channels_with_params * strengths] of d log P / d s
  if (grad) {
    g.resize(static_cast<size_t>(chunk * n_out));
    if (req.d_inputs != nullptr) dx.resize(static_cast<size_t>(chunk * n_x));
    if (req.d_weights != nullptr) dw.resize(static_cast<size_t>(req.per_sample_weights ? chunk * prog.n_weights : prog.n_weights));
  }
  // Per sample: the trajectories' values f_t = sum_o g_o y_to and their score terms, for the baseline.
  struct ScoreTerm {
    index_t row;        // global row = sample * T + trajectory
    size_t channel;     // index in tp.channels
    size_t strength;
    double dlogp;
  };
  std::vector<ScoreTerm> scores;
  std::vector<double> f_rows(trainable_noise && grad ? static_cast<size_t>(rows_total) : 0, 0.0);

  for (index_t start = 0; start < rows_total; start += chunk) {
    const index_t rows = std::min(chunk, rows_total - start);
    for (index_t r = 0; r < rows; ++r) {
      const index_t row = start + r, b = row / T, t = row % T;
      const double* xb = req.inputs + b * n_in;
      double* xr = x.data() + r * n_x;
      std::copy(xb, xb + n_in, xr);
      SplitMix64 rng(options.seed ^ (0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(b + 1)) ^
                     (0xD1B54A32D192ED03ULL * static_cast<std::uint64_t>(t + 1)));
      for (size_t ci = 0; ci < tp.channels.size(); ++ci) {
        const ChannelSlot& c = tp.channels[ci];
        const LoweredOp& op = prog.ops[c.op];
        const std::vector<double> s = strengths(op, req.weights, xb);
        const PauliMixture m = pauli_mixture(op.gate, s.data());
        const double u01 = rng.uniform();
        size_t j = 0;
        double acc = m.probs[0];
        while (j + 1 < m.probs.size() && u01 >= acc) acc += m.probs[++j];
        const unsigned word = m.words[j];
        for (int q = 0; q < c.k; ++q) {
          const unsigned letter = (word >> (2 * (c.k - 1 - q))) & 3u;
          letter_bits(letter, xr[c.first_input + 2 * q + 1], xr[c.first_input + 2 * q]);
        }
        if (grad && op.has_parameters()) {
          const size_t nb = m.words.size();
          for (size_t k = 0; k < op.strengths.size(); ++k) {
            if (op.strengths[k].is_constant()) continue;
            const double dp = m.dprobs[k * nb + j];
            if (dp != 0.0) scores.push_back({row, ci, k, dp / m.probs[j]});
          }
        }
      }
    }
    ExecRequest sub;
    sub.inputs = x.data();
    sub.weights = req.weights;
    sub.batch = rows;
    sub.outputs = y.data();
    sub.per_sample_weights = req.per_sample_weights;
    if (grad) {
      for (index_t r = 0; r < rows; ++r) {
        const index_t b = (start + r) / T;
        for (index_t o = 0; o < n_out; ++o)
          g[static_cast<size_t>(r * n_out + o)] = req.cotangent[b * n_out + o] / static_cast<double>(T);
      }
      sub.cotangent = g.data();
      if (!dx.empty()) {
        std::fill(dx.begin(), dx.end(), 0.0);
        sub.d_inputs = dx.data();
      }
      if (!dw.empty()) {
        std::fill(dw.begin(), dw.end(), 0.0);
        sub.d_weights = dw.data();
      }
    }
    execute_statevector(u, sv, sub);
    for (index_t r = 0; r < rows; ++r) {
      const index_t row = start + r, b = row / T;
      for (index_t o = 0; o < n_out; ++o) {
        const double v = y[static_cast<size_t>(r * n_out + o)];
        sum[static_cast<size_t>(b * n_out + o)] += v;
        sum2[static_cast<size_t>(b * n_out + o)] += v * v;
      }
      if (!f_rows.empty()) {
        double f = 0.0;
        for (index_t o = 0; o < n_out; ++o) f += req.cotangent[b * n_out + o] * y[static_cast<size_t>(r * n_out + o)];
        f_rows[static_cast<size_t>(row)] = f;
      }
      if (!dx.empty())
        for (index_t j = 0; j < n_in; ++j) req.d_inputs[b * n_in + j] += dx[static_cast<size_t>(r * n_x + j)];
      if (req.per_sample_weights && !dw.empty())
        for (index_t j = 0; j < prog.n_weights; ++j)
          req.d_weights[b * prog.n_weights + j] += dw[static_cast<size_t>(r * prog.n_weights + j)];
    }
    if (!req.per_sample_weights && !dw.empty())
      for (index_t j = 0; j < prog.n_weights; ++j) req.d_weights[j] += dw[static_cast<size_t>(j)];
  }

  if (req.outputs != nullptr)
    for (size_t i = 0; i < sum.size(); ++i) req.outputs[i] = sum[i] / static_cast<double>(T);
  if (req.info != nullptr) {
    req.info->std_errors.assign(sum.size(), 0.0);
    for (size_t i = 0; i < sum.size(); ++i) {
      const double mean = sum[i] / static_cast<double>(T);
      const double var = T > 1 ? std::max(0.0, (sum2[i] - static_cast<double>(T) * mean * mean) / static_cast<double>(T - 1)) : 0.0;
      req.info->std_errors[i] = std::sqrt(var / static_cast<double>(T));
    }
  }
  if (!scores.empty()) {
    // d/ds E[f] = E[(f_t - baseline_t) d log P_t / ds], baseline_t the mean of the sample's other trajectories.
    std::vector<double> fsum(static_cast<size_t>(req.batch), 0.0);
    for (index_t row = 0; row < rows_total; ++row) fsum[static_cast<size_t>(row / T)] += f_rows[static_cast<size_t>(row)];
    for (const ScoreTerm& st : scores) {
      const index_t b = st.row / T;
      const double f = f_rows[static_cast<size_t>(st.row)];
      const double base = T > 1 ? (fsum[static_cast<size_t>(b)] - f) / static_cast<double>(T - 1) : 0.0;
      const double d = (f - base) * st.dlogp / static_cast<double>(T);
      const Expr& e = prog.ops[tp.channels[st.channel].op].strengths[st.strength];
      const double* xb = req.inputs + b * n_in;
      for (const Term& t : e.terms()) {
        const double xw = t.weight >= 0 ? req.weights[t.weight] : 1.0;
        const double x1 = t.input >= 0 ? xb[t.input] : 1.0;
        const double x2 = t.input2 >= 0 ? xb[t.input2] : 1.0;
        if (t.weight >= 0 && req.d_weights != nullptr)
          req.d_weights[(req.per_sample_weights ? b * prog.n_weights : 0) + t.weight] += d * t.coef * x1 * x2;
        if (req.d_inputs == nullptr) continue;
        if (t.input >= 0) req.d_inputs[b * n_in + t.input] += d * t.coef * xw * x2;
        if (t.input2 >= 0) req.d_inputs[b * n_in + t.input2] += d * t.coef * xw * x1;
      }
    }
  }
}

std::uint64_t trajectories_memory(const LoweredProgram& prog, const RunOptions& options, index_t batch, bool gradient) {
  const TrajectoryProgram tp = make_program(prog);
  const index_t rows = rows_per_call(prog.n_qubits, batch * options.trajectories, gradient);
  RunOptions sv = options;
  sv.backend = Backend::StateVector;
  return statevector_memory(tp.unitary, sv, rows, gradient) +
         static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(tp.unitary.n_inputs + 2 * prog.n_outputs) * 8;
}

}  // namespace tangle::detail
