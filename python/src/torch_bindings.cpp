// The torch half of _tangle: the C++ autograd function (tangle::torch::QuantumFunction, the same op
// LibTorch users get) and the embedded data set. torch/extension.h brings the torch.Tensor type
// casters (libtorch_python), so tensors cross without copies.
#include <torch/extension.h>

#include <memory>

#include "bindings.hpp"
#include "tangle/data/dataset.hpp"
#include "tangle/torch/qkan.hpp"
#include "tangle/torch/quantum_layer.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace tangle::python {

void bind_torch(py::module_& m) {
  m.def(
      "quantum_apply",
      [](const std::shared_ptr<Program>& program, const ::torch::Tensor& inputs, const ::torch::Tensor& weights,
         const RunOptions& options) { return tangle::torch::quantum_apply(program, inputs, weights, options); },
      "program"_a, "inputs"_a, "weights"_a, "options"_a = RunOptions{}, py::call_guard<py::gil_scoped_release>());

  // DARUAN (QKAN edge activations): the C++ autograd op, and the plain-torch reference.
  m.def(
      "daruan_apply",
      [](const ::torch::Tensor& x, const ::torch::Tensor& theta, const ::torch::Tensor& pre_w,
         const ::torch::Tensor& pre_b, const ::torch::Tensor& coef,
         int threads) { return tangle::torch::daruan_apply(x, theta, pre_w, pre_b, coef, threads); },
      "x"_a, "theta"_a, "pre_w"_a, "pre_b"_a, "coef"_a, "threads"_a = 0, py::call_guard<py::gil_scoped_release>());
  m.def("daruan_torch_reference", &tangle::torch::daruan_torch_reference, "x"_a, "theta"_a, "pre_w"_a, "pre_b"_a);

  m.def("embedded_digits", [] {
    data::Dataset d = data::embedded_digits();
    return py::make_tuple(d.features, d.labels, d.class_names);
  });
}

}  // namespace tangle::python
