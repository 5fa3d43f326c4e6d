#include "tangle/sim/sampling.hpp"

#include <algorithm>
#include <cmath>

#include "dense_math.hpp"
#include "executor.hpp"
#include "shots.hpp"
#include "tangle/core/error.hpp"

namespace tangle {
namespace detail {

index_t draw_binomial(SplitMix64& rng, index_t n, double p) {
  if (n <= 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  if (p > 0.5) return n - draw_binomial(rng, n, 1.0 - p);
  // Trials up to and including the next success are geometric: skip over the failures.
  const double log_q = std::log1p(-p);
  index_t count = 0;
  double position = -1.0;
  for (;;) {
    const double u = 1.0 - rng.uniform();  // in (0, 1]
    position += 1.0 + std::floor(std::log(u) / log_q);
    if (position >= static_cast<double>(n)) return count;
    ++count;
  }
}

void draw_multinomial(SplitMix64& rng, index_t n, const double* p, int k, index_t* counts) {
  double mass = 0.0;
  for (int j = 0; j < k; ++j) mass += std::max(p[j], 0.0);
  index_t left = n;
  for (int j = 0; j < k; ++j) {
    const double pj = std::max(p[j], 0.0);
    if (j == k - 1 || mass <= 0.0) {
      counts[j] = j == k - 1 ? left : 0;
      continue;
    }
    counts[j] = draw_binomial(rng, left, std::min(1.0, pj / mass));
    left -= counts[j];
    mass -= pj;
  }
}

namespace {

// How each original readout is measured: which exact outputs of the measurement program it
// needs, and how counts turn into an estimate.
struct Measurement {
  Readout::Kind kind;
  index_t first = 0;            // first exact output
  index_t count = 0;            // exact outputs used
  std::vector<double> values;   // Expval: term coefficients; Hermitian: eigenvalues
  double constant = 0.0;        // Expval: identity terms
  index_t basis_state = 0;
};

}  // namespace

void estimate_outputs(const LoweredProgram& program, const RunOptions& options, const double* inputs, index_t batch,
                      const double* weights, index_t shots, std::uint64_t seed, double* out) {
  TANGLE_CHECK(shots >= 0, "shots ", shots, " is negative");
  ExecRequest req;
  req.batch = batch;
  req.inputs = inputs;
  req.weights = weights;
  if (shots == 0) {
    req.outputs = out;
    execute(program, options, req);
    return;
  }
  LoweredProgram m = program;
  m.readouts.clear();
  std::vector<Measurement> plan;
  for (const Readout& r : program.readouts) {
    Measurement mm;
    mm.kind = r.kind();
    mm.first = static_cast<index_t>(m.readouts.size());
    switch (r.kind()) {
      case Readout::Kind::Expval:
        for (const PauliTerm& t : r.observable().terms()) {
          if (t.factors.empty()) {
            mm.constant += t.coef;
            continue;
          }
          PauliSum word(1.0);
          for (const auto& f : t.factors) word = word * PauliSum::single(f.second, f.first);
          m.readouts.push_back(Readout::expval(word));
          mm.values.push_back(t.coef);
        }
        break;
      case Readout::Kind::Probs:
      case Readout::Kind::Projector:
        m.readouts.push_back(Readout::probs(r.wires()));
        mm.basis_state = r.basis_state();
        break;
      case Readout::Kind::Hermitian: {
        const index_t dim = index_t{1} << r.wires().size();
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(Eigen::Map<const MatrixC>(r.matrix().data(), dim, dim));
        for (index_t j = 0; j < dim; ++j) {
          const Eigen::VectorXcd v = solver.eigenvectors().col(j);
          std::vector<cdouble> proj(static_cast<size_t>(dim * dim));
          for (index_t a = 0; a < dim; ++a)
            for (index_t b = 0; b < dim; ++b) proj[static_cast<size_t>(a * dim + b)] = v(a) * std::conj(v(b));
          m.readouts.push_back(Readout::hermitian(std::move(proj), r.wires()));
          mm.values.push_back(solver.eigenvalues()(j));
        }
        break;
      }
    }
    mm.count = 0;
    for (size_t i = static_cast<size_t>(mm.first); i < m.readouts.size(); ++i) mm.count += m.readouts[i].n_outputs();
    plan.push_back(std::move(mm));
  }
  // Output offsets of the measurement program's readouts.
  std::vector<index_t> offset(m.readouts.size() + 1, 0);
  for (size_t i = 0; i < m.readouts.size(); ++i) offset[i + 1] = offset[i] + m.readouts[i].n_outputs();
  m.n_outputs = offset.back();

  std::vector<double> exact(static_cast<size_t>(batch * std::max<index_t>(m.n_outputs, 1)), 0.0);
  if (m.n_outputs > 0) {
    req.outputs = exact.data();
    execute(m, options, req);
  }
  SplitMix64 rng(seed);
  std::vector<index_t> counts;
  const double n = static_cast<double>(shots);
  for (index_t b = 0; b < batch; ++b) {
    const double* e = exact.data() + b * m.n_outputs;
    double* y = out + b * program.n_outputs;
    index_t o = 0;
    for (const Measurement& mm : plan) {
      const double* first = e + offset[static_cast<size_t>(mm.first)];
      switch (mm.kind) {
        case Readout::Kind::Expval: {
          double v = mm.constant;
          for (size_t t = 0; t < mm.values.size(); ++t) {
            const double p_plus = std::clamp(0.5 * (1.0 + first[t]), 0.0, 1.0);
            const index_t plus = draw_binomial(rng, shots, p_plus);
            v += mm.values[t] * (2.0 * static_cast<double>(plus) - n) / n;
          }
          y[o++] = v;
          break;
        }
        case Readout::Kind::Probs: {
          const index_t dim = mm.count;
          counts.assign(static_cast<size_t>(dim), 0);
          draw_multinomial(rng, shots, first, static_cast<int>(dim), counts.data());
          for (index_t j = 0; j < dim; ++j) y[o++] = static_cast<double>(counts[static_cast<size_t>(j)]) / n;
          break;
        }
        case Readout::Kind::Projector: {
          const double p = std::clamp(first[mm.basis_state], 0.0, 1.0);
          y[o++] = static_cast<double>(draw_binomial(rng, shots, p)) / n;
          break;
        }
        case Readout::Kind::Hermitian: {
          const int dim = static_cast<int>(mm.values.size());
          counts.assign(static_cast<size_t>(dim), 0);
          draw_multinomial(rng, shots, first, dim, counts.data());
          double v = 0.0;
          for (int j = 0; j < dim; ++j) v += mm.values[static_cast<size_t>(j)] * static_cast<double>(counts[static_cast<size_t>(j)]);
          y[o++] = v / n;
          break;
        }
      }
    }
  }
}

}  // namespace detail

namespace {
void check_sizes(const Program& program, const std::vector<double>& inputs, index_t batch,
                 const std::vector<double>& weights) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  TANGLE_CHECK(inputs.size() == static_cast<size_t>(batch * program.n_inputs()), "inputs have ", inputs.size(),
               " values but batch ", batch, " x ", program.n_inputs(), " inputs needs ", batch * program.n_inputs());
  TANGLE_CHECK(weights.size() == static_cast<size_t>(program.n_weights()), "weights have ", weights.size(),
               " values but the circuit has ", program.n_weights(), " weights");
}
}  // namespace

std::vector<double> forward_shots(const Program& program, const std::vector<double>& inputs, index_t batch,
                                  const std::vector<double>& weights, index_t shots, std::uint64_t seed,
                                  const RunOptions& options) {
  check_sizes(program, inputs, batch, weights);
  TANGLE_CHECK(shots >= 1, "shots ", shots, " must be at least 1");
  detail::check_result_allocation(batch, program.n_outputs(), sizeof(double), "the outputs");
  std::vector<double> out(static_cast<size_t>(batch * program.n_outputs()));
  detail::estimate_outputs(program.lowered(), options, inputs.data(), batch, weights.data(), shots, seed, out.data());
  return out;
}

std::vector<std::uint64_t> sample(const Program& program, const std::vector<double>& inputs, index_t batch,
                                  const std::vector<double>& weights, index_t shots, std::uint64_t seed,
                                  std::vector<int> wires, const RunOptions& options) {
  check_sizes(program, inputs, batch, weights);
  TANGLE_CHECK(shots >= 1, "shots ", shots, " must be at least 1");
  detail::check_result_allocation(batch, shots, sizeof(std::uint64_t), "the samples");
  if (wires.empty())
    for (int q = 0; q < program.n_qubits(); ++q) wires.push_back(q);
  // Through the program's noise model: the probabilities are those of misreading measurements,
  // so each sample's bits come out flipped by their wires' confusion matrices.
  Program probs(program.source_circuit(), {Readout::probs(wires)}, program.noise());
  const std::vector<double> p = forward(probs, inputs, batch, weights, options);
  const index_t dim = index_t{1} << wires.size();
  std::vector<std::uint64_t> out(static_cast<size_t>(batch * shots));
  std::vector<double> cdf(static_cast<size_t>(dim));
  SplitMix64 rng(seed);
  for (index_t b = 0; b < batch; ++b) {
    double acc = 0.0;
    for (index_t j = 0; j < dim; ++j) {
      acc += std::max(p[static_cast<size_t>(b * dim + j)], 0.0);
      cdf[static_cast<size_t>(j)] = acc;
    }
    for (index_t s = 0; s < shots; ++s) {
      const double u = rng.uniform() * acc;
      const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
      out[static_cast<size_t>(b * shots + s)] = static_cast<std::uint64_t>(std::min<index_t>(it - cdf.begin(), dim - 1));
    }
  }
  return out;
}

}  // namespace tangle
