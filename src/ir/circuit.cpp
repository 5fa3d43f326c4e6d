#include "tangle/ir/circuit.hpp"

#include <cmath>
#include <random>

#include "tangle/core/error.hpp"
#include "tangle/core/random.hpp"
#include "tangle/ir/channel.hpp"

namespace tangle {

WeightInit WeightInit::angles() { return uniform(0.0, 2.0 * M_PI); }

Circuit::Circuit(int n_qubits) : n_qubits_(n_qubits) {
  TANGLE_CHECK(n_qubits >= 1 && n_qubits <= kMaxQubits, "number of qubits ", n_qubits,
               " is out of range [1, ", kMaxQubits, "]");
}

ParamBlock Circuit::weights(index_t count, WeightInit init) { return weights(std::vector<index_t>{count}, init); }

ParamBlock Circuit::weights(std::vector<index_t> shape, WeightInit init) {
  ParamBlock block(ParamKind::Weight, n_weights_, std::move(shape));
  TANGLE_CHECK(block.size() > 0, "a weight block needs at least one weight, not ", block.size());
  // Expr indexes parameters with 32 bits: a larger block could be declared but never used.
  TANGLE_CHECK(block.size() <= INT32_MAX - n_weights_, "a weight block of ", block.size(),
               " weights brings the circuit's total past ", INT32_MAX);
  TANGLE_CHECK(std::isfinite(init.a) && std::isfinite(init.b), "weight init parameters (", init.a, ", ",
               init.b, ") are not finite");
  n_weights_ += block.size();
  weight_blocks_.push_back({block, init});
  return block;
}

ParamBlock Circuit::inputs(index_t count) { return inputs(std::vector<index_t>{count}); }

ParamBlock Circuit::inputs(std::vector<index_t> shape) {
  ParamBlock block(ParamKind::Input, n_inputs_, std::move(shape));
  TANGLE_CHECK(block.size() > 0, "an input block needs at least one input, not ", block.size());
  TANGLE_CHECK(block.size() <= INT32_MAX - n_inputs_, "an input block of ", block.size(),
               " inputs brings the circuit's total past ", INT32_MAX);
  n_inputs_ += block.size();
  return block;
}

Circuit Circuit::without_ops() const {
  Circuit c = *this;
  c.ops_.clear();
  return c;
}

std::vector<double> Circuit::initial_weights(std::uint64_t seed) const {
  std::vector<double> w(static_cast<size_t>(n_weights_), 0.0);
  SplitMix64 rng(seed);
  for (const WeightBlockInfo& b : weight_blocks_) {
    for (index_t i = 0; i < b.block.size(); ++i) {
      double& v = w[static_cast<size_t>(b.block.offset() + i)];
      switch (b.init.kind) {
        case WeightInit::Kind::Uniform: v = b.init.a + (b.init.b - b.init.a) * rng.uniform(); break;
        case WeightInit::Kind::Normal: v = b.init.a + b.init.b * rng.normal(); break;
        case WeightInit::Kind::Constant: v = b.init.a; break;
      }
    }
  }
  return w;
}

std::vector<Pauli> parse_pauli_word(std::string_view word) {
  std::vector<Pauli> out;
  for (size_t k = 0; k < word.size(); ++k) {
    switch (word[k]) {
      case 'I': out.push_back(Pauli::I); break;
      case 'X': out.push_back(Pauli::X); break;
      case 'Y': out.push_back(Pauli::Y); break;
      case 'Z': out.push_back(Pauli::Z); break;
      default:
        throw ValueError(detail::concat("Pauli word \"", word, "\" has '", word[k], "' at position ", k,
                                        " (letters are I, X, Y, Z)"));
    }
  }
  return out;
}

Circuit& Circuit::fixed(Gate g, std::vector<int> wires) {
  Op op;
  op.gate = g;
  op.wires = std::move(wires);
  return append(std::move(op));
}

Circuit& Circuit::rotation(Gate g, const Expr& angle, std::vector<int> wires) {
  Op op;
  op.gate = g;
  op.wires = std::move(wires);
  op.angles = {angle};
  const GateInfo& info = gate_info(g);
  if (info.family == GateFamily::PauliRotation)
    op.word.assign(op.wires.size() - static_cast<size_t>(info.n_controls), info.generator);
  return append(std::move(op));
}

Circuit& Circuit::multirz(const Expr& theta, std::vector<int> wires) {
  return rotation(Gate::MultiRZ, theta, std::move(wires));
}

Circuit& Circuit::pauli_rot(const Expr& theta, std::string_view word, std::vector<int> wires) {
  Op op;
  op.gate = Gate::PauliRot;
  op.word = parse_pauli_word(word);
  TANGLE_CHECK(op.word.size() == wires.size(), "Pauli word \"", word, "\" has ", op.word.size(),
               " letters but ", wires.size(), " wires were given");
  op.wires = std::move(wires);
  op.angles = {theta};
  return append(std::move(op));
}

Circuit& Circuit::rot(const Expr& phi, const Expr& theta, const Expr& omega, int w) {
  Op op;
  op.gate = Gate::Rot;
  op.wires = {w};
  op.angles = {phi, theta, omega};
  return append(std::move(op));
}

Circuit& Circuit::u3(const Expr& theta, const Expr& phi, const Expr& lambda, int w) {
  Op op;
  op.gate = Gate::U3;
  op.wires = {w};
  op.angles = {theta, phi, lambda};
  return append(std::move(op));
}

Circuit& Circuit::crot(const Expr& phi, const Expr& theta, const Expr& omega, int control, int target) {
  Op op;
  op.gate = Gate::CRot;
  op.wires = {control, target};
  op.angles = {phi, theta, omega};
  return append(std::move(op));
}

Circuit& Circuit::unitary(std::vector<cdouble> matrix, std::vector<int> wires) {
  Op op;
  op.gate = Gate::Unitary;
  op.wires = std::move(wires);
  op.matrix = std::move(matrix);
  return append(std::move(op));
}

Circuit& Circuit::special_unitary(const ParamBlock& w, std::vector<int> wires) {
  Op op;
  op.gate = Gate::SpecialUnitary;
  op.wires = std::move(wires);
  op.block = w;
  return append(std::move(op));
}

ParamBlock Circuit::special_unitary(std::vector<int> wires, WeightInit init) {
  TANGLE_CHECK(!wires.empty() && wires.size() <= static_cast<size_t>(kMaxDenseQubits),
               "SpecialUnitary on ", wires.size(), " wires: between 1 and ", kMaxDenseQubits,
               " are supported");
  const index_t count = (index_t{1} << (2 * wires.size())) - 1;
  // Declare the block only once the wires are known to be valid, so a failed call adds nothing.
  Op probe;
  probe.gate = Gate::SpecialUnitary;
  probe.wires = wires;
  check_wires(probe);
  ParamBlock w = weights(count, init);
  special_unitary(w, std::move(wires));
  return w;
}

Circuit& Circuit::evolution(const ParamBlock& x, const Expr& time, std::vector<int> wires) {
  Op op;
  op.gate = Gate::Evolution;
  op.wires = std::move(wires);
  op.block = x;
  op.angles = {time};
  return append(std::move(op));
}

Circuit& Circuit::amplitude_embedding(const ParamBlock& x, std::vector<int> wires, double pad, bool normalize) {
  Op op;
  op.gate = Gate::AmplitudeEmbedding;
  op.wires = std::move(wires);
  op.block = x;
  op.pad = pad;
  op.normalize = normalize;
  return append(std::move(op));
}

Circuit& Circuit::state_preparation(std::vector<cdouble> amplitudes, std::vector<int> wires) {
  Op op;
  op.gate = Gate::StatePreparation;
  op.wires = std::move(wires);
  op.matrix = std::move(amplitudes);
  return append(std::move(op));
}

Circuit& Circuit::channel(Gate g, std::vector<Expr> strengths, std::vector<int> wires) {
  Op op;
  op.gate = g;
  op.wires = std::move(wires);
  op.angles = std::move(strengths);
  return append(std::move(op));
}

Circuit& Circuit::kraus(const std::vector<std::vector<cdouble>>& matrices, std::vector<int> wires) {
  Op op;
  op.gate = Gate::Kraus;
  op.wires = std::move(wires);
  const size_t k = op.wires.size();
  TANGLE_CHECK(k >= 1 && k <= 3, "Kraus channel on ", k, " wires: 1 to 3 are supported");
  TANGLE_CHECK(!matrices.empty(), "Kraus channel needs at least one matrix");
  const size_t dd = (size_t{1} << k) * (size_t{1} << k);
  for (size_t i = 0; i < matrices.size(); ++i) {
    TANGLE_CHECK(matrices[i].size() == dd, "Kraus matrix ", i, " on ", k, " wires needs ", dd, " entries but has ",
                 matrices[i].size());
    op.matrix.insert(op.matrix.end(), matrices[i].begin(), matrices[i].end());
  }
  return append(std::move(op));
}

bool Circuit::has_channels() const {
  for (const Op& op : ops_)
    if (is_channel(op.gate)) return true;
  return false;
}

void Circuit::check_wires(const Op& op) const {
  const GateInfo& info = gate_info(op.gate);
  if (info.n_wires >= 0) {
    TANGLE_CHECK(static_cast<int>(op.wires.size()) == info.n_wires, info.name, " acts on ", info.n_wires,
                 " wires but ", op.wires.size(), " were given");
  } else {
    TANGLE_CHECK(!op.wires.empty(), info.name, " needs at least one wire");
  }
  std::uint64_t seen = 0;
  for (int w : op.wires) {
    TANGLE_CHECK(w >= 0 && w < n_qubits_, info.name, ": wire ", w, " is out of range [0, ", n_qubits_, ")");
    TANGLE_CHECK(!(seen >> w & 1), info.name, ": wire ", w, " appears more than once");
    seen |= std::uint64_t{1} << w;
  }
}

void Circuit::check_expr(const Expr& e, const Op& op) const {
  const std::string_view name = gate_info(op.gate).name;
  TANGLE_CHECK(std::isfinite(e.constant()), name, ": angle constant ", e.constant(), " is not finite");
  for (const Term& t : e.terms()) {
    TANGLE_CHECK(std::isfinite(t.coef), name, ": angle coefficient ", t.coef, " is not finite");
    TANGLE_CHECK(t.weight < n_weights_, name, ": angle uses weight w[", t.weight, "] but the circuit declares ",
                 n_weights_, " weights");
    TANGLE_CHECK(t.input < n_inputs_, name, ": angle uses input x[", t.input, "] but the circuit declares ",
                 n_inputs_, " inputs");
  }
}

Circuit& Circuit::append(Op op) {
  TANGLE_CHECK(static_cast<std::size_t>(op.gate) < kGates.size(), "unknown gate value ",
               static_cast<int>(op.gate), " (there are ", kGates.size(), " gates)");
  const GateInfo& info = gate_info(op.gate);
  check_wires(op);
  TANGLE_CHECK(static_cast<int>(op.angles.size()) == info.n_angles, info.name, " takes ", info.n_angles,
               " angles but ", op.angles.size(), " were given");
  for (const Expr& e : op.angles) check_expr(e, op);
  const size_t k = op.wires.size() - static_cast<size_t>(info.n_controls);

  switch (info.family) {
    case GateFamily::PauliRotation: {
      TANGLE_CHECK(op.word.size() == k, info.name, ": Pauli word has ", op.word.size(), " letters for ", k,
                   " target wires");
      break;
    }
    case GateFamily::Dense: {
      TANGLE_CHECK(k <= static_cast<size_t>(kMaxDenseQubits), "Unitary on ", k,
                   " wires: at most ", kMaxDenseQubits, " are supported");
      const size_t dim = size_t{1} << k;
      TANGLE_CHECK(op.matrix.size() == dim * dim, "Unitary on ", k, " wires needs a ", dim, "x", dim,
                   " matrix (", dim * dim, " entries) but has ", op.matrix.size(), " entries");
      for (size_t i = 0; i < op.matrix.size(); ++i)
        TANGLE_CHECK(std::isfinite(op.matrix[i].real()) && std::isfinite(op.matrix[i].imag()),
                     "Unitary matrix has a non-finite entry ", op.matrix[i], " at (", i / dim, ", ", i % dim, ")");
      double worst = 0.0;
      for (size_t r = 0; r < dim; ++r) {
        for (size_t c = 0; c < dim; ++c) {
          cdouble s = 0.0;
          for (size_t m = 0; m < dim; ++m) s += std::conj(op.matrix[m * dim + r]) * op.matrix[m * dim + c];
          TANGLE_CHECK(std::isfinite(s.real()) && std::isfinite(s.imag()), "Unitary matrix has a non-finite entry");
          worst = std::max(worst, std::abs(s - (r == c ? 1.0 : 0.0)));
        }
      }
      TANGLE_CHECK(worst < 1e-8, "Unitary matrix is not unitary: max |U^dagger U - I| = ", worst);
      break;
    }
    case GateFamily::SpecialUnitary: {
      TANGLE_CHECK(k <= static_cast<size_t>(kMaxDenseQubits), "SpecialUnitary on ", k,
                   " wires: at most ", kMaxDenseQubits, " are supported");
      const index_t need = (index_t{1} << (2 * k)) - 1;
      const bool weights = op.block.kind() == ParamKind::Weight;
      TANGLE_CHECK(op.block.size() == need, "SpecialUnitary on ", k, " wires needs ", need, weights ? " weights" : " inputs",
                   " but the block has ", op.block.size());
      TANGLE_CHECK(op.block.offset() + op.block.size() <= (weights ? n_weights_ : n_inputs_), "SpecialUnitary ",
                   weights ? "weight" : "input", " block [", op.block.offset(), ", ", op.block.offset() + op.block.size(),
                   ") is not declared by this circuit");
      break;
    }
    case GateFamily::Evolution: {
      TANGLE_CHECK(k <= static_cast<size_t>(kMaxDenseQubits), "Evolution on ", k,
                   " wires: at most ", kMaxDenseQubits, " are supported");
      const index_t need = index_t{1} << (2 * k);
      TANGLE_CHECK(op.block.kind() == ParamKind::Input, "Evolution needs an input block, not weights");
      TANGLE_CHECK(op.block.size() == need, "Evolution on ", k, " wires needs ", need,
                   " inputs (a ", index_t{1} << k, "x", index_t{1} << k, " matrix) but the block has ",
                   op.block.size());
      TANGLE_CHECK(op.block.offset() + op.block.size() <= n_inputs_, "Evolution input block is not declared by this circuit");
      break;
    }
    case GateFamily::StatePrep: {
      TANGLE_CHECK(ops_.empty(), info.name, " must be the first op (the circuit already has ", ops_.size(), " ops)");
      TANGLE_CHECK(k <= 30, info.name, " on ", k, " wires: at most 30 are supported");
      if (op.gate == Gate::StatePreparation) {
        TANGLE_CHECK(op.matrix.size() == (size_t{1} << k), "StatePreparation on ", k, " wires needs ", size_t{1} << k,
                     " amplitudes but has ", op.matrix.size());
        double norm = 0.0;
        for (const cdouble& a : op.matrix) {
          TANGLE_CHECK(std::isfinite(a.real()) && std::isfinite(a.imag()), "StatePreparation amplitude ", a,
                       " is not finite");
          norm += std::norm(a);
        }
        TANGLE_CHECK(std::abs(norm - 1.0) < 1e-8, "StatePreparation amplitudes have squared norm ", norm,
                     " (must be 1)");
        break;
      }
      TANGLE_CHECK(op.block.kind() == ParamKind::Input, "AmplitudeEmbedding needs an input block, not weights");
      TANGLE_CHECK(op.block.size() <= (index_t{1} << k), "AmplitudeEmbedding of ", op.block.size(),
                   " features does not fit ", k, " wires (at most ", index_t{1} << k, ")");
      TANGLE_CHECK(op.block.offset() + op.block.size() <= n_inputs_,
                   "AmplitudeEmbedding input block is not declared by this circuit");
      TANGLE_CHECK(std::isfinite(op.pad), "AmplitudeEmbedding pad value ", op.pad, " is not finite");
      break;
    }
    case GateFamily::Channel: {
      if (op.gate == Gate::Kraus) {
        TANGLE_CHECK(k >= 1 && k <= 3, "Kraus channel on ", k, " wires: 1 to 3 are supported");
        const size_t dd = (size_t{1} << k) * (size_t{1} << k);
        TANGLE_CHECK(!op.matrix.empty() && op.matrix.size() % dd == 0, "Kraus channel on ", k,
                     " wires needs matrices of ", dd, " entries each, but ", op.matrix.size(), " entries were given");
        for (const cdouble& a : op.matrix)
          TANGLE_CHECK(std::isfinite(a.real()) && std::isfinite(a.imag()), "Kraus channel on wires ",
                       detail::join(op.wires), ": entry ", a, " is not finite");
        const double dev = kraus_completeness_error(op.matrix, static_cast<int>(k));
        TANGLE_CHECK(dev < 1e-8, "Kraus channel on wires ", detail::join(op.wires),
                     " is not trace preserving: max |sum_i K_i^dagger K_i - I| = ", dev);
        break;
      }
      bool constant = true;
      std::vector<double> values;
      for (const Expr& e : op.angles) {
        constant = constant && e.is_constant();
        values.push_back(e.constant());
      }
      // Strengths that depend on weights or inputs are checked when they are evaluated.
      if (constant && !values.empty()) check_channel_strengths(op.gate, values.data());
      break;
    }
    default: break;
  }
  ops_.push_back(std::move(op));
  return *this;
}

}  // namespace tangle
