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
      return names;
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
  py::class_<NoiseChannel>(m, "NoiseChannel",
                           "A noise channel with fixed strengths, as a noise rule attaches it: ``channel`` is its\n"
                           "name (\"depolarizing\", ..., \"kraus\"), ``strengths`` as the channel takes them, ``kraus``\n"
                           "the matrices of a \"kraus\" channel. ValueError for an unknown name, a wrong number of\n"
                           "strengths, a value outside the channel's domain or an incomplete Kraus set.")
      .def(py::init([](const std::string& name, std::vector<double> strengths, const std::vector<ComplexArray>& kraus) {
             return NoiseChannel::make(channel_from_name(name), std::move(strengths), matrices(kraus));
           }),
           "channel"_a, "strengths"_a = std::vector<double>{}, "kraus"_a = std::vector<ComplexArray>{})
      .def_static("depolarizing", &NoiseChannel::depolarizing, "p"_a,
                  "X, Y or Z each with probability p/3 (0 <= p <= 1).")
      .def_static("two_qubit_depolarizing", &NoiseChannel::two_qubit_depolarizing, "p"_a,
                  "Each of the 15 non-identity two-qubit Pauli products with probability p/15.")
      .def_static("bit_flip", &NoiseChannel::bit_flip, "p"_a, "X with probability p.")
      .def_static("phase_flip", &NoiseChannel::phase_flip, "p"_a, "Z with probability p.")
      .def_static("pauli_channel", &NoiseChannel::pauli_channel, "px"_a, "py"_a, "pz"_a,
                  "X, Y, Z with probabilities px, py, pz (sum at most 1).")
      .def_static("amplitude_damping", &NoiseChannel::amplitude_damping, "gamma"_a,
                  "``|1>`` decays to ``|0>`` with probability gamma.")
      .def_static("generalized_amplitude_damping", &NoiseChannel::generalized_amplitude_damping, "gamma"_a, "p"_a,
                  "Damping by gamma towards ``|0>`` with weight p and towards ``|1>`` with weight 1 - p.")
      .def_static("phase_damping", &NoiseChannel::phase_damping, "gamma"_a,
                  "Coherences scaled by sqrt(1 - gamma), populations kept.")
      .def_static("thermal_relaxation", &NoiseChannel::thermal_relaxation, "t1"_a, "t2"_a, "t_gate"_a,
                  "T1/T2 relaxation towards ``|0>`` over a gate of duration t_gate (one time unit for all\n"
                  "three; t1 > 0, 0 < t2 <= 2 t1, t_gate >= 0).")
      .def_static("reset", &NoiseChannel::reset, "Reset to ``|0>``.")
      .def_static(
          "kraus_set",
          [](const std::vector<ComplexArray>& ms) { return NoiseChannel::kraus_set(matrices(ms)); },
          "matrices"_a,
          "A general channel from its Kraus ``matrices`` (each 2^k x 2^k, 1 <= k <= 3), checked for\n"
          "completeness (sum_i K_i^dagger K_i = I).")
      .def_property_readonly("channel", [](const NoiseChannel& c) { return std::string(channel_key(c.gate)); },
                             "The channel's name, e.g. \"depolarizing\" (as in the JSON form).")
      .def_readonly("strengths", &NoiseChannel::strengths, "The strengths, in the order the channel takes them.")
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
                             },
                             "\"kraus\" channels: the matrices, complex128 2^k x 2^k arrays (empty otherwise).")
      .def_property_readonly("n_wires", &NoiseChannel::n_wires,
                             "Wires the channel acts on: 1, 2 (two-qubit depolarizing) or k for Kraus matrices.")
      .def("scaled", &NoiseChannel::scaled, "factor"_a,
           "This channel with its strengths times ``factor`` >= 0: probabilities and gamma, thermal\n"
           "relaxation's gate time (T1, T2 stay); generalized amplitude damping's p stays. ValueError when\n"
           "a value leaves its domain, or for reset and Kraus channels unless factor is 1.")
      .def("__repr__", &NoiseChannel::to_string);

  py::class_<ReadoutConfusion>(m, "ReadoutConfusion",
                               "A wire's readout error: the 2x2 matrix P(measured | true), ``matrix[measured][true]``,\n"
                               "whose columns sum to 1 (ValueError otherwise, or for entries outside [0, 1]).")
      .def(py::init([](const py::object& matrix) { return confusion_from(matrix); }), "matrix"_a)
      .def_static("flips", &ReadoutConfusion::flips, "p10"_a, "p01"_a,
                  "From the flip probabilities p10 = P(1 | 0) (a true 0 read as 1) and p01 = P(0 | 1).")
      .def_static("symmetric", &ReadoutConfusion::symmetric, "p"_a, "The same flip probability ``p`` both ways.")
      .def_property_readonly("p10", &ReadoutConfusion::p10, "P(1 | 0): a true 0 read as 1.")
      .def_property_readonly("p01", &ReadoutConfusion::p01, "P(0 | 1): a true 1 read as 0.")
      .def_property_readonly("matrix",
                             [](const ReadoutConfusion& c) {
                               py::array_t<double> a({2, 2});
                               for (int r = 0; r < 2; ++r)
                                 for (int k = 0; k < 2; ++k) a.mutable_at(r, k) = c.p[r][k];
                               return a;
                             },
                             "The matrix as a float64 array, ``[measured][true]``.")
      .def("scaled", &ReadoutConfusion::scaled, "factor"_a,
           "The flip probabilities times ``factor``; ValueError when one leaves [0, 1].")
      .def("__repr__", [](const ReadoutConfusion& c) {
        return detail::concat("ReadoutConfusion([[", c.p[0][0], ", ", c.p[0][1], "], [", c.p[1][0], ", ", c.p[1][1], "]])");
      });

  py::class_<NoiseRule>(m, "NoiseRule", "One rule of a noise model: a channel after the gates it matches.")
      .def_readonly("channel", &NoiseRule::channel, "The ``NoiseChannel`` attached (unscaled).")
      .def_property_readonly("gates", [](const NoiseRule& r) { return gates_to_python(r.gates); },
                             "The gates it follows: \"all\", \"one_qubit\", \"two_qubit\" or a list of gate names.")
      .def_readonly("wires", &NoiseRule::wires, "The gate's exact wires, in order; empty for any wires.")
      .def("__repr__", &NoiseRule::to_string);

  py::class_<NoiseModel>(m, "NoiseModel",
                         "Noise rules (channels after matching gates) and per-wire readout error, as Qiskit Aer's\n"
                         "NoiseModel; a circuit runs with it through ``noise=``. ``NoiseModel()`` adds no noise.")
      .def(py::init<>())
      .def(
          "add",
          [](NoiseModel& n, const NoiseChannel& channel, const py::object& gates, const py::object& wires) -> NoiseModel& {
            return n.add(channel, gates_from(gates), wires.is_none() ? std::vector<int>{} : wires.cast<std::vector<int>>());
          },
          "channel"_a, "gates"_a = "all", "wires"_a = py::none(), py::return_value_policy::reference,
          "Adds a rule: ``channel`` after every gate ``gates`` matches (\"all\", \"one_qubit\", \"two_qubit\",\n"
          "a gate name or a list of them, any case), on every wire (``wires`` None) or only after gates\n"
          "on exactly ``wires`` in that order. A one-qubit channel goes on each of the gate's wires.\n"
          "Returns the model, so calls chain.")
      .def(
          "add_readout_error",
          [](NoiseModel& n, const py::object& confusion, const py::object& wire) -> NoiseModel& {
            const ReadoutConfusion c = confusion_from(confusion);
            return wire.is_none() ? n.add_readout_error(c) : n.add_readout_error(c, wire.cast<int>());
          },
          "confusion"_a, "wire"_a = py::none(), py::return_value_policy::reference,
          "Readout error ``confusion`` (a ``ReadoutConfusion`` or a 2x2 ``[measured][true]`` matrix) on\n"
          "``wire``, or on every wire without its own when ``wire`` is None. Returns the model.")
      .def("scaled", &NoiseModel::scaled, "factor"_a,
           "This model with every strength scaled by ``factor`` >= 0 (see ``NoiseChannel.scaled``; readout\n"
           "flip probabilities too): the noise knob of zero-noise extrapolation.")
      .def_property_readonly("scale", &NoiseModel::scale, "The factor ``scaled`` applied (1 for a new model).")
      .def_property_readonly("rules", &NoiseModel::rules, py::return_value_policy::copy,
                             "The rules as added (unscaled), a list of ``NoiseRule``.")
      .def("readout_error", &NoiseModel::readout_error, "wire"_a,
           "The ``ReadoutConfusion`` ``wire`` sees (scaled), or None when it reads perfectly.")
      .def_property_readonly("has_readout_error", &NoiseModel::has_readout_error,
                             "True when some wire has a readout error.")
      .def_property_readonly("empty", &NoiseModel::empty, "True when the model has no rules and no readout error.")
      .def(
          "apply",
          [](const NoiseModel& n, const Circuit& c) {
            // A tangle.Circuit (the Python class, with its run methods), not the bare core type.
            py::object out = py::module_::import("tangle").attr("Circuit")(c.n_qubits());
            out.attr("_assign")(n.apply(c));
            return out;
          },
          "circuit"_a,
          "The circuit with each matching rule's channel after each gate (a new ``tangle.Circuit`` with\n"
          "the same qubits, weights and inputs).")
      .def("to_json", &NoiseModel::to_json, "The JSON form of the model (docs/python.md, \"Noise models\").")
      .def_static("from_json", &NoiseModel::from_json, "text"_a,
                  "A model from its JSON form; ValueError naming the key, the value and where.")
      .def("__str__", &NoiseModel::to_string)
      .def("__repr__", [](const NoiseModel& n) { return "NoiseModel.from_json('" + n.to_json() + "')"; })
      .def("__eq__", [](const NoiseModel& a, const NoiseModel& b) { return a.to_json() == b.to_json(); });
}

}  // namespace tangle::python
