#include "tangle/torch/quantum_layer.hpp"

#include "tangle/core/error.hpp"
#include "tangle/diff/adjoint.hpp"

namespace tangle::torch {

namespace {

// Carries the program and its run options through the autograd context until backward.
struct ProgramHolder : ::torch::CustomClassHolder {
  ProgramHolder(std::shared_ptr<const Program> p, const RunOptions& o) : program(std::move(p)), options(o) {}
  std::shared_ptr<const Program> program;
  RunOptions options;
};

// The boundary: everything the core needs is checked here, with messages naming the bad value.
void check_tensors(const Program& program, const ::torch::Tensor& inputs, const ::torch::Tensor& weights) {
  TANGLE_CHECK(inputs.defined() && weights.defined(), "quantum layer: inputs and weights must be defined tensors");
  TANGLE_CHECK(inputs.device().is_cpu(), "quantum layer: inputs are on ", inputs.device().str(),
               " but tangle runs on the CPU (call .cpu())");
  TANGLE_CHECK(weights.device().is_cpu(), "quantum layer: weights are on ", weights.device().str(),
               " but tangle runs on the CPU");
  const auto dtype = inputs.scalar_type();
  TANGLE_CHECK(dtype == ::torch::kFloat32 || dtype == ::torch::kFloat64, "quantum layer: input dtype ",
               c10::toString(dtype), " is not float32 or float64");
  TANGLE_CHECK(weights.scalar_type() == dtype, "quantum layer: weights are ", c10::toString(weights.scalar_type()),
               " but inputs are ", c10::toString(dtype));
  TANGLE_CHECK(inputs.dim() == 2, "quantum layer: inputs must be [batch, ", program.n_inputs(), "], got ",
               inputs.dim(), " dimensions");
  TANGLE_CHECK(inputs.size(1) == program.n_inputs(), "quantum layer: inputs have width ", inputs.size(1),
               " but the circuit takes ", program.n_inputs(), " inputs");
  TANGLE_CHECK(inputs.size(0) >= 1, "quantum layer: batch size ", inputs.size(0), " must be at least 1");
  TANGLE_CHECK(weights.dim() == 1 && weights.size(0) == program.n_weights(), "quantum layer: weights have shape ",
               weights.sizes(), " but the circuit has ", program.n_weights(), " weights");
}

// The caller's options with the precision of the tensors' dtype.
RunOptions run_options(::torch::ScalarType dtype, const RunOptions& options) {
  RunOptions o = options;
  o.precision = dtype == ::torch::kFloat32 ? Precision::F32 : Precision::F64;
  return o;
}

template <typename T>
void run_forward(const Program& p, const ::torch::Tensor& x, const ::torch::Tensor& w, ::torch::Tensor& y,
                 const RunOptions& o) {
  forward<T>(p, x.data_ptr<T>(), x.size(0), w.data_ptr<T>(), y.data_ptr<T>(), o);
}

template <typename T>
void run_vjp(const Program& p, const ::torch::Tensor& x, const ::torch::Tensor& w, const ::torch::Tensor& g,
             ::torch::Tensor* dx, ::torch::Tensor& dw, const RunOptions& o) {
  vjp<T>(p, x.data_ptr<T>(), x.size(0), w.data_ptr<T>(), g.data_ptr<T>(), nullptr, dw.data_ptr<T>(),
         dx != nullptr ? dx->data_ptr<T>() : nullptr, o);
}

// y = f(x; w) for contiguous x [B, n_inputs] and w, in the precision of x's dtype.
::torch::Tensor evaluate(const Program& program, const ::torch::Tensor& x, const ::torch::Tensor& w,
                         const RunOptions& options) {
  check_tensors(program, x, w);
  ::torch::Tensor y = ::torch::empty({x.size(0), program.n_outputs()}, x.options());
  const RunOptions o = run_options(x.scalar_type(), options);
  if (x.scalar_type() == ::torch::kFloat32) {
    run_forward<float>(program, x, w, y, o);
  } else {
    run_forward<double>(program, x, w, y, o);
  }
  return y;
}

}  // namespace

::torch::Tensor QuantumFunction::forward(::torch::autograd::AutogradContext* ctx, const ::torch::Tensor& inputs,
                                         const ::torch::Tensor& weights, std::shared_ptr<const Program> program,
                                         const RunOptions& options) {
  const ::torch::Tensor x = inputs.contiguous(), w = weights.contiguous();
  ::torch::Tensor y = evaluate(*program, x, w, options);
  ctx->save_for_backward({x, w});
  ctx->saved_data["program"] =
      c10::IValue::make_capsule(c10::make_intrusive<ProgramHolder>(std::move(program), options));
  return y;
}

::torch::autograd::variable_list QuantumFunction::backward(::torch::autograd::AutogradContext* ctx,
                                                           ::torch::autograd::variable_list grad_outputs) {
  const auto saved = ctx->get_saved_variables();
  const ::torch::Tensor& x = saved[0];
  const ::torch::Tensor& w = saved[1];
  const auto holder = ctx->saved_data["program"].toCapsule();
  const ProgramHolder& held = *static_cast<const ProgramHolder*>(holder.get());
  const Program& program = *held.program;
  const ::torch::Tensor g = grad_outputs[0].to(x.scalar_type()).contiguous();
  const bool want_x = ctx->needs_input_grad(0);
  ::torch::Tensor dw = ::torch::zeros_like(w);
  ::torch::Tensor dx = want_x ? ::torch::zeros_like(x) : ::torch::Tensor();
  const RunOptions o = run_options(x.scalar_type(), held.options);
  if (x.scalar_type() == ::torch::kFloat32) {
    run_vjp<float>(program, x, w, g, want_x ? &dx : nullptr, dw, o);
  } else {
    run_vjp<double>(program, x, w, g, want_x ? &dx : nullptr, dw, o);
  }
  return {dx, dw, ::torch::Tensor(), ::torch::Tensor()};
}

::torch::Tensor quantum_apply(const std::shared_ptr<const Program>& program, const ::torch::Tensor& inputs,
                              const ::torch::Tensor& weights, const RunOptions& options) {
  TANGLE_CHECK(program != nullptr, "quantum layer: no program");
  if (!inputs.requires_grad() && !weights.requires_grad()) {
    // Inference: no graph, no saved tensors.
    ::torch::NoGradGuard no_grad;
    return evaluate(*program, inputs.contiguous(), weights.contiguous(), options);
  }
  return QuantumFunction::apply(inputs, weights, program, options);
}

QuantumLayerImpl::QuantumLayerImpl(Circuit circuit, std::vector<Readout> readouts, LayerOptions options)
    : QuantumLayerImpl(std::make_shared<const Program>(std::move(circuit), std::move(readouts), options.noise), options) {}

QuantumLayerImpl::QuantumLayerImpl(std::shared_ptr<const Program> program, LayerOptions options)
    : program_(std::move(program)), options_(options) {
  TANGLE_CHECK(program_ != nullptr, "quantum layer: no program");
  weights = register_parameter("weights", ::torch::zeros({program_->n_weights()}, ::torch::kFloat32));
  reset_parameters(options_.seed);
}

void QuantumLayerImpl::reset_parameters(std::uint64_t seed) {
  const std::vector<double> init = program_->circuit().initial_weights(seed);
  ::torch::NoGradGuard no_grad;
  weights.copy_(::torch::tensor(init, ::torch::kFloat64).to(weights.scalar_type()));
}

::torch::Tensor QuantumLayerImpl::forward(const ::torch::Tensor& inputs) {
  TANGLE_CHECK(inputs.defined(), "quantum layer: input tensor is undefined");
  const bool single = inputs.dim() == 1;
  TANGLE_CHECK(inputs.dim() == 1 || inputs.dim() == 2, "quantum layer: inputs must be [batch, ", program_->n_inputs(),
               "] or [", program_->n_inputs(), "], got ", inputs.dim(), " dimensions");
  const ::torch::Tensor x = single ? inputs.unsqueeze(0) : inputs;
  const ::torch::Tensor w = weights.scalar_type() == x.scalar_type() ? weights : weights.to(x.scalar_type());
  ::torch::Tensor y = quantum_apply(program_, x, w, options_.run);
  return single ? y.squeeze(0) : y;
}

}  // namespace tangle::torch
