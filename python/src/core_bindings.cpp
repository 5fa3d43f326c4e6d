// Python bindings of the core: names bind one-to-one to the C++ API, and this file only converts
// (strings <-> enums, numpy <-> buffers, shapes); defaults and conveniences live in python/tangle.
// Errors: tangle::ValueError derives from std::invalid_argument, which pybind11 raises as
// ValueError; tangle::MemoryError is raised as MemoryError (a translator below); every other
// std::exception (tangle::RuntimeError included) arrives as RuntimeError.
#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "tangle/core/error.hpp"
#include "tangle/diff/adjoint.hpp"
#include "tangle/diff/finite_diff.hpp"
#include "tangle/diff/param_shift.hpp"
#include "tangle/io/draw.hpp"
#include "tangle/io/qasm.hpp"
#include "tangle/ir/templates.hpp"
#include "tangle/sim/sampling.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace tangle::python {
namespace {

// --- names <-> enums ---------------------------------------------------------------------------

Pauli pauli_from_name(const std::string& name) {
  const std::vector<Pauli> word = parse_pauli_word(name);
  TANGLE_CHECK(word.size() == 1, "\"", name, "\" is not a single Pauli letter (I, X, Y or Z)");
  return word[0];
}

Pauli rotation_from_name(const std::string& name) {
  TANGLE_CHECK(name == "X" || name == "Y" || name == "Z", "unknown rotation \"", name,
               "\" (use \"X\", \"Y\" or \"Z\")");
  return pauli_from_name(name);
}

std::string word_name(const std::vector<Pauli>& word) {
  std::string s;
  for (Pauli p : word) s += pauli_letter(p);
  return s;
}

Gate gate_from_name(const std::string& name) {
  const std::optional<Gate> g = gate_by_name(name);
  TANGLE_CHECK(g.has_value(), "unknown gate \"", name, "\"");
  return *g;
}

Precision precision_from_name(const std::string& name) {
  TANGLE_CHECK(name == "f32" || name == "f64", "precision \"", name, "\" is not \"f32\" or \"f64\"");
  return name == "f32" ? Precision::F32 : Precision::F64;
}

const char* param_kind_name(ParamKind k) { return k == ParamKind::Weight ? "weight" : "input"; }

ParamKind param_kind_from_name(const std::string& name) {
  TANGLE_CHECK(name == "weight" || name == "input", "parameter kind \"", name, "\" is not \"weight\" or \"input\"");
  return name == "weight" ? ParamKind::Weight : ParamKind::Input;
}

const char* init_kind_name(WeightInit::Kind k) {
  switch (k) {
    case WeightInit::Kind::Uniform: return "uniform";
    case WeightInit::Kind::Normal: return "normal";
    case WeightInit::Kind::Constant: return "constant";
  }
  return "?";
}

WeightInit::Kind init_kind_from_name(const std::string& name) {
  if (name == "uniform") return WeightInit::Kind::Uniform;
  if (name == "normal") return WeightInit::Kind::Normal;
  TANGLE_CHECK(name == "constant", "weight init \"", name, "\" is not \"uniform\", \"normal\" or \"constant\"");
  return WeightInit::Kind::Constant;
}

const char* readout_kind_name(Readout::Kind k) {
  switch (k) {
    case Readout::Kind::Expval: return "expval";
    case Readout::Kind::Probs: return "probs";
    case Readout::Kind::Projector: return "projector";
    case Readout::Kind::Hermitian: return "hermitian";
  }
  return "?";
}

// --- numpy <-> buffers -------------------------------------------------------------------------

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using ComplexArray = py::array_t<cdouble, py::array::c_style | py::array::forcecast>;
// Pointer-API buffers: no forcecast, so float32 and float64 arrays pick their own overload.
template <typename T>
using Buffer = py::array_t<T, py::array::c_style>;

std::vector<double> to_vector(const DoubleArray& a) { return {a.data(), a.data() + a.size()}; }
std::vector<cdouble> to_vector(const ComplexArray& a) { return {a.data(), a.data() + a.size()}; }

// Hands the vector to numpy without a copy; the capsule frees it with the array.
template <typename T>
py::array_t<T> to_array(std::vector<T>&& v, const std::vector<py::ssize_t>& shape) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owned->data(), free_when_done);
}

std::string shape_string(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t d = 0; d < a.ndim(); ++d) s += (d ? ", " : "") + std::to_string(a.shape(d));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// The pointer API trusts its buffer sizes, so they are checked here, against the program.
index_t checked_batch(const Program& p, const py::array& inputs, const py::array& weights) {
  TANGLE_CHECK(inputs.ndim() == 2, "inputs must be a [batch, ", p.n_inputs(), "] array but have shape ",
               shape_string(inputs));
  TANGLE_CHECK(inputs.shape(1) == p.n_inputs(), "inputs have width ", inputs.shape(1), " but the circuit takes ",
               p.n_inputs(), " inputs");
  TANGLE_CHECK(inputs.shape(0) >= 1, "batch size ", inputs.shape(0), " must be at least 1");
  TANGLE_CHECK(weights.ndim() == 1 && weights.shape(0) == p.n_weights(), "weights have shape ",
               shape_string(weights), " but the circuit has ", p.n_weights(), " weights");
  return inputs.shape(0);
}

void check_cotangent(const Program& p, const py::array& g, index_t batch) {
  TANGLE_CHECK(g.ndim() == 2 && g.shape(0) == batch && g.shape(1) == p.n_outputs(), "cotangent has shape ",
               shape_string(g), " but the outputs have shape (", batch, ", ", p.n_outputs(), ")");
}

// --- runs --------------------------------------------------------------------------------------

template <typename T>
py::array_t<T> forward_buffer(const Program& p, const Buffer<T>& x, const Buffer<T>& w, const RunOptions& o) {
  const index_t batch = checked_batch(p, x, w);
  py::array_t<T> y({batch, p.n_outputs()});
  T* out = y.mutable_data();
  {
    py::gil_scoped_release release;
    forward<T>(p, x.data(), batch, w.data(), out, o);
  }
  return y;
}

template <typename T>
py::tuple vjp_buffer(const Program& p, const Buffer<T>& x, const Buffer<T>& w, const Buffer<T>& g,
                     const RunOptions& o) {
  const index_t batch = checked_batch(p, x, w);
  check_cotangent(p, g, batch);
  py::array_t<T> y({batch, p.n_outputs()}), dw({p.n_weights()}), dx({batch, p.n_inputs()});
  T *y_out = y.mutable_data(), *dw_out = dw.mutable_data(), *dx_out = dx.mutable_data();
  {
    py::gil_scoped_release release;
    vjp<T>(p, x.data(), batch, w.data(), g.data(), y_out, dw_out, dx_out, o);
  }
  return py::make_tuple(y, dw, dx);
}

py::tuple vjp_tuple(VjpResult&& r, const Program& p, index_t batch) {
  return py::make_tuple(to_array(std::move(r.outputs), {batch, p.n_outputs()}),
                        to_array(std::move(r.d_weights), {p.n_weights()}),
                        to_array(std::move(r.d_inputs), {batch, p.n_inputs()}));
}

py::tuple jacobian_tuple(Jacobian&& j, const Program& p, index_t batch) {
  return py::make_tuple(to_array(std::move(j.outputs), {batch, p.n_outputs()}),
                        to_array(std::move(j.d_weights), {batch, p.n_outputs(), p.n_weights()}),
                        to_array(std::move(j.d_inputs), {batch, p.n_outputs(), p.n_inputs()}));
}

// --- ParamBlock indexing: Python's index protocol over operator[] and operator() -----------------

index_t wrap_index(index_t i, const ParamBlock& b) {
  return (i < 0 && !b.shape().empty()) ? i + b.shape()[0] : i;
}

py::object block_item(const ParamBlock& b, index_t i) {
  i = wrap_index(i, b);
  if (b.shape().size() <= 1) return py::cast(b[i]);
  return py::cast(b(i));
}

py::object block_items(const ParamBlock& b, const py::tuple& index) {
  ParamBlock cur = b;
  const size_t n = index.size();
  for (size_t k = 0; k < n; ++k) {
    const index_t i = wrap_index(index[k].cast<index_t>(), cur);
    if (k + 1 == n) return block_item(cur, i);
    cur = cur(i);
  }
  return py::cast(cur);
}

ParamBlock block_slice(const ParamBlock& b, const py::slice& s) {
  TANGLE_CHECK(!b.shape().empty(), "cannot slice a scalar parameter block");
  size_t start = 0, stop = 0, step = 0, length = 0;
  if (!s.compute(static_cast<size_t>(b.shape()[0]), &start, &stop, &step, &length)) throw py::error_already_set();
  TANGLE_CHECK(step == 1, "parameter blocks slice with step 1 only, not ", static_cast<py::ssize_t>(step));
  std::vector<index_t> shape = b.shape();
  const index_t stride = b.shape()[0] == 0 ? 0 : b.size() / b.shape()[0];
  shape[0] = static_cast<index_t>(length);
  return ParamBlock(b.kind(), b.offset() + static_cast<index_t>(start) * stride, shape);
}

}  // namespace
}  // namespace tangle::python

using namespace tangle;            // NOLINT: the module body names the whole core API
using namespace tangle::python;    // NOLINT

PYBIND11_MODULE(_tangle, m) {
  m.doc() = "tangle's C++ core (see the tangle package for the documented Python API)";
  constexpr auto chain = py::return_value_policy::reference;  // methods returning *this give back self
  // A run refused for its memory estimate is Python's MemoryError, not a RuntimeError.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tangle::MemoryError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    }
  });
  bind_noise(m);  // first: Program's default noise model is converted when Program is bound

  // --- options ---------------------------------------------------------------------------------
  py::class_<RunOptions>(m, "RunOptions",
                         "How a program runs: amplitude precision (\"f32\" or \"f64\"), threads, memory limit, gate\n"
                         "fusion, backend, and the trajectories and MPS backends' settings. ValueError for a\n"
                         "precision or backend name it does not know, trajectories or bond_dim below 1, or a\n"
                         "cutoff outside [0, 1).")
      .def(py::init([](const std::string& precision, int threads, std::uint64_t memory_limit, bool fuse,
                       const std::string& backend, int trajectories, std::uint64_t seed, int bond_dim,
                       double cutoff) {
             RunOptions o;
             o.precision = precision_from_name(precision);
             o.threads = threads;
             o.memory_limit = memory_limit;
             o.fuse = fuse;
             o.backend = backend_from_name(backend);
             TANGLE_CHECK(trajectories >= 1, "trajectories=", trajectories, " must be at least 1");
             o.trajectories = trajectories;
             o.seed = seed;
             TANGLE_CHECK(bond_dim >= 1, "bond_dim=", bond_dim, " must be at least 1");
             o.bond_dim = bond_dim;
             TANGLE_CHECK(cutoff >= 0.0 && cutoff < 1.0, "cutoff=", cutoff, " must be in [0, 1)");
             o.cutoff = cutoff;
             return o;
           }),
           "precision"_a = "f64", "threads"_a = 0, "memory_limit"_a = 0, "fuse"_a = true, "backend"_a = "auto",
           "trajectories"_a = 1000, "seed"_a = 0, "bond_dim"_a = 64, "cutoff"_a = 1e-12)
      .def_property(
          "precision", [](const RunOptions& o) { return std::string(precision_name(o.precision)); },
          [](RunOptions& o, const std::string& p) { o.precision = precision_from_name(p); },
          "Amplitude precision: \"f32\" (complex64) or \"f64\" (complex128).")
      .def_property(
          "backend", [](const RunOptions& o) { return std::string(backend_name(o.backend)); },
          [](RunOptions& o, const std::string& b) { o.backend = backend_from_name(b); },
          "\"auto\", \"statevector\", \"density_matrix\", \"trajectories\" or \"mps\".")
      .def_readwrite("threads", &RunOptions::threads,
                     "Threads; 0 uses every core. Results do not depend on the number.")
      .def_readwrite("memory_limit", &RunOptions::memory_limit,
                     "Bytes a run may allocate; 0 means the memory available now.")
      .def_readwrite("fuse", &RunOptions::fuse,
                     "Apply consecutive gates in cache-sized groups (False: gate by gate, for comparison).")
      .def_readwrite("trajectories", &RunOptions::trajectories, "Trajectories backend: pure states per sample.")
      .def_readwrite("seed", &RunOptions::seed, "Trajectories backend: seed of the noise draws.")
      .def_readwrite("bond_dim", &RunOptions::bond_dim, "MPS backend: the largest bond dimension kept.")
      .def_readwrite("cutoff", &RunOptions::cutoff,
                     "MPS backend: singular values below cutoff times the largest are dropped.")
      .def("__repr__", [](const RunOptions& o) {
        return detail::concat("RunOptions(precision='", precision_name(o.precision), "', threads=", o.threads,
                              ", memory_limit=", o.memory_limit, ", fuse=", o.fuse ? "True" : "False", ", backend='",
                              backend_name(o.backend), "', trajectories=", o.trajectories, ", seed=", o.seed,
                              ", bond_dim=", o.bond_dim, ", cutoff=", o.cutoff, ")");
      });

  // --- expressions -----------------------------------------------------------------------------
  py::class_<Expr> expr(m, "Expr",
                       "An angle: the affine form c + sum coef * [w_k] [x_j] [x_m] over the weights w and one\n"
                       "sample's inputs x (at most one weight and two inputs per term). Built from numbers, block\n"
                       "elements (``w[0]``, ``x[1]``) and ``+ - * /``; a product with two weights or three inputs in\n"
                       "a term raises ValueError. ``Expr()`` is 0, ``Expr(c)`` the constant c.");
  expr.def(py::init<>())
      .def(py::init<double>(), "constant"_a)
      .def_static("weight", &Expr::weight, "k"_a, "The weight w_k alone (0 <= k < 2^31 - 1).")
      .def_static("input", &Expr::input, "j"_a, "The input x_j alone (0 <= j < 2^31 - 1).")
      .def_property_readonly("constant", &Expr::constant, "The constant part c.")
      .def_property_readonly("terms",
                             [](const Expr& e) {
                               py::list out;
                               for (const Term& t : e.terms()) out.append(py::make_tuple(t.coef, t.weight, t.input, t.input2));
                               return out;
                             },
                             "The terms as ``(coef, weight, input, input2)`` tuples; an index of -1 is an absent factor.")
      .def_property_readonly("is_constant", &Expr::is_constant, "True when the form has no weight or input terms.")
      .def_property_readonly("uses_weights", &Expr::uses_weights, "True when some term has a weight factor.")
      .def_property_readonly("uses_inputs", &Expr::uses_inputs, "True when some term has an input factor.")
      .def_property_readonly("max_weight", &Expr::max_weight, "Largest weight index used, or -1.")
      .def_property_readonly("max_input", &Expr::max_input, "Largest input index used, or -1.")
      .def(-py::self)
      .def(py::self + py::self)
      .def(py::self + double())
      .def(double() + py::self)
      .def(py::self - py::self)
      .def(py::self - double())
      .def(double() - py::self)
      .def(py::self * py::self)
      .def(py::self * double())
      .def(double() * py::self)
      .def(py::self / double())
      .def(py::self == py::self)
      .def("__str__", &Expr::to_string)
      .def("__repr__", [](const Expr& e) { return "Expr(" + e.to_string() + ")"; });
  // numpy scalars on the left defer to Expr's reflected operators instead of building object arrays.
  expr.attr("__array_ufunc__") = py::none();
  py::implicitly_convertible<double, Expr>();
  py::implicitly_convertible<int, Expr>();

  py::class_<ParamBlock>(m, "ParamBlock",
                         "A contiguous block of a circuit's weights or inputs, read row-major with its shape, as\n"
                         "``Circuit.weights`` and ``Circuit.inputs`` return it. In a 1-D block ``b[i]`` is an\n"
                         "element (an ``Expr``), in a larger one the sub-block at position i of the first\n"
                         "dimension; ``b[l, q, r]`` indexes several dimensions at once and ``b[a:c]`` slices the\n"
                         "first. Negative indices count from the end.")
      .def(py::init<>())
      .def(py::init([](const std::string& kind, index_t offset, std::vector<index_t> shape) {
             return ParamBlock(param_kind_from_name(kind), offset, std::move(shape));
           }),
           "kind"_a, "offset"_a, "shape"_a)
      .def_property_readonly("kind", [](const ParamBlock& b) { return param_kind_name(b.kind()); },
                             "\"weight\" or \"input\".")
      .def_property_readonly("offset", &ParamBlock::offset,
                             "Index of the first element in the circuit's weight (or input) vector.")
      .def_property_readonly("size", &ParamBlock::size, "Number of elements (the product of the shape).")
      .def_property_readonly("shape", [](const ParamBlock& b) { return py::tuple(py::cast(b.shape())); },
                             "The block's dimensions, a tuple (empty for a scalar).")
      .def_property_readonly("ndim", [](const ParamBlock& b) { return b.shape().size(); }, "Number of dimensions.")
      .def("__len__",
           [](const ParamBlock& b) {
             TANGLE_CHECK(!b.shape().empty(), "a scalar parameter block has no length");
             return b.shape()[0];
           })
      .def("__getitem__", &block_item, "index"_a)
      .def("__getitem__", &block_items, "index"_a)
      .def("__getitem__", &block_slice, "index"_a)
      .def("__iter__",
           [](const ParamBlock& b) {
             py::list items;
             const index_t n = b.shape().empty() ? 1 : b.shape()[0];
             for (index_t i = 0; i < n; ++i) items.append(block_item(b, i));
             return items.attr("__iter__")();
           })
      .def("exprs", &exprs, "Every element as an ``Expr``, flat and row-major (what templates take as features).")
      .def("__repr__", [](const ParamBlock& b) {
        return detail::concat("ParamBlock(", param_kind_name(b.kind()), ", offset=", b.offset(), ", shape=",
                              std::string(py::str(py::tuple(py::cast(b.shape())))), ")");
      });

  // --- circuits --------------------------------------------------------------------------------
  py::class_<WeightInit>(m, "WeightInit",
                         "How a block of weights is initialized by ``Circuit.initial_weights``: ``kind``\n"
                         "\"uniform\" on [a, b), \"normal\" with mean a and standard deviation b, or \"constant\" a.")
      .def(py::init([](const std::string& kind, double a, double b) {
             return WeightInit{init_kind_from_name(kind), a, b};
           }),
           "kind"_a, "a"_a = 0.0, "b"_a = 0.0)
      .def_static("uniform", &WeightInit::uniform, "low"_a, "high"_a, "Uniform on [low, high).")
      .def_static("normal", &WeightInit::normal, "mean"_a, "stddev"_a, "Normal with this mean and standard deviation.")
      .def_static("constant", &WeightInit::constant, "value"_a, "Every weight set to ``value``.")
      .def_static("angles", &WeightInit::angles,
                  "Uniform on [0, 2 pi): the default of ``Circuit.weights`` (PennyLane's TorchLayer default).")
      .def_property_readonly("kind", [](const WeightInit& w) { return init_kind_name(w.kind); },
                             "\"uniform\", \"normal\" or \"constant\".")
      .def_readonly("a", &WeightInit::a, "uniform: the low end; normal: the mean; constant: the value.")
      .def_readonly("b", &WeightInit::b, "uniform: the high end; normal: the standard deviation.")
      .def("__repr__", [](const WeightInit& w) {
        return detail::concat("WeightInit('", init_kind_name(w.kind), "', ", w.a, ", ", w.b, ")");
      });

  py::class_<WeightBlockInfo>(m, "WeightBlockInfo", "A weight block a circuit declared, with its init rule.")
      .def_readonly("block", &WeightBlockInfo::block, "The weights, a ``ParamBlock``.")
      .def_readonly("init", &WeightBlockInfo::init, "How ``Circuit.initial_weights`` draws them, a ``WeightInit``.");

  py::class_<Op>(m, "Op",
                 "One operation of a circuit: a gate (by name, see ``gate_names()``), its wires (controls\n"
                 "first) and what its family needs: angles, a Pauli word, a matrix, a parameter block, the\n"
                 "padding of an amplitude embedding. ``Circuit.append`` checks it.")
      .def(py::init([](const std::string& gate, std::vector<int> wires, std::vector<Expr> angles,
                       const std::string& word, const ComplexArray& matrix, ParamBlock block, double pad,
                       bool normalize) {
             Op op;
             op.gate = gate_from_name(gate);
             op.wires = std::move(wires);
             op.angles = std::move(angles);
             op.word = parse_pauli_word(word);
             op.matrix = to_vector(matrix);
             op.block = block;
             op.pad = pad;
             op.normalize = normalize;
             return op;
           }),
           "gate"_a, "wires"_a, "angles"_a = std::vector<Expr>{}, "word"_a = "",
           "matrix"_a = ComplexArray(0), "block"_a = ParamBlock(), "pad"_a = 0.0, "normalize"_a = true)
      .def_property_readonly("gate", [](const Op& op) { return std::string(gate_info(op.gate).name); },
                             "The gate's name, e.g. \"CNOT\", \"RX\".")
      .def_readonly("wires", &Op::wires, "The wires, controls first.")
      .def_property_readonly("controls", &Op::controls, "The control wires (the leading wires of controlled gates).")
      .def_property_readonly("targets", &Op::targets, "The wires after the controls.")
      .def_readonly("angles", &Op::angles, "The angles (channels: their strengths), a list of ``Expr``.")
      .def_property_readonly("word", [](const Op& op) { return word_name(op.word); },
                             "Pauli rotations: one letter per target, e.g. \"XZ\" (empty for other gates).")
      .def_property_readonly("matrix",
                             [](const Op& op) {
                               return to_array(std::vector<cdouble>(op.matrix),
                                               {static_cast<py::ssize_t>(op.matrix.size())});
                             },
                             "Flat complex128 array: Unitary 2^k x 2^k row-major, StatePreparation 2^k amplitudes,\n"
                             "Kraus the matrices concatenated (empty for other gates).")
      .def_readonly("block", &Op::block,
                    "SpecialUnitary: its weights or inputs; Evolution, AmplitudeEmbedding: its inputs.")
      .def_readonly("pad", &Op::pad, "AmplitudeEmbedding: the value of the padded amplitudes.")
      .def_readonly("normalize", &Op::normalize, "AmplitudeEmbedding: whether the amplitudes are divided by their norm.")
      .def("__repr__", [](const Op& op) {
        std::string s = detail::concat("Op(", gate_info(op.gate).name, ", wires=", std::string(py::str(py::cast(op.wires))));
        for (const Expr& e : op.angles) s += ", " + e.to_string();
        return s + ")";
      });

  m.def("gate_names", [] {
    std::vector<std::string> names;
    for (const GateInfo& g : kGates) names.emplace_back(g.name);
    return names;
  }, "The name of every gate and channel an ``Op`` can hold, in the order of the C++ gate table.");

  py::class_<Circuit>(m, "Circuit",
                      "The C++ circuit (tangle::Circuit); ``tangle.Circuit`` extends it with templates and runs.")
      .def(py::init<int>(), "n_qubits"_a)
      .def_property_readonly("n_qubits", &Circuit::n_qubits, "Number of qubits (wires 0 .. n_qubits - 1).")
      .def_property_readonly("n_weights", &Circuit::n_weights,
                             "Number of trainable weights declared so far (the length of the weight vector).")
      .def_property_readonly("n_inputs", &Circuit::n_inputs,
                             "Number of per-sample inputs declared so far (the width of an input row).")
      .def_property_readonly("ops", &Circuit::ops, py::return_value_policy::copy,
                             "The ops in the order they act, a list of ``Op`` (a copy).")
      .def_property_readonly("weight_blocks", &Circuit::weight_blocks, py::return_value_policy::copy,
                             "The weight blocks in declaration order, with their init rules (``WeightBlockInfo``).")
      .def("weights", py::overload_cast<index_t, WeightInit>(&Circuit::weights), "count"_a,
           "init"_a = WeightInit::angles(),
           "Declares ``count`` trainable weights (the next indices of the weight vector), drawn by\n"
           "``init`` in ``initial_weights``; returns their ``ParamBlock``.")
      .def("weights", py::overload_cast<std::vector<index_t>, WeightInit>(&Circuit::weights), "shape"_a,
           "init"_a = WeightInit::angles(), "The same for a block of this shape (row-major), e.g. ``(layers, n, 3)``.")
      .def("inputs", py::overload_cast<index_t>(&Circuit::inputs), "count"_a,
           "Declares ``count`` per-sample input features (the next columns of an input row); returns\n"
           "their ``ParamBlock``.")
      .def("inputs", py::overload_cast<std::vector<index_t>>(&Circuit::inputs), "shape"_a,
           "The same for a block of this shape (row-major).")
      .def("initial_weights",
           [](const Circuit& c, std::uint64_t seed) {
             std::vector<double> w = c.initial_weights(seed);
             const auto n = static_cast<py::ssize_t>(w.size());
             return to_array(std::move(w), {n});
           },
           "seed"_a = 0,
           "The weights drawn by each block's init rule from a generator seeded by ``seed`` (the same\n"
           "seed gives the same weights): a float64 array ``[n_weights]``.")
      // fixed gates
      .def("i", &Circuit::i, "wire"_a, chain,
           "Identity on ``wire`` (kept in drawings and exports).")
      .def("x", &Circuit::x, "wire"_a, chain,
           "Pauli X (NOT) on ``wire``.")
      .def("y", &Circuit::y, "wire"_a, chain,
           "Pauli Y on ``wire``.")
      .def("z", &Circuit::z, "wire"_a, chain,
           "Pauli Z on ``wire``.")
      .def("h", &Circuit::h, "wire"_a, chain,
           "Hadamard on ``wire``.")
      .def("s", &Circuit::s, "wire"_a, chain,
           "S = diag(1, i) on ``wire``.")
      .def("sdg", &Circuit::sdg, "wire"_a, chain,
           "S^dagger = diag(1, -i) on ``wire``.")
      .def("t", &Circuit::t, "wire"_a, chain,
           "T = diag(1, e^(i pi/4)) on ``wire``.")
      .def("tdg", &Circuit::tdg, "wire"_a, chain,
           "T^dagger = diag(1, e^(-i pi/4)) on ``wire``.")
      .def("sx", &Circuit::sx, "wire"_a, chain,
           "SX = sqrt(X) on ``wire``.")
      .def("cnot", &Circuit::cnot, "control"_a, "target"_a, chain,
           "Controlled NOT: X on ``target`` when ``control`` is 1.")
      .def("cz", &Circuit::cz, "control"_a, "target"_a, chain,
           "Controlled Z.")
      .def("cy", &Circuit::cy, "control"_a, "target"_a, chain,
           "Controlled Y: Y on ``target`` when ``control`` is 1.")
      .def("swap", &Circuit::swap, "a"_a, "b"_a, chain,
           "Exchanges wires ``a`` and ``b``.")
      .def("iswap", &Circuit::iswap, "a"_a, "b"_a, chain,
           "iSWAP: swaps ``|01>`` and ``|10>`` with a phase i.")
      .def("toffoli", &Circuit::toffoli, "c0"_a, "c1"_a, "target"_a, chain,
           "Toffoli: X on ``target`` when ``c0`` and ``c1`` are both 1.")
      .def("cswap", &Circuit::cswap, "control"_a, "a"_a, "b"_a, chain,
           "Controlled SWAP: exchanges ``a`` and ``b`` when ``control`` is 1.")
      // rotations: angle first, then wires
      .def("rx", &Circuit::rx, "theta"_a, "wire"_a, chain,
           "RX(theta) = exp(-i theta X / 2) on ``wire``; ``theta`` is a number or an ``Expr``.")
      .def("ry", &Circuit::ry, "theta"_a, "wire"_a, chain,
           "RY(theta) = exp(-i theta Y / 2) on ``wire``.")
      .def("rz", &Circuit::rz, "theta"_a, "wire"_a, chain,
           "RZ(theta) = exp(-i theta Z / 2) on ``wire``.")
      .def("rxx", &Circuit::rxx, "theta"_a, "a"_a, "b"_a, chain,
           "exp(-i theta X_a X_b / 2).")
      .def("ryy", &Circuit::ryy, "theta"_a, "a"_a, "b"_a, chain,
           "exp(-i theta Y_a Y_b / 2).")
      .def("rzz", &Circuit::rzz, "theta"_a, "a"_a, "b"_a, chain,
           "exp(-i theta Z_a Z_b / 2).")
      .def("multirz", &Circuit::multirz, "theta"_a, "wires"_a, chain,
           "exp(-i theta Z...Z / 2) with Z on every wire of ``wires``.")
      .def("pauli_rot", &Circuit::pauli_rot, "theta"_a, "word"_a, "wires"_a, chain,
           "exp(-i theta P / 2) for the Pauli word ``word`` (letters I, X, Y, Z; one per wire of ``wires``).")
      .def("crx", &Circuit::crx, "theta"_a, "control"_a, "target"_a, chain,
           "RX(theta) on ``target`` when ``control`` is 1.")
      .def("cry", &Circuit::cry, "theta"_a, "control"_a, "target"_a, chain,
           "RY(theta) on ``target`` when ``control`` is 1.")
      .def("crz", &Circuit::crz, "theta"_a, "control"_a, "target"_a, chain,
           "RZ(theta) on ``target`` when ``control`` is 1.")
      .def("phase_shift", &Circuit::phase_shift, "phi"_a, "wire"_a, chain,
           "PhaseShift(phi) = diag(1, e^(i phi)) on ``wire``.")
      .def("controlled_phase_shift", &Circuit::controlled_phase_shift, "phi"_a, "control"_a, "target"_a, chain,
           "diag(1, 1, 1, e^(i phi)) on (control, target).")
      .def("rot", &Circuit::rot, "phi"_a, "theta"_a, "omega"_a, "wire"_a, chain,
           "Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi) on ``wire``.")
      .def("u3", &Circuit::u3, "theta"_a, "phi"_a, "lam"_a, "wire"_a, chain,
           "U3(theta, phi, lam) on ``wire`` (OpenQASM's u3).")
      .def("crot", &Circuit::crot, "phi"_a, "theta"_a, "omega"_a, "control"_a, "target"_a, chain,
           "Rot(phi, theta, omega) on ``target`` when ``control`` is 1.")
      // dense blocks
      .def("unitary",
           [](Circuit& c, const ComplexArray& matrix, std::vector<int> wires) -> Circuit& {
             return c.unitary(to_vector(matrix), std::move(wires));
           },
           "matrix"_a, "wires"_a, chain,
           "A fixed unitary ``matrix`` (2^k x 2^k, wires[0] the most significant bit of its index) on\n"
           "k wires; ValueError unless it is unitary (within 1e-8).")
      .def("special_unitary", py::overload_cast<const ParamBlock&, std::vector<int>>(&Circuit::special_unitary),
           "weights"_a, "wires"_a, chain,
           "exp(i sum_k w_k P_k) over the 4^k - 1 non-identity Pauli words on k ``wires``, with the\n"
           "parameters of the block ``weights``: trainable weights, or inputs (one unitary per sample).")
      .def("special_unitary", py::overload_cast<std::vector<int>, WeightInit>(&Circuit::special_unitary), "wires"_a,
           "init"_a = WeightInit::normal(0.0, 0.1),
           "The same with a new block of 4^k - 1 weights drawn by ``init``; returns that ``ParamBlock``.")
      .def("evolution", &Circuit::evolution, "inputs"_a, "time"_a, "wires"_a, chain,
           "exp(-i t H / 2) on k ``wires``, H = (M + M^T) / 2 with M the sample's 4^k ``inputs`` read as a\n"
           "row-major 2^k x 2^k matrix; ``time`` t is a number or an ``Expr``.")
      .def("amplitude_embedding", &Circuit::amplitude_embedding, "inputs"_a, "wires"_a, "pad"_a = 0.0,
           "normalize"_a = true, chain,
           "Sets the initial state of ``wires`` (the others stay 0) to the sample's ``inputs``, padded with\n"
           "``pad`` to 2^k amplitudes and divided by their norm when ``normalize``. Must be the first op.")
      .def("state_preparation",
           [](Circuit& c, const ComplexArray& amplitudes, std::vector<int> wires) -> Circuit& {
             return c.state_preparation(to_vector(amplitudes), std::move(wires));
           },
           "amplitudes"_a, "wires"_a, chain,
           "Sets the initial state of ``wires`` (the others stay 0) to fixed, normalized ``amplitudes``\n"
           "(2^k of them, wires[0] the most significant bit). Must be the first op.")
      // channels: strengths first, wires last, as the gates
      .def("depolarizing", &Circuit::depolarizing, "p"_a, "wire"_a, chain,
           "Depolarizing channel: X, Y or Z each with probability p/3 on ``wire``.")
      .def("two_qubit_depolarizing", &Circuit::two_qubit_depolarizing, "p"_a, "a"_a, "b"_a, chain,
           "Two-qubit depolarizing channel: each of the 15 non-identity Pauli pairs with probability p/15.")
      .def("bit_flip", &Circuit::bit_flip, "p"_a, "wire"_a, chain,
           "Bit flip: X with probability p on ``wire``.")
      .def("phase_flip", &Circuit::phase_flip, "p"_a, "wire"_a, chain,
           "Phase flip: Z with probability p on ``wire``.")
      .def("pauli_channel", &Circuit::pauli_channel, "px"_a, "py"_a, "pz"_a, "wire"_a, chain,
           "Pauli channel: X, Y, Z with probabilities px, py, pz (sum at most 1) on ``wire``.")
      .def("amplitude_damping", &Circuit::amplitude_damping, "gamma"_a, "wire"_a, chain,
           "Amplitude damping: ``|1>`` decays to ``|0>`` with probability gamma.")
      .def("generalized_amplitude_damping", &Circuit::generalized_amplitude_damping, "gamma"_a, "p"_a, "wire"_a,
           chain,
           "Generalized amplitude damping: towards ``|0>`` with weight p, towards ``|1>`` with 1 - p.")
      .def("phase_damping", &Circuit::phase_damping, "gamma"_a, "wire"_a, chain,
           "Phase damping: coherences scaled by sqrt(1 - gamma), populations kept.")
      .def("thermal_relaxation", &Circuit::thermal_relaxation, "t1"_a, "t2"_a, "t_gate"_a, "wire"_a, chain,
           "T1/T2 relaxation towards ``|0>`` over a gate of duration t_gate (one time unit for all three;\n"
           "t1 > 0, 0 < t2 <= 2 t1, t_gate >= 0).")
      .def("reset", &Circuit::reset, "wire"_a, chain,
           "Resets ``wire`` to ``|0>`` (a channel).")
      .def("kraus",
           [](Circuit& c, const std::vector<ComplexArray>& matrices, std::vector<int> wires) -> Circuit& {
             std::vector<std::vector<cdouble>> ms;
             for (const ComplexArray& m : matrices) ms.push_back(to_vector(m));
             return c.kraus(ms, std::move(wires));
           },
           "matrices"_a, "wires"_a, chain,
           "rho -> sum_i K_i rho K_i^dagger for Kraus ``matrices`` (each 2^k x 2^k) on 1 to 3 ``wires``;\n"
           "ValueError unless sum_i K_i^dagger K_i = I (within 1e-8).")
      .def_property_readonly("has_channels", &Circuit::has_channels, "True when some op is a noise channel.")
      .def("append", &Circuit::append, "op"_a, chain,
           "Appends an ``Op`` after checking it (wires, angles, matrix, blocks), as every gate method does.")
      .def("_assign", [](Circuit& self, const Circuit& other) { self = other; }, "other"_a);

  // templates (free functions, as in templates.hpp)
  m.def("exprs", &exprs, "block"_a);
  m.def("angle_embedding",
        [](Circuit& c, const std::vector<Expr>& features, const std::vector<int>& wires, const std::string& rotation) {
          angle_embedding(c, features, wires, rotation_from_name(rotation));
        },
        "circuit"_a, "features"_a, "wires"_a, "rotation"_a = "X");
  m.def("iqp_embedding", &iqp_embedding, "circuit"_a, "features"_a, "wires"_a, "n_repeats"_a = 1,
        "pattern"_a = std::vector<std::pair<int, int>>{});
  m.def("basic_entangler_layers",
        [](Circuit& c, const ParamBlock& weights, const std::vector<int>& wires, const std::string& rotation) {
          basic_entangler_layers(c, weights, wires, rotation_from_name(rotation));
        },
        "circuit"_a, "weights"_a, "wires"_a, "rotation"_a = "X");
  m.def("strongly_entangling_layers", &strongly_entangling_layers, "circuit"_a, "weights"_a, "wires"_a,
        "ranges"_a = std::vector<int>{});
  m.def("efficient_su2", &efficient_su2, "circuit"_a, "weights"_a, "wires"_a, "reps"_a);
  m.def("real_amplitudes", &real_amplitudes, "circuit"_a, "weights"_a, "wires"_a, "reps"_a);
  m.def("qaoa_layers", &qaoa_layers, "circuit"_a, "weights"_a, "edges"_a, "wires"_a, "initial_h"_a = true);

  // --- readouts --------------------------------------------------------------------------------
  py::class_<PauliSum> pauli_sum(m, "PauliSum",
                                 "A real linear combination of Pauli products (an observable, a Hamiltonian), built\n"
                                 "from ``X(w)``, ``Y(w)``, ``Z(w)``, numbers and ``+ - * /``; ``@`` (or ``*``) of two sums\n"
                                 "is their tensor product and needs disjoint wires. ``PauliSum(c)`` is c times the identity.");
  pauli_sum.def(py::init<>())
      .def(py::init<double>(), "constant"_a)
      .def_static("single", [](const std::string& letter, int wire) { return PauliSum::single(pauli_from_name(letter), wire); },
                  "letter"_a, "wire"_a, "The Pauli ``letter`` (\"I\", \"X\", \"Y\" or \"Z\") on ``wire``.")
      .def_property_readonly("terms",
                             [](const PauliSum& s) {
                               py::list out;
                               for (const PauliTerm& t : s.terms()) {
                                 py::list factors;
                                 for (const auto& [wire, p] : t.factors)
                                   factors.append(py::make_tuple(wire, std::string(1, pauli_letter(p))));
                                 out.append(py::make_tuple(t.coef, factors));
                               }
                               return out;
                             },
                             "The terms as ``(coef, [(wire, letter), ...])``, factors sorted by wire.")
      .def_property_readonly("max_wire", &PauliSum::max_wire, "Largest wire used, or -1.")
      .def(-py::self)
      .def(py::self + py::self)
      .def(py::self + double())
      .def(double() + py::self)
      .def(py::self - py::self)
      .def(py::self - double())
      .def(double() - py::self)
      .def(py::self * double())
      .def(double() * py::self)
      .def(py::self * py::self)
      .def("__matmul__", [](const PauliSum& a, const PauliSum& b) { return a * b; }, py::is_operator())
      .def("__truediv__", [](const PauliSum& a, double c) { return a * (1.0 / c); }, py::is_operator())
      .def("__str__", &PauliSum::to_string)
      .def("__repr__", &PauliSum::to_string);
  pauli_sum.attr("__array_ufunc__") = py::none();
  py::implicitly_convertible<double, PauliSum>();

  py::class_<Readout>(m, "Readout",
                      "What a program reads from each sample's final state; ``tangle.Expval``, ``Probs``,\n"
                      "``Projector`` and ``Hermitian`` make them.")
      .def_static("expval", &Readout::expval, "observable"_a,
                  "The expectation value of a ``PauliSum``: one output.")
      .def_static("probs", &Readout::probs, "wires"_a,
                  "Probabilities of the 2^k basis states of ``wires`` (1 to 20; wires[0] most significant): 2^k outputs.")
      .def_static("projector", &Readout::projector, "wires"_a, "basis_state"_a,
                  "The probability of basis state ``basis_state`` (an index, wires[0] most significant) of\n"
                  "``wires``: one output.")
      .def_static("hermitian",
                  [](const ComplexArray& matrix, std::vector<int> wires) {
                    return Readout::hermitian(to_vector(matrix), std::move(wires));
                  },
                  "matrix"_a, "wires"_a,
                  "The expectation value of a Hermitian ``matrix`` (2^k x 2^k, wires[0] most significant) on k\n"
                  "``wires``: one output. ValueError unless it is Hermitian (within 1e-10).")
      .def_property_readonly("kind", [](const Readout& r) { return readout_kind_name(r.kind()); },
                             "\"expval\", \"probs\", \"projector\" or \"hermitian\".")
      .def_property_readonly("n_outputs", &Readout::n_outputs, "Outputs it contributes: 2^k for probs, 1 otherwise.")
      .def_property_readonly("observable", &Readout::observable, "expval: the ``PauliSum`` (empty otherwise).")
      .def_property_readonly("wires", &Readout::wires, "probs, projector, hermitian: the wires read (empty for expval).")
      .def_property_readonly("basis_state", &Readout::basis_state, "projector: the basis-state index (0 otherwise).")
      .def_property_readonly("matrix",
                             [](const Readout& r) {
                               return to_array(std::vector<cdouble>(r.matrix()),
                                               {static_cast<py::ssize_t>(r.matrix().size())});
                             },
                             "hermitian: the matrix, flat and row-major (empty otherwise).")
      .def("check", &Readout::check, "n_qubits"_a,
           "Raises ValueError naming the problem when the readout does not fit ``n_qubits`` qubits.")
      .def("__repr__", &Readout::to_string);

  // --- programs and runs -----------------------------------------------------------------------
  py::class_<Program, std::shared_ptr<Program>>(m, "Program",
                                                 "A circuit with its readouts (and noise model), checked and lowered once for\n"
                                                 "repeated runs; ``Circuit.program`` makes one. Outputs are the readouts' outputs\n"
                                                 "in order. ValueError when a readout does not fit the circuit.")
      .def(py::init<Circuit, std::vector<Readout>, const NoiseModel&>(), "circuit"_a, "readouts"_a,
           "noise"_a = NoiseModel())
      .def_property_readonly("circuit", &Program::circuit, py::return_value_policy::copy,
                             "The circuit that runs: the one given, with the noise model's channels.")
      .def_property_readonly("source_circuit", &Program::source_circuit, py::return_value_policy::copy,
                             "The circuit as given, before the noise model's channels.")
      .def_property_readonly("noise", &Program::noise, py::return_value_policy::copy,
                             "The noise model (empty when none was given).")
      .def_property_readonly("readouts", &Program::readouts, py::return_value_policy::copy,
                             "The readouts, in the order of their outputs.")
      .def_property_readonly("n_qubits", &Program::n_qubits, "Number of qubits.")
      .def_property_readonly("n_weights", &Program::n_weights, "Length of the weight vector a run takes.")
      .def_property_readonly("n_inputs", &Program::n_inputs, "Width of an input row.")
      .def_property_readonly("n_outputs", &Program::n_outputs, "Width of an output row (all readouts' outputs).");

  m.def("forward", &forward_buffer<double>, "program"_a, "inputs"_a, "weights"_a, "options"_a = RunOptions{});
  m.def("forward", &forward_buffer<float>, "program"_a, "inputs"_a, "weights"_a, "options"_a = RunOptions{});
  m.def("vjp", &vjp_buffer<double>, "program"_a, "inputs"_a, "weights"_a, "cotangent"_a, "options"_a = RunOptions{});
  m.def("vjp", &vjp_buffer<float>, "program"_a, "inputs"_a, "weights"_a, "cotangent"_a, "options"_a = RunOptions{});
  m.def(
      "jacobian",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w);
        Jacobian j;
        {
          py::gil_scoped_release release;
          j = jacobian(p, xs, batch, ws, o);
        }
        return jacobian_tuple(std::move(j), p, batch);
      },
      "program"_a, "inputs"_a, "weights"_a, "options"_a = RunOptions{});
  m.def(
      "param_shift_vjp",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, const DoubleArray& g, index_t shots,
         std::uint64_t seed, const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        check_cotangent(p, g, batch);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w), gs = to_vector(g);
        VjpResult r;
        {
          py::gil_scoped_release release;
          r = param_shift_vjp(p, xs, batch, ws, gs, shots, seed, o);
        }
        return vjp_tuple(std::move(r), p, batch);
      },
      "program"_a, "inputs"_a, "weights"_a, "cotangent"_a, "shots"_a = 0, "seed"_a = 0, "options"_a = RunOptions{});
  m.def(
      "param_shift_jacobian",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, index_t shots, std::uint64_t seed,
         const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w);
        Jacobian j;
        {
          py::gil_scoped_release release;
          j = param_shift_jacobian(p, xs, batch, ws, shots, seed, o);
        }
        return jacobian_tuple(std::move(j), p, batch);
      },
      "program"_a, "inputs"_a, "weights"_a, "shots"_a = 0, "seed"_a = 0, "options"_a = RunOptions{});
  m.def(
      "finite_diff_vjp",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, const DoubleArray& g, double step,
         const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        check_cotangent(p, g, batch);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w), gs = to_vector(g);
        VjpResult r;
        {
          py::gil_scoped_release release;
          r = finite_diff_vjp(p, xs, batch, ws, gs, step, o);
        }
        return vjp_tuple(std::move(r), p, batch);
      },
      "program"_a, "inputs"_a, "weights"_a, "cotangent"_a, "step"_a = 1e-6, "options"_a = RunOptions{});
  m.def(
      "finite_diff_jacobian",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, double step, const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w);
        Jacobian j;
        {
          py::gil_scoped_release release;
          j = finite_diff_jacobian(p, xs, batch, ws, step, o);
        }
        return jacobian_tuple(std::move(j), p, batch);
      },
      "program"_a, "inputs"_a, "weights"_a, "step"_a = 1e-6, "options"_a = RunOptions{});
  m.def(
      "forward_shots",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, index_t shots, std::uint64_t seed,
         const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w);
        std::vector<double> y;
        {
          py::gil_scoped_release release;
          y = forward_shots(p, xs, batch, ws, shots, seed, o);
        }
        return to_array(std::move(y), {batch, p.n_outputs()});
      },
      "program"_a, "inputs"_a, "weights"_a, "shots"_a, "seed"_a = 0, "options"_a = RunOptions{});
  m.def(
      "sample",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, index_t shots, std::uint64_t seed,
         std::vector<int> wires, const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w);
        std::vector<std::uint64_t> s;
        {
          py::gil_scoped_release release;
          s = sample(p, xs, batch, ws, shots, seed, std::move(wires), o);
        }
        return to_array(std::move(s), {batch, shots});
      },
      "program"_a, "inputs"_a, "weights"_a, "shots"_a, "seed"_a = 0, "wires"_a = std::vector<int>{},
      "options"_a = RunOptions{});
  m.def(
      "states",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w);
        std::vector<cdouble> s;
        {
          py::gil_scoped_release release;
          s = states(p, xs, batch, ws, o);
        }
        return to_array(std::move(s), {batch, index_t{1} << p.n_qubits()});
      },
      "program"_a, "inputs"_a, "weights"_a, "options"_a = RunOptions{});
  m.def(
      "density_matrices",
      [](const Program& p, const DoubleArray& x, const DoubleArray& w, const RunOptions& o) {
        const index_t batch = checked_batch(p, x, w);
        const std::vector<double> xs = to_vector(x), ws = to_vector(w);
        std::vector<cdouble> s;
        {
          py::gil_scoped_release release;
          s = density_matrices(p, xs, batch, ws, o);
        }
        const index_t d = index_t{1} << p.n_qubits();
        return to_array(std::move(s), {batch, d, d});
      },
      "program"_a, "inputs"_a, "weights"_a, "options"_a = RunOptions{});
  m.def("memory_estimate", &memory_estimate, "program"_a, "batch"_a, "options"_a = RunOptions{},
        "gradient"_a = false,
        "Bytes one run of ``program`` on ``batch`` samples with these ``RunOptions`` would allocate\n"
        "(states, workspaces); ``gradient`` for a forward-and-backward run.");

  // --- text formats ----------------------------------------------------------------------------
  m.def(
      "draw",
      [](const Circuit& c, const std::vector<Readout>& readouts, bool unicode, int max_width, int decimals) {
        DrawOptions o;
        o.unicode = unicode;
        o.max_width = max_width;
        o.decimals = decimals;
        return draw(c, readouts, o);
      },
      "circuit"_a, "readouts"_a = std::vector<Readout>{}, "unicode"_a = true, "max_width"_a = 0, "decimals"_a = 2);
  m.def(
      "to_qasm",
      [](const Circuit& c, const DoubleArray& weights, const DoubleArray& inputs) {
        return to_qasm(c, to_vector(weights), to_vector(inputs));
      },
      "circuit"_a, "weights"_a, "inputs"_a);
  m.def("from_qasm", &from_qasm, "text"_a);
  m.def(
      "read_qasm",
      [](std::string_view text) {
        QasmCircuit q = read_qasm(text);
        return py::make_tuple(std::move(q.circuit), std::move(q.measured));
      },
      "text"_a, "(circuit, measured qubits) from OpenQASM 2.0 text; see tangle.read_qasm.");

  bind_torch(m);
  bind_algo(m);
}
