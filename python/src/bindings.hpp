// The _tangle extension is split in translation units so that only one includes the (slow to
// compile) torch headers: core_bindings.cpp (IR, simulation, gradients, I/O), noise_bindings.cpp
// (noise models) and torch_bindings.cpp (the autograd layer and the embedded data set).
#pragma once

#include <pybind11/pybind11.h>

namespace tangle::python {

void bind_torch(pybind11::module_& m);
void bind_noise(pybind11::module_& m);
void bind_algo(pybind11::module_& m);

}  // namespace tangle::python
