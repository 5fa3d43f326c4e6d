#include "tangle/diff/finite_diff.hpp"

#include <cmath>

#include "tangle/core/error.hpp"

namespace tangle {

namespace {

void check_step(double step) {
  TANGLE_CHECK(std::isfinite(step) && step > 0.0, "finite-difference step ", step, " must be positive and finite");
}

// Calls visit(kind, index, d_outputs[batch, n_out]) with the central difference of every output
// for each weight (kind 0) and each input column (kind 1), perturbing the whole batch at once.
template <typename Visit>
void central_differences(const Program& program, const std::vector<double>& inputs, index_t batch,
                         const std::vector<double>& weights, double step, const RunOptions& options, Visit&& visit) {
  const index_t n_in = program.n_inputs(), n_w = program.n_weights();
  std::vector<double> w = weights, x = inputs, d;
  for (index_t k = 0; k < n_w; ++k) {
    const double w0 = w[static_cast<size_t>(k)];
    w[static_cast<size_t>(k)] = w0 + step;
    const std::vector<double> plus = forward(program, inputs, batch, w, options);
    w[static_cast<size_t>(k)] = w0 - step;
    const std::vector<double> minus = forward(program, inputs, batch, w, options);
    w[static_cast<size_t>(k)] = w0;
    d.resize(plus.size());
    for (size_t i = 0; i < d.size(); ++i) d[i] = (plus[i] - minus[i]) / (2.0 * step);
    visit(0, k, d);
  }
  for (index_t j = 0; j < n_in; ++j) {
    for (index_t b = 0; b < batch; ++b) x[static_cast<size_t>(b * n_in + j)] += step;
    const std::vector<double> plus = forward(program, x, batch, weights, options);
    for (index_t b = 0; b < batch; ++b) x[static_cast<size_t>(b * n_in + j)] -= 2.0 * step;
    const std::vector<double> minus = forward(program, x, batch, weights, options);
    for (index_t b = 0; b < batch; ++b) x[static_cast<size_t>(b * n_in + j)] = inputs[static_cast<size_t>(b * n_in + j)];
    d.resize(plus.size());
    for (size_t i = 0; i < d.size(); ++i) d[i] = (plus[i] - minus[i]) / (2.0 * step);
    visit(1, j, d);
  }
}

}  // namespace

VjpResult finite_diff_vjp(const Program& program, const std::vector<double>& inputs, index_t batch,
                          const std::vector<double>& weights, const std::vector<double>& cotangent, double step,
                          const RunOptions& options) {
  check_step(step);
  const index_t n_in = program.n_inputs(), n_out = program.n_outputs();
  TANGLE_CHECK(cotangent.size() == static_cast<size_t>(batch * n_out), "cotangent has ", cotangent.size(),
               " values but batch ", batch, " x ", n_out, " outputs needs ", batch * n_out);
  VjpResult r;
  r.outputs = forward(program, inputs, batch, weights, options);
  r.d_weights.assign(static_cast<size_t>(program.n_weights()), 0.0);
  r.d_inputs.assign(static_cast<size_t>(batch * n_in), 0.0);
  central_differences(program, inputs, batch, weights, step, options,
                      [&](int kind, index_t index, const std::vector<double>& d) {
                        for (index_t b = 0; b < batch; ++b) {
                          double s = 0.0;
                          for (index_t o = 0; o < n_out; ++o)
                            s += cotangent[static_cast<size_t>(b * n_out + o)] * d[static_cast<size_t>(b * n_out + o)];
                          if (kind == 0) {
                            r.d_weights[static_cast<size_t>(index)] += s;
                          } else {
                            r.d_inputs[static_cast<size_t>(b * n_in + index)] = s;
                          }
                        }
                      });
  return r;
}

Jacobian finite_diff_jacobian(const Program& program, const std::vector<double>& inputs, index_t batch,
                              const std::vector<double>& weights, double step, const RunOptions& options) {
  check_step(step);
  const index_t n_in = program.n_inputs(), n_w = program.n_weights(), n_out = program.n_outputs();
  Jacobian jac;
  jac.outputs = forward(program, inputs, batch, weights, options);
  jac.d_weights.assign(static_cast<size_t>(batch * n_out * n_w), 0.0);
  jac.d_inputs.assign(static_cast<size_t>(batch * n_out * n_in), 0.0);
  central_differences(program, inputs, batch, weights, step, options,
                      [&](int kind, index_t index, const std::vector<double>& d) {
                        for (index_t b = 0; b < batch; ++b)
                          for (index_t o = 0; o < n_out; ++o) {
                            const double v = d[static_cast<size_t>(b * n_out + o)];
                            if (kind == 0) {
                              jac.d_weights[static_cast<size_t>((b * n_out + o) * n_w + index)] = v;
                            } else {
                              jac.d_inputs[static_cast<size_t>((b * n_out + o) * n_in + index)] = v;
                            }
                          }
                      });
  return jac;
}

}  // namespace tangle
