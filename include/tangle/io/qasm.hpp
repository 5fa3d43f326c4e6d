/// @file
/// OpenQASM 2.0 export (and import, for round trips and for loading circuits from other tools).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tangle/ir/circuit.hpp"

namespace tangle {

/// OpenQASM 2.0 text of `circuit` with its weights and one sample's `inputs` bound to numbers.
/// Uses only qelib1.inc gates: ops that qelib1.inc lacks (RYY, ISWAP, MultiRZ, PauliRot, dense
/// blocks, ...) are written as equivalent sequences of them, exact up to a global phase.
/// The register is q[0..n); qubit q of the text is wire q. The reset channel is written as
/// `reset`; other channels, which OpenQASM 2.0 lacks, as a comment where they stood.
std::string to_qasm(const Circuit& circuit, const std::vector<double>& weights, const std::vector<double>& inputs);

/// A circuit read from OpenQASM 2.0 text, with what its final measurements measure.
struct QasmCircuit {
  Circuit circuit;  ///< the gates and resets, in order (without the measurements)
  /// The qubits that `measure` statements wrote into classical bits, highest bit first (across
  /// cregs in declaration order), so that basis state i of `Readout::probs(measured)` is the
  /// classical value i as Qiskit counts it. Empty if the text measures nothing.
  std::vector<int> measured;
};

/// A fixed circuit (no weights or inputs) from OpenQASM 2.0 text: qelib1.inc gates, user `gate`
/// definitions, `barrier` (ignored), `reset` (the reset channel), and final `measure`s (recorded
/// in `measured`; a gate or reset on a qubit after its measurement is refused: mid-circuit
/// measurement is not supported). `if` and `opaque` are rejected; `include "qelib1.inc";` may come
/// before the header, as some tools write it. Malformed text raises ValueError with its line and
/// column.
QasmCircuit read_qasm(std::string_view text);

/// `read_qasm(text).circuit`: the measurements, if any, are dropped.
Circuit from_qasm(std::string_view text);

}  // namespace tangle
