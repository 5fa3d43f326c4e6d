#include "lowered.hpp"

#include "tangle/core/error.hpp"

namespace tangle::detail {

namespace {

LoweredOp rotation(const Expr& angle, Pauli p, std::vector<int> controls, int target, int source) {
  LoweredOp op;
  op.kind = LoweredOp::Kind::PauliRotation;
  op.targets = {target};
  op.controls = std::move(controls);
  op.word = {p};
  op.angle = angle;
  op.source = source;
  return op;
}

}  // namespace

LoweredProgram lower(const Circuit& circuit, const std::vector<Readout>& readouts) {
  LoweredProgram out;
  out.n_qubits = circuit.n_qubits();
  out.n_weights = circuit.n_weights();
  out.n_inputs = circuit.n_inputs();
  out.readouts = readouts;
  for (const Readout& r : readouts) {
    r.check(circuit.n_qubits());
    out.n_outputs += r.n_outputs();
  }

  const std::vector<Op>& ops = circuit.ops();
  for (int s = 0; s < static_cast<int>(ops.size()); ++s) {
    const Op& op = ops[static_cast<size_t>(s)];
    const GateInfo& info = gate_info(op.gate);
    const std::vector<int> controls = op.controls();
    const std::vector<int> targets = op.targets();
    LoweredOp l;
    l.source = s;
    l.controls = controls;
    switch (info.family) {
      case GateFamily::Fixed:
        if (op.gate == Gate::I) continue;
        l.kind = LoweredOp::Kind::Matrix;
        l.targets = targets;
        l.matrix = fixed_target_matrix(op.gate);
        out.ops.push_back(std::move(l));
        break;
      case GateFamily::PauliRotation: {
        // Identity letters act trivially: drop their wires.
        l.kind = LoweredOp::Kind::PauliRotation;
        l.angle = op.angles[0];
        for (size_t k = 0; k < targets.size(); ++k) {
          if (op.word[k] == Pauli::I) continue;
          l.targets.push_back(targets[k]);
          l.word.push_back(op.word[k]);
        }
        if (l.targets.empty()) {
          // exp(-i theta/2 I) is the global phase e^{-i theta/2}.
          l.kind = LoweredOp::Kind::Phase;
          l.angle = op.angles[0] * Expr(-0.5);
          l.word.clear();
        }
        out.ops.push_back(std::move(l));
        break;
      }
      case GateFamily::Phase:
        l.kind = LoweredOp::Kind::Phase;
        l.targets = op.wires;  // controls and target alike must be 1
        l.controls.clear();
        l.angle = op.angles[0];
        out.ops.push_back(std::move(l));
        break;
      case GateFamily::Composite: {
        const int t = targets[0];
        if (op.gate == Gate::U3) {
          // U3(theta, phi, lambda) = e^{i(phi+lambda)/2} RZ(phi) RY(theta) RZ(lambda)
          out.ops.push_back(rotation(op.angles[2], Pauli::Z, controls, t, s));
          out.ops.push_back(rotation(op.angles[0], Pauli::Y, controls, t, s));
          out.ops.push_back(rotation(op.angles[1], Pauli::Z, controls, t, s));
          LoweredOp phase;
          phase.kind = LoweredOp::Kind::Phase;
          phase.angle = (op.angles[1] + op.angles[2]) * Expr(0.5);
          phase.source = s;
          out.ops.push_back(std::move(phase));
        } else {
          // Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi); CRot is its controlled form.
          out.ops.push_back(rotation(op.angles[0], Pauli::Z, controls, t, s));
          out.ops.push_back(rotation(op.angles[1], Pauli::Y, controls, t, s));
          out.ops.push_back(rotation(op.angles[2], Pauli::Z, controls, t, s));
        }
        break;
      }
      case GateFamily::Dense:
        l.kind = LoweredOp::Kind::Matrix;
        l.targets = targets;
        l.matrix = op.matrix;
        out.ops.push_back(std::move(l));
        break;
      case GateFamily::SpecialUnitary:
        l.kind = LoweredOp::Kind::SpecialUnitary;
        l.targets = targets;
        l.offset = op.block.offset();
        l.count = op.block.size();
        l.per_sample = op.block.kind() == ParamKind::Input;
        out.ops.push_back(std::move(l));
        break;
      case GateFamily::Evolution:
        l.kind = LoweredOp::Kind::Evolution;
        l.targets = targets;
        l.offset = op.block.offset();
        l.count = op.block.size();
        l.angle = op.angles[0];
        out.ops.push_back(std::move(l));
        break;
      case GateFamily::StatePrep:
        if (op.gate == Gate::StatePreparation) {
          l.kind = LoweredOp::Kind::StatePreparation;
          l.targets = targets;
          l.matrix = op.matrix;
          out.ops.push_back(std::move(l));
          break;
        }
        l.kind = LoweredOp::Kind::AmplitudeEmbedding;
        l.targets = targets;
        l.offset = op.block.offset();
        l.count = op.block.size();
        l.pad = op.pad;
        l.normalize = op.normalize;
        out.ops.push_back(std::move(l));
        break;
      case GateFamily::Channel:
        l.kind = LoweredOp::Kind::Channel;
        l.gate = op.gate;
        l.targets = targets;
        l.strengths = op.angles;
        l.matrix = op.matrix;
        out.has_channels = true;
        out.ops.push_back(std::move(l));
        break;
    }
  }
  return out;
}

}  // namespace tangle::detail
