#include "tangle/diff/param_shift.hpp"

#include <cmath>
#include <bit>
#include <map>

#include "sim/dense_math.hpp"
#include "sim/lowered.hpp"
#include "sim/shots.hpp"
#include "tangle/core/error.hpp"

namespace tangle {
namespace {

using detail::LoweredOp;
using detail::LoweredProgram;
using detail::MatrixC;

// Largest AmplitudeEmbedding the rule handles: its generator has up to 4^k Pauli words.
constexpr int kMaxEmbeddingQubits = 4;

// What a derivative is taken with respect to.
struct Target {
  enum class Kind : std::uint8_t { Angle, Weight, Input };
  Kind kind;
  index_t index;  // Weight: weight number; Input: input column; Angle: unused
};

// One Pauli word to insert after an op, with the coefficient of each target per sample:
// d y / d target_b = sum_words coef[target][b] (y(+pi/2) - y(-pi/2)).
struct Word {
  std::vector<int> wires;
  std::vector<Pauli> letters;
  std::vector<std::vector<double>> coef;  // [targets][batch]
};

struct OpRule {
  size_t position = 0;  // insert after this lowered op
  std::vector<Target> targets;
  std::vector<Word> words;
  std::vector<double> radial;  // AmplitudeEmbedding without normalization: d y / d x_j += radial[j][b] * 2 y
};

// Words of a generator G given as a 2^k x 2^k matrix on `wires`: c_w = tr(P_w G) / 2^k, for
// sample b (every sample when b < 0).
void add_matrix_generator(OpRule& rule, const std::vector<int>& wires, const MatrixC& g, size_t target, index_t b,
                          index_t batch, std::map<std::uint64_t, size_t>& index) {
  const int k = static_cast<int>(wires.size());
  const std::uint64_t n_words = std::uint64_t{1} << (2 * k);
  std::vector<cdouble> traces(static_cast<size_t>(n_words - 1));
  detail::pauli_traces(g, k, traces.data());
  const double scale = 1.0 / static_cast<double>(index_t{1} << k);
  for (std::uint64_t w = 1; w < n_words; ++w) {
    const double c = traces[static_cast<size_t>(w - 1)].real() * scale;
    if (c == 0.0) continue;
    auto it = index.find(w);
    if (it == index.end()) {
      Word word;
      for (int t = 0; t < k; ++t) {
        const auto letter = static_cast<Pauli>((w >> (2 * (k - 1 - t))) & 3);
        if (letter == Pauli::I) continue;
        word.wires.push_back(wires[static_cast<size_t>(t)]);
        word.letters.push_back(letter);
      }
      word.coef.assign(rule.targets.size(), std::vector<double>(static_cast<size_t>(batch), 0.0));
      it = index.emplace(w, rule.words.size()).first;
      rule.words.push_back(std::move(word));
    }
    std::vector<double>& row = rule.words[it->second].coef[target];
    if (b < 0) {
      for (double& r : row) r += c;
    } else {
      row[static_cast<size_t>(b)] += c;
    }
  }
}

// Z-strings of a projector onto |1..1> of `wires` times an optional Pauli word on `targets`:
// Pi = prod_w (I - Z_w)/2, so Pi P = sum_S (-1)^|S| / 2^|W| Z_S P.
void add_projected_word(OpRule& rule, const std::vector<int>& projected, const std::vector<int>& targets,
                        const std::vector<Pauli>& word, double scale, index_t batch) {
  const size_t m = projected.size();
  for (std::uint64_t s = 0; s < (std::uint64_t{1} << m); ++s) {
    Word w;
    for (size_t c = 0; c < m; ++c)
      if (s >> c & 1) {
        w.wires.push_back(projected[c]);
        w.letters.push_back(Pauli::Z);
      }
    w.wires.insert(w.wires.end(), targets.begin(), targets.end());
    w.letters.insert(w.letters.end(), word.begin(), word.end());
    if (w.wires.empty()) continue;  // the identity is a global phase
    const double c = ((std::popcount(s) & 1) ? -1.0 : 1.0) * scale / static_cast<double>(std::uint64_t{1} << m);
    w.coef.assign(1, std::vector<double>(static_cast<size_t>(batch), c));
    rule.words.push_back(std::move(w));
  }
}

std::vector<OpRule> build_rules(const LoweredProgram& prog, const double* inputs, index_t batch, const double* weights) {
  std::vector<OpRule> rules;
  for (size_t i = 0; i < prog.ops.size(); ++i) {
    const LoweredOp& op = prog.ops[i];
    if (!op.has_parameters()) continue;
    OpRule rule;
    rule.position = i;
    switch (op.kind) {
      case LoweredOp::Kind::PauliRotation:
        // dU/dtheta = -i (Pi_C P / 2) U
        rule.targets = {{Target::Kind::Angle, 0}};
        add_projected_word(rule, op.controls, op.targets, op.word, 0.5, batch);
        break;
      case LoweredOp::Kind::Phase:
        // U = exp(i phi Pi): dU/dphi = -i (-Pi) U
        rule.targets = {{Target::Kind::Angle, 0}};
        add_projected_word(rule, op.targets, {}, {}, -1.0, batch);
        break;
      case LoweredOp::Kind::SpecialUnitary: {
        const int k = static_cast<int>(op.targets.size());
        const index_t dim = index_t{1} << k;
        const Target::Kind kind = op.per_sample ? Target::Kind::Input : Target::Kind::Weight;
        for (index_t m = 0; m < op.count; ++m) rule.targets.push_back({kind, op.offset + m});
        std::map<std::uint64_t, size_t> index;
        std::vector<double> unit(static_cast<size_t>(op.count), 0.0);
        // Weights: one generator set for the batch; inputs: one per sample.
        const index_t rows = op.per_sample ? batch : 1;
        for (index_t row = 0; row < rows; ++row) {
          const double* p = op.per_sample ? inputs + row * prog.n_inputs + op.offset : weights + op.offset;
          const detail::HermitianExp e = detail::hermitian_exp(detail::pauli_combination(p, k));
          for (index_t m = 0; m < op.count; ++m) {
            // dU/dp_m = W [(W^dagger P_m W) . Gamma] W^dagger; G_m = i dU U^dagger
            unit.assign(unit.size(), 0.0);
            unit[static_cast<size_t>(m)] = 1.0;
            const MatrixC pm = e.w.adjoint() * detail::pauli_combination(unit.data(), k) * e.w;
            MatrixC x(dim, dim);
            for (index_t a = 0; a < dim; ++a)
              for (index_t b = 0; b < dim; ++b)
                x(a, b) = pm(a, b) * detail::exp_divided_difference(1.0, e.alpha(a), e.alpha(b));
            const MatrixC g = cdouble(0, 1) * (e.w * x * e.w.adjoint()) * e.u.adjoint();
            add_matrix_generator(rule, op.targets, g, static_cast<size_t>(m), op.per_sample ? row : -1, batch, index);
          }
        }
        break;
      }
      case LoweredOp::Kind::Evolution: {
        const int k = static_cast<int>(op.targets.size());
        const int dim = 1 << k;
        rule.targets = {{Target::Kind::Angle, 0}};
        for (index_t j = 0; j < op.count; ++j) rule.targets.push_back({Target::Kind::Input, op.offset + j});
        std::map<std::uint64_t, size_t> index;
        for (index_t b = 0; b < batch; ++b) {
          const double* x = inputs + b * prog.n_inputs;
          const double time = op.angle.eval<double>(weights, x);
          const detail::SymmetricEigen se = detail::symmetric_eigen(x + op.offset, dim);
          const MatrixC v = se.v.cast<cdouble>();
          MatrixC u = v;
          for (int j = 0; j < dim; ++j) u.col(j) *= std::polar(1.0, -0.5 * time * se.h(j));
          u = u * v.transpose();
          // time: dU/dt = -i (H/2) U
          const MatrixC h = v * se.h.cast<cdouble>().asDiagonal() * v.transpose();
          add_matrix_generator(rule, op.targets, 0.5 * h, 0, b, batch, index);
          for (int r = 0; r < dim; ++r) {
            for (int c = 0; c < dim; ++c) {
              MatrixC dh = MatrixC::Zero(dim, dim);
              dh(r, c) += 0.5;
              dh(c, r) += 0.5;
              const MatrixC p = v.transpose() * dh * v;
              MatrixC xm(dim, dim);
              for (int a = 0; a < dim; ++a)
                for (int bb = 0; bb < dim; ++bb)
                  xm(a, bb) = p(a, bb) * detail::exp_divided_difference(-0.5 * time, se.h(a), se.h(bb));
              const MatrixC g = cdouble(0, 1) * (v * xm * v.transpose()) * u.adjoint();
              add_matrix_generator(rule, op.targets, g, static_cast<size_t>(1 + r * dim + c), b, batch, index);
            }
          }
        }
        break;
      }
      case LoweredOp::Kind::AmplitudeEmbedding: {
        const int k = static_cast<int>(op.targets.size());
        TANGLE_CHECK(k <= kMaxEmbeddingQubits, "parameter-shift through AmplitudeEmbedding on ", k,
                     " wires would need up to 4^", k, " shifted circuits per input; at most ",
                     kMaxEmbeddingQubits, " wires are supported (use the adjoint method)");
        const int dim = 1 << k;
        for (index_t j = 0; j < op.count; ++j) rule.targets.push_back({Target::Kind::Input, op.offset + j});
        rule.radial.assign(static_cast<size_t>(op.count * batch), 0.0);
        std::map<std::uint64_t, size_t> index;
        for (index_t b = 0; b < batch; ++b) {
          const double* x = inputs + b * prog.n_inputs + op.offset;
          Eigen::VectorXd v(dim);
          for (int j = 0; j < dim; ++j) v(j) = j < op.count ? x[j] : op.pad;
          const double norm = op.normalize ? v.norm() : 1.0;
          const Eigen::VectorXd psi = v / norm;
          for (index_t j = 0; j < op.count; ++j) {
            // The change of the state along x_j: a radial part (scales <O> by 2) and a rotation
            // exp(eps K) psi with K = t psi^T - psi t^T, whose generator is G = i K.
            Eigen::VectorXd d = Eigen::VectorXd::Zero(dim);
            d(j) = 1.0 / norm;
            if (op.normalize) d -= psi * psi(j) / norm;
            const double radial = psi.dot(d);
            const Eigen::VectorXd t = d - radial * psi;
            rule.radial[static_cast<size_t>(j * batch + b)] = radial;
            const Eigen::MatrixXd kmat = t * psi.transpose() - psi * t.transpose();
            const MatrixC g = cdouble(0, 1) * kmat.cast<cdouble>();
            add_matrix_generator(rule, op.targets, g, static_cast<size_t>(j), b, batch, index);
          }
        }
        break;
      }
      case LoweredOp::Kind::Channel:
        TANGLE_CHECK(false, "parameter-shift has no rule for the trainable strength of ", gate_info(op.gate).name,
                     " (op ", op.source, "): use the adjoint method or finite differences");
        break;
      default: break;
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

// d y[b][o] / d(target) for every op rule, then the chain rule into weights and inputs.
// `visit(row b, output o, is_weight, index, value)` receives each derivative.
template <typename Visit>
void shifted_derivatives(const Program& program, const std::vector<double>& inputs, index_t batch,
                         const std::vector<double>& weights, index_t shots, std::uint64_t seed,
                         const RunOptions& options, const std::vector<double>& base, Visit&& visit) {
  const LoweredProgram& prog = program.lowered();
  const index_t n_out = prog.n_outputs;
  const std::vector<OpRule> rules = build_rules(prog, inputs.data(), batch, weights.data());
  SplitMix64 seeds(seed ^ 0x5deece66dULL);
  std::vector<double> plus(static_cast<size_t>(batch * n_out)), minus(plus.size());
  for (const OpRule& rule : rules) {
    const LoweredOp& op = prog.ops[rule.position];
    // d y / d target, [targets][batch][outputs]
    std::vector<double> d(rule.targets.size() * static_cast<size_t>(batch * n_out), 0.0);
    for (const Word& word : rule.words) {
      for (int sign : {+1, -1}) {
        LoweredProgram shifted = prog;
        LoweredOp ins;
        ins.kind = LoweredOp::Kind::PauliRotation;
        ins.targets = word.wires;
        ins.word = word.letters;
        ins.angle = Expr(sign * M_PI / 2);
        ins.source = op.source;
        shifted.ops.insert(shifted.ops.begin() + static_cast<std::ptrdiff_t>(rule.position + 1), ins);
        detail::estimate_outputs(shifted, options, inputs.data(), batch, weights.data(), shots, seeds.next(),
                                 (sign > 0 ? plus : minus).data());
      }
      for (size_t t = 0; t < rule.targets.size(); ++t)
        for (index_t b = 0; b < batch; ++b) {
          const double c = word.coef[t][static_cast<size_t>(b)];
          if (c == 0.0) continue;
          for (index_t o = 0; o < n_out; ++o) {
            const size_t at = static_cast<size_t>(b * n_out + o);
            d[(t * static_cast<size_t>(batch)) * static_cast<size_t>(n_out) + at] += c * (plus[at] - minus[at]);
          }
        }
    }
    for (size_t t = 0; t < rule.targets.size(); ++t) {
      const Target& target = rule.targets[t];
      for (index_t b = 0; b < batch; ++b) {
        const double* x = inputs.data() + b * prog.n_inputs;
        for (index_t o = 0; o < n_out; ++o) {
          double v = d[(t * static_cast<size_t>(batch)) * static_cast<size_t>(n_out) + static_cast<size_t>(b * n_out + o)];
          if (!rule.radial.empty())
            v += 2.0 * rule.radial[t * static_cast<size_t>(batch) + static_cast<size_t>(b)] *
                 base[static_cast<size_t>(b * n_out + o)];
          if (v == 0.0) continue;
          switch (target.kind) {
            case Target::Kind::Weight: visit(b, o, true, target.index, v); break;
            case Target::Kind::Input: visit(b, o, false, target.index, v); break;
            case Target::Kind::Angle:
              for (const Term& term : op.angle.terms()) {
                const double xw = term.weight >= 0 ? weights[static_cast<size_t>(term.weight)] : 1.0;
                const double x1 = term.input >= 0 ? x[term.input] : 1.0;
                const double x2 = term.input2 >= 0 ? x[term.input2] : 1.0;
                if (term.weight >= 0) visit(b, o, true, term.weight, v * term.coef * x1 * x2);
                if (term.input >= 0) visit(b, o, false, term.input, v * term.coef * xw * x2);
                if (term.input2 >= 0) visit(b, o, false, term.input2, v * term.coef * xw * x1);
              }
              break;
          }
        }
      }
    }
  }
}

void check_args(const Program& program, const std::vector<double>& inputs, index_t batch,
                const std::vector<double>& weights, index_t shots) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  TANGLE_CHECK(shots >= 0, "shots ", shots, " is negative");
  TANGLE_CHECK(inputs.size() == static_cast<size_t>(batch * program.n_inputs()), "inputs have ", inputs.size(),
               " values but batch ", batch, " x ", program.n_inputs(), " inputs needs ", batch * program.n_inputs());
  TANGLE_CHECK(weights.size() == static_cast<size_t>(program.n_weights()), "weights have ", weights.size(),
               " values but the circuit has ", program.n_weights(), " weights");
}

}  // namespace

VjpResult param_shift_vjp(const Program& program, const std::vector<double>& inputs, index_t batch,
                          const std::vector<double>& weights, const std::vector<double>& cotangent, index_t shots,
                          std::uint64_t seed, const RunOptions& options) {
  check_args(program, inputs, batch, weights, shots);
  const index_t n_out = program.n_outputs(), n_in = program.n_inputs();
  TANGLE_CHECK(cotangent.size() == static_cast<size_t>(batch * n_out), "cotangent has ", cotangent.size(),
               " values but batch ", batch, " x ", n_out, " outputs needs ", batch * n_out);
  VjpResult r;
  r.outputs.assign(static_cast<size_t>(batch * n_out), 0.0);
  detail::estimate_outputs(program.lowered(), options, inputs.data(), batch, weights.data(), shots, seed,
                           r.outputs.data());
  r.d_weights.assign(static_cast<size_t>(program.n_weights()), 0.0);
  r.d_inputs.assign(static_cast<size_t>(batch * n_in), 0.0);
  shifted_derivatives(program, inputs, batch, weights, shots, seed, options, r.outputs,
                      [&](index_t b, index_t o, bool weight, index_t k, double v) {
                        const double g = cotangent[static_cast<size_t>(b * n_out + o)];
                        if (weight) {
                          r.d_weights[static_cast<size_t>(k)] += g * v;
                        } else {
                          r.d_inputs[static_cast<size_t>(b * n_in + k)] += g * v;
                        }
                      });
  return r;
}

Jacobian param_shift_jacobian(const Program& program, const std::vector<double>& inputs, index_t batch,
                              const std::vector<double>& weights, index_t shots, std::uint64_t seed,
                              const RunOptions& options) {
  check_args(program, inputs, batch, weights, shots);
  const index_t n_out = program.n_outputs(), n_in = program.n_inputs(), n_w = program.n_weights();
  Jacobian jac;
  jac.outputs.assign(static_cast<size_t>(batch * n_out), 0.0);
  detail::estimate_outputs(program.lowered(), options, inputs.data(), batch, weights.data(), shots, seed,
                           jac.outputs.data());
  jac.d_weights.assign(static_cast<size_t>(batch * n_out * n_w), 0.0);
  jac.d_inputs.assign(static_cast<size_t>(batch * n_out * n_in), 0.0);
  shifted_derivatives(program, inputs, batch, weights, shots, seed, options, jac.outputs,
                      [&](index_t b, index_t o, bool weight, index_t k, double v) {
                        if (weight) {
                          jac.d_weights[static_cast<size_t>((b * n_out + o) * n_w + k)] += v;
                        } else {
                          jac.d_inputs[static_cast<size_t>((b * n_out + o) * n_in + k)] += v;
                        }
                      });
  return jac;
}

}  // namespace tangle
