#include "tangle/diff/adjoint.hpp"

#include <type_traits>

#include "sim/executor.hpp"
#include "tangle/core/error.hpp"

namespace tangle {

template <typename T>
void vjp(const Program& program, const T* inputs, index_t batch, const T* weights, const T* cotangent, T* outputs,
         T* d_weights, T* d_inputs, const RunOptions& options) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  const index_t n_in = program.n_inputs(), n_w = program.n_weights(), n_out = program.n_outputs();
  std::vector<double> x(inputs, inputs + batch * n_in), w(weights, weights + n_w),
      g(cotangent, cotangent + batch * n_out);
  std::vector<double> y(static_cast<size_t>(batch * n_out)), dw(static_cast<size_t>(n_w), 0.0),
      dx(static_cast<size_t>(batch * n_in), 0.0);
  detail::ExecRequest req;
  req.batch = batch;
  req.inputs = x.data();
  req.weights = w.data();
  req.cotangent = g.data();
  req.outputs = outputs != nullptr ? y.data() : nullptr;
  req.d_weights = d_weights != nullptr ? dw.data() : nullptr;
  req.d_inputs = d_inputs != nullptr ? dx.data() : nullptr;
  detail::execute(program.lowered(), options, req);
  if (outputs != nullptr) std::copy(y.begin(), y.end(), outputs);
  if (d_weights != nullptr) std::copy(dw.begin(), dw.end(), d_weights);
  if (d_inputs != nullptr) std::copy(dx.begin(), dx.end(), d_inputs);
}

template void vjp<float>(const Program&, const float*, index_t, const float*, const float*, float*, float*, float*,
                         const RunOptions&);
template void vjp<double>(const Program&, const double*, index_t, const double*, const double*, double*, double*,
                          double*, const RunOptions&);

VjpResult vjp(const Program& program, const std::vector<double>& inputs, index_t batch,
              const std::vector<double>& weights, const std::vector<double>& cotangent, const RunOptions& options) {
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  TANGLE_CHECK(inputs.size() == static_cast<size_t>(batch * program.n_inputs()), "inputs have ", inputs.size(),
               " values but batch ", batch, " x ", program.n_inputs(), " inputs needs ", batch * program.n_inputs());
  TANGLE_CHECK(weights.size() == static_cast<size_t>(program.n_weights()), "weights have ", weights.size(),
               " values but the circuit has ", program.n_weights(), " weights");
  TANGLE_CHECK(cotangent.size() == static_cast<size_t>(batch * program.n_outputs()), "cotangent has ",
               cotangent.size(), " values but batch ", batch, " x ", program.n_outputs(), " outputs needs ",
               batch * program.n_outputs());
  VjpResult r;
  r.outputs.assign(static_cast<size_t>(batch * program.n_outputs()), 0.0);
  r.d_weights.assign(static_cast<size_t>(program.n_weights()), 0.0);
  r.d_inputs.assign(static_cast<size_t>(batch * program.n_inputs()), 0.0);
  detail::ExecRequest req;
  req.batch = batch;
  req.inputs = inputs.data();
  req.weights = weights.data();
  req.cotangent = cotangent.data();
  req.outputs = r.outputs.data();
  req.d_weights = r.d_weights.data();
  req.d_inputs = r.d_inputs.data();
  detail::execute(program.lowered(), options, req);
  return r;
}

Jacobian jacobian(const Program& program, const std::vector<double>& inputs, index_t batch,
                  const std::vector<double>& weights, const RunOptions& options) {
  const index_t n_out = program.n_outputs(), n_w = program.n_weights(), n_in = program.n_inputs();
  // Checked before the [batch, n_outputs, ...] arrays are sized from them.
  TANGLE_CHECK(batch >= 1, "batch size ", batch, " must be at least 1");
  TANGLE_CHECK(inputs.size() == static_cast<size_t>(batch * n_in), "inputs have ", inputs.size(),
               " values but batch ", batch, " x ", n_in, " inputs needs ", batch * n_in);
  TANGLE_CHECK(weights.size() == static_cast<size_t>(n_w), "weights have ", weights.size(),
               " values but the circuit has ", n_w, " weights");
  detail::check_result_allocation(batch, n_out * (n_w + n_in + 2) + n_w + n_in, sizeof(double), "the Jacobian");
  Jacobian jac;
  jac.d_weights.assign(static_cast<size_t>(batch * n_out * n_w), 0.0);
  jac.d_inputs.assign(static_cast<size_t>(batch * n_out * n_in), 0.0);
  std::vector<double> g(static_cast<size_t>(batch * n_out));
  std::vector<double> dw(static_cast<size_t>(batch * n_w)), dx(static_cast<size_t>(batch * n_in));
  for (index_t o = 0; o < n_out; ++o) {
    std::fill(g.begin(), g.end(), 0.0);
    for (index_t b = 0; b < batch; ++b) g[static_cast<size_t>(b * n_out + o)] = 1.0;
    std::fill(dw.begin(), dw.end(), 0.0);
    std::fill(dx.begin(), dx.end(), 0.0);
    std::vector<double> y(static_cast<size_t>(batch * n_out));
    detail::ExecRequest req;
    req.batch = batch;
    req.inputs = inputs.data();
    req.weights = weights.data();
    req.cotangent = g.data();
    req.per_sample_weights = true;
    req.outputs = o == 0 ? y.data() : nullptr;
    req.d_weights = dw.data();
    req.d_inputs = dx.data();
    detail::execute(program.lowered(), options, req);
    if (o == 0) jac.outputs = y;
    for (index_t b = 0; b < batch; ++b) {
      std::copy(dw.begin() + b * n_w, dw.begin() + (b + 1) * n_w, jac.d_weights.begin() + (b * n_out + o) * n_w);
      std::copy(dx.begin() + b * n_in, dx.begin() + (b + 1) * n_in, jac.d_inputs.begin() + (b * n_out + o) * n_in);
    }
  }
  return jac;
}

}  // namespace tangle
