// Python bindings of noise models (tangle/ir/noise_model.hpp), names one-to-one with C++. This file
// only converts: channel and gate names <-> enums, confusion matrices <-> nested lists and arrays.
#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "tangle/core/error.hpp"
#include "tangle/ir/channel.hpp"
#include "tangle/ir/noise_model.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace tangle::python {
namespace {

using ComplexArray = py::array_t<cdouble, py::array::c_style | py::array::forcecast>;

std::vector<std::vector<cdouble>> matrices(const std::vector<ComplexArray>& arrays) {
  std::vector<std::vector<cdouble>> out;
  for (const ComplexArray& a : arrays) out.emplace_back(a.data(), a.data() + a.size());
  return out;
}

Gate channel_from_name(const std::string& name) {
  const std::optional<Gate> g = channel_from_key(name);
  TANGLE_CHECK(g.has_value(), "unknown channel \"", name,
               "\" (known: depolarizing, two_qubit_depolarizing, bit_flip, phase_flip, pauli_channel, "
               "amplitude_damping, generalized_amplitude_damping, phase_damping, thermal_relaxation, reset, kraus)");
  return *g;
}

// "all", "one_qubit", "two_qubit", a gate name or a list of them (any case), as in the JSON form.
GateMatch gates_from(const py::object& gates) {
  if (py::isinstance<py::str>(gates)) {
    const std::string s = gates.cast<std::string>();
    if (s == "all") return GateMatch::every();
    if (s == "one_qubit") return GateMatch::one_qubit();
    if (s == "two_qubit") return GateMatch::two_qubit();
  }
  std::vector<std::string> names = py::isinstance<py::str>(gates) ? std::vector<std::string>{gates.cast<std::string>()}
                                                                 : gates.cast<std::vector<std::string>>();
  std::vector<Gate> g;
  for (const std::string& n : names) {
    const std::optional<Gate> found = gate_by_name_any_case(n);
    TANGLE_CHECK(found.has_value(), "gates: \"", n,
                 "\" is not a gate name (tangle.gate_names() lists them) or \"all\", \"one_qubit\", \"two_qubit\"");
    g.push_back(*found);
  }
  return GateMatch::named(std::move(g));
}

py::object gates_to_python(const GateMatch& m) {
  switch (m.kind) {
    case GateMatch::Kind::Every: return py::str("all");
    case GateMatch::Kind::OneQubit: return py::str("one_qubit");
    case GateMatch::Kind::TwoQubit: return py::str("two_qubit");
    case GateMatch::Kind::Named: {
      py::list names;
      for (Gate g : m.names) names.append(std::string(gate_info(g).name));
      return std::move(names);
    }
  }
  return py::none();
}

// A ReadoutConfusion, or a 2x2 nested list / array of P(measured | true), [measured][true].
ReadoutConfusion confusion_from(const py::object& c) {
  if (py::isinstance<ReadoutConfusion>(c)) return c.cast<ReadoutConfusion>();
  const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(c);
  TANGLE_CHECK(a && a.ndim() == 2 && a.shape(0) == 2 && a.shape(1) == 2,
               "a readout confusion matrix is 2x2: [[P(0|0), P(0|1)], [P(1|0), P(1|1)]]");
  return ReadoutConfusion::make({{{a.at(0, 0), a.at(0, 1)}, {a.at(1, 0), a.at(1, 1)}}});
}

}  // namespace

void bind_noise(py::module_& m) {
  py::class_<NoiseChannel>(m, "NoiseChannel")
      .def(py::init([](const std::string& name, std::vector<double> strengths, const std::vector<ComplexArray>& kraus) {
             return NoiseChannel::make(channel_from_name(name), std::move(strengths), matrices(kraus));
           }),
           "channel"_a, "strengths"_a = std::vector<double>{}, "kraus"_a = std::vector<ComplexArray>{})
      .def_static("depolarizing", &NoiseChannel::depolarizing, "p"_a)
      .def_static("two_qubit_depolarizing", &NoiseChannel::two_qubit_depolarizing, "p"_a)
      .def_static("bit_flip", &NoiseChannel::bit_flip, "p"_a)
      .def_static("phase_flip", &NoiseChannel::phase_flip, "p"_a)
      .def_static("pauli_channel", &NoiseChannel::pauli_channel, "px"_a, "py"_a, "pz"_a)
      .def_static("amplitude_damping", &NoiseChannel::amplitude_damping, "gamma"_a)
      .def_static("generalized_amplitude_damping", &NoiseChannel::generalized_amplitude_damping, "gamma"_a, "p"_a)
      .def_static("phase_damping", &NoiseChannel::phase_damping, "gamma"_a)
      .def_static("thermal_relaxation", &NoiseChannel::thermal_relaxation, "t1"_a, "t2"_a, "t_gate"_a)
      .def_static("reset", &NoiseChannel::reset)
      .def_static(
          "kraus_set",
          [](const std::vector<ComplexArray>& ms) { return NoiseChannel::kraus_set(matrices(ms)); },
          "matrices"_a)
      .def_property_readonly("channel", [](const NoiseChannel& c) { return std::string(channel_key(c.gate)); })
      .def_readonly("strengths", &NoiseChannel::strengths)
      .def_property_readonly("kraus",
                             [](const NoiseChannel& c) {
                               py::list out;
                               const auto d = static_cast<py::ssize_t>(1) << c.n_wires();
                               for (const std::vector<cdouble>& k : c.kraus) {
                                 py::array_t<cdouble> a({d, d});
                                 std::copy(k.begin(), k.end(), a.mutable_data());
                                 out.append(a);
                               }
                               return out;
                             })
      .def_property_readonly("n_wires", &NoiseChannel::n_wires)
      .def("scaled", &NoiseChannel::scaled, "factor"_a)
      .def("__repr__", &NoiseChannel::to_string);

  py::class_<ReadoutConfusion>(m, "ReadoutConfusion")
      .def(py::init([](const py::object& matrix) { return confusion_from(matrix); }), "matrix"_a)
      .def_static("flips", &ReadoutConfusion::flips, "p10"_a, "p01"_a)
      .def_static("symmetric", &ReadoutConfusion::symmetric, "p"_a)
      .def_property_readonly("p10", &ReadoutConfusion::p10)
      .def_property_readonly("p01", &ReadoutConfusion::p01)
      .def_property_readonly("matrix",
                             [](const ReadoutConfusion& c) {
                               py::array_t<double> a({2, 2});
                               for (int r = 0; r < 2; ++r)
                                 for (int k = 0; k < 2; ++k) a.mutable_at(r, k) = c.p[r][k];
                               return a;
                             })
      .def("scaled", &ReadoutConfusion::scaled, "factor"_a)
      .def("__repr__", [](const ReadoutConfusion& c) {
        return detail::concat("ReadoutConfusion([[", c.p[0][0], ", ", c.p[0][1], "], [", c.p[1][0], ", ", c.p[1][1], "]])");
      });

  py::class_<NoiseRule>(m, "NoiseRule")
      .def_readonly("channel", &NoiseRule::channel)
      .def_property_readonly("gates", [](const NoiseRule& r) { return gates_to_python(r.gates); })
      .def_readonly("wires", &NoiseRule::wires)
      .def("__repr__", &NoiseRule::to_string);

  py::class_<NoiseModel>(m, "NoiseModel")
      .def(py::init<>())
      .def(
          "add",
          [](NoiseModel& n, const NoiseChannel& channel, const py::object& gates, const py::object& wires) -> NoiseModel& {
            return n.add(channel, gates_from(gates), wires.is_none() ? std::vector<int>{} : wires.cast<std::vector<int>>());
          },
          "channel"_a, "gates"_a = "all", "wires"_a = py::none(), py::return_value_policy::reference)
      .def(
          "add_readout_error",
          [](NoiseModel& n, const py::object& confusion, const py::object& wire) -> NoiseModel& {
            const ReadoutConfusion c = confusion_from(confusion);
            return wire.is_none() ? n.add_readout_error(c) : n.add_readout_error(c, wire.cast<int>());
          },
          "confusion"_a, "wire"_a = py::none(), py::return_value_policy::reference)
      .def("scaled", &NoiseModel::scaled, "factor"_a)
      .def_property_readonly("scale", &NoiseModel::scale)
      .def_property_readonly("rules", &NoiseModel::rules, py::return_value_policy::copy)
      .def("readout_error", &NoiseModel::readout_error, "wire"_a)
      .def_property_readonly("has_readout_error", &NoiseModel::has_readout_error)
      .def_property_readonly("empty", &NoiseModel::empty)
      .def(
          "apply",
          [](const NoiseModel& n, const Circuit& c) {
            // A tangle.Circuit (the Python class, with its run methods), not the bare core type.
            py::object out = py::module_::import("tangle").attr("Circuit")(c.n_qubits());
            out.attr("_assign")(n.apply(c));
            return out;
          },
          "circuit"_a)
      .def("to_json", &NoiseModel::to_json)
      .def_static("from_json", &NoiseModel::from_json, "text"_a)
      .def("__str__", &NoiseModel::to_string)
      .def("__repr__", [](const NoiseModel& n) { return "NoiseModel.from_json('" + n.to_json() + "')"; })
      .def("__eq__", [](const NoiseModel& a, const NoiseModel& b) { return a.to_json() == b.to_json(); });
}

}  // namespace tangle::python
