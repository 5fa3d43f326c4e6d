// Bindings of the algorithms layer: Hamiltonians, folding and zero-noise extrapolation, readout
// mitigation, optimizers, the metric tensor and VQE. python/tangle/algo.py gives them their
// documented Python shape.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "tangle/algo/hamiltonian.hpp"
#include "tangle/algo/metric_tensor.hpp"
#include "tangle/algo/optimizers.hpp"
#include "tangle/algo/readout_mitigation.hpp"
#include "tangle/algo/vqe.hpp"
#include "tangle/algo/zne.hpp"
#include "tangle/core/error.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace tangle::python {
namespace {

using namespace tangle::algo;

Extrapolation extrapolation_of(const py::object& e) {
  if (py::isinstance<py::str>(e)) return Extrapolation::from_name(e.cast<std::string>());
  TANGLE_CHECK(PyCallable_Check(e.ptr()), "extrapolation must be a name (linear, richardson, polyN, exp, polyexpN) or "
               "a callable f(scales, values) -> value");
  auto f = e.cast<std::function<double(const std::vector<double>&, const std::vector<double>&)>>();
  std::string name = py::hasattr(e, "__name__") ? py::str(e.attr("__name__")).cast<std::string>() : "custom";
  return Extrapolation::custom(name, [f](const std::vector<double>& s, const std::vector<double>& v) {
    py::gil_scoped_acquire gil;
    return f(s, v);
  });
}

OptimizerOptions optimizer_options(const std::string& method, int max_iterations, double tolerance, double step,
                                   const py::dict& extra, std::uint64_t seed) {
  OptimizerOptions o;
  o.method = method;
  o.max_iterations = max_iterations;
  o.tolerance = tolerance;
  o.step = step;
  o.seed = seed;
  for (const auto& [k, v] : extra) {
    const std::string key = py::str(k);
    const double x = v.cast<double>();
    if (key == "momentum") o.momentum = x;
    else if (key == "averaging") o.averaging = static_cast<int>(x);
    else if (key == "a") o.spsa_a = x;
    else if (key == "c") o.spsa_c = x;
    else if (key == "alpha") o.spsa_alpha = x;
    else if (key == "gamma") o.spsa_gamma = x;
    else if (key == "A") o.spsa_A = x;
    else if (key == "lam") o.qng_lambda = x;
    else if (key == "lower") o.lower = x;
    else if (key == "upper") o.upper = x;
    else throw ValueError("unknown optimizer option '" + key + "' (known: momentum, averaging, a, c, alpha, gamma, A, lam, lower, upper)");
  }
  return o;
}

py::dict result_dict(const OptimizeResult& r) {
  return py::dict("x"_a = r.x, "fun"_a = r.value, "nit"_a = r.iterations, "nfev"_a = r.evaluations,
                  "njev"_a = r.gradient_evaluations, "nmev"_a = r.metric_evaluations, "message"_a = r.message);
}

}  // namespace

void bind_algo(py::module_& m) {
  m.def("parse_pauli_sum", &parse_pauli_sum, "text"_a,
        "A ``PauliSum`` from text such as \"0.5 Z0 Z1 + 0.3 X0 - 1.2\": terms separated by + or - (or\n"
        "newlines), each an optional coefficient and factors letter-then-wire (``X12``) separated by\n"
        "spaces or ``*``; ``#`` starts a comment. ValueError naming the line, column and text of an error.");
  m.def("read_pauli_sum", &read_pauli_sum, "path"_a,
        "The same from a file (RuntimeError when it cannot be read).");
  m.def("transverse_field_ising", &transverse_field_ising, "n_qubits"_a, "j"_a = 1.0, "h"_a = 1.0, "periodic"_a = false,
        "Transverse-field Ising chain: -j sum Z_i Z_(i+1) - h sum X_i (with the bond n-1, 0 when ``periodic``).");
  m.def("heisenberg_xxz", &heisenberg_xxz, "n_qubits"_a, "j"_a = 1.0, "delta"_a = 1.0, "periodic"_a = false,
        "Heisenberg XXZ chain: j sum (X_i X_(i+1) + Y_i Y_(i+1) + delta Z_i Z_(i+1)) (+ the periodic bond).");
  m.def("z_string", &z_string, "n_qubits"_a, "Z_0 Z_1 ... Z_(n-1) (ground energy -1).");
  m.def("h2_sto3g", &h2_sto3g, "bond_angstrom"_a = 0.74);
  m.def("ground_energy", &ground_energy, "hamiltonian"_a, "n_qubits"_a, py::call_guard<py::gil_scoped_release>(),
        "The smallest eigenvalue of ``hamiltonian`` on ``n_qubits`` (at most 24): dense up to 10 qubits,\n"
        "Lanczos beyond, without forming the matrix.");

  m.def("fold", [](const Circuit& c, double scale, const std::string& method, std::uint64_t seed) {
    FoldedCircuit f = fold(c, scale, folding_from_name(method), seed);
    return py::make_tuple(std::move(f.circuit), f.scale);
  }, "circuit"_a, "scale"_a, "method"_a = "global", "seed"_a = 0);

  m.def("extrapolate", [](const std::vector<double>& scales, const std::vector<double>& values, const py::object& e) {
    return extrapolation_of(e).at_zero(scales, values);
  }, "scales"_a, "values"_a, "extrapolation"_a = "richardson");

  m.def("zne", [](const Circuit& c, const std::vector<Readout>& readouts, const NoiseModel& noise,
                  const std::vector<double>& inputs, index_t batch, const std::vector<double>& weights,
                  const std::vector<double>& scales, const std::string& scaling, const std::string& folding,
                  const py::object& extrapolation, int repetitions, std::uint64_t seed, index_t shots,
                  const RunOptions& run) {
    ZneOptions o;
    o.scales = scales;
    TANGLE_CHECK(scaling == "folding" || scaling == "strength", "scaling='", scaling, "': expected folding or strength");
    o.scaling = scaling == "folding" ? NoiseScaling::Folding : NoiseScaling::NoiseStrength;
    o.folding = folding_from_name(folding);
    o.extrapolation = extrapolation_of(extrapolation);
    o.repetitions = repetitions;
    o.seed = seed;
    o.shots = shots;
    const ZneResult r = zne(c, readouts, noise, inputs, batch, weights, o, run);
    return py::make_tuple(r.mitigated, r.scales, r.values, r.circuit_executions);
  });

  m.def("adaptive_exponential", [](const std::function<double(double)>& run_at, int steps, double scale_factor,
                                   std::optional<double> asymptote) {
    const AdaptiveResult r = adaptive_exponential(run_at, steps, scale_factor, asymptote);
    return py::make_tuple(r.mitigated, r.scales, r.values);
  }, "run_at"_a, "steps"_a = 4, "scale_factor"_a = 2.0, "asymptote"_a = py::none());

  m.def("calibrate_readout", &calibrate_readout, "noise"_a, "n_qubits"_a, "shots"_a = 8192, "seed"_a = 0,
        "run"_a = RunOptions{},
        "Per-wire ``ReadoutConfusion`` matrices estimated from two calibration circuits run with ``noise``\n"
        "(every wire prepared in 0, then every wire in 1), each measured ``shots`` times (0: exact\n"
        "probabilities); a list indexed by wire, for ``mitigate_probabilities``.");
  m.def("mitigate_probabilities", [](const std::vector<double>& probs, index_t batch, const std::vector<int>& wires,
                                     const std::vector<ReadoutConfusion>& confusion, const std::string& method) {
    return mitigate_probabilities(probs, batch, wires, confusion, unfolding_from_name(method));
  });

  m.def("minimize", [](const py::object& fun, std::vector<double> x0, const std::string& method, const py::object& jac,
                       const py::object& metric, int max_iterations, double tolerance, double step, std::uint64_t seed,
                       const py::dict& options, const py::object& callback) {
    Objective f;
    f.value = [fun](const std::vector<double>& x) { return fun(x).cast<double>(); };
    if (!jac.is_none())
      f.gradient = [jac](const std::vector<double>& x, std::vector<double>& g) {
        const py::tuple r = jac(x);
        TANGLE_CHECK(r.size() == 2, "jac must return (value, gradient)");
        g = r[1].cast<std::vector<double>>();
        return r[0].cast<double>();
      };
    if (!metric.is_none())
      f.metric = [metric](const std::vector<double>& x) {
        py::array_t<double, py::array::c_style | py::array::forcecast> a = metric(x);
        return std::vector<double>(a.data(), a.data() + a.size());
      };
    OptimizerCallback cb;
    if (!callback.is_none())
      cb = [callback](int it, const std::vector<double>& x, double v) {
        const py::object r = callback(it, x, v);
        return r.is_none() || r.cast<bool>();
      };
    return result_dict(minimize(f, std::move(x0), optimizer_options(method, max_iterations, tolerance, step, options, seed), cb));
  });

  m.def("metric_tensor", [](const Circuit& c, const std::vector<double>& inputs, const std::vector<double>& weights,
                            const std::string& approx, const RunOptions& run) {
    TANGLE_CHECK(approx == "block-diag" || approx == "diag", "approx='", approx, "': expected block-diag or diag");
    return metric_tensor(c, inputs, weights,
                         approx == "diag" ? MetricApproximation::Diagonal : MetricApproximation::BlockDiagonal, run);
  });

  m.def("vqe_ansatz", &vqe_ansatz, "name"_a, "n_qubits"_a, "layers"_a);
  m.def("vqe", [](const Circuit& ansatz, const PauliSum& h, std::vector<double> weights, const std::string& method,
                  int max_iterations, double tolerance, double step, const py::dict& options,
                  const std::string& gradient, index_t shots, std::uint64_t seed, const NoiseModel& noise,
                  const RunOptions& run, bool mitigate, const std::vector<double>& scales, const std::string& scaling,
                  const py::object& extrapolation) {
    VqeOptions o;
    o.optimizer = optimizer_options(method, max_iterations, tolerance, step, options, seed);
    o.gradient = gradient_method_from_name(gradient);
    o.shots = shots;
    o.seed = seed;
    o.noise = noise;
    o.run = run;
    if (mitigate) {
      ZneOptions z;
      z.scales = scales;
      z.scaling = scaling == "strength" ? NoiseScaling::NoiseStrength : NoiseScaling::Folding;
      z.extrapolation = extrapolation_of(extrapolation);
      o.zne = z;
    }
    std::vector<double> history;
    const VqeResult r = vqe(ansatz, h, std::move(weights), o, [&](int, double e, long long) {
      history.push_back(e);
      return true;
    });
    py::dict d = result_dict(r.optimizer);
    d["weights"] = r.weights;
    d["energy"] = r.energy;
    d["mitigated_energy"] = r.mitigated_energy ? py::cast(*r.mitigated_energy) : py::none();
    d["circuit_executions"] = r.circuit_executions;
    d["history"] = history;
    return d;
  });
}

}  // namespace tangle::python
