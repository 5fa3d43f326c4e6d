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
/// The register is q[0..n); qubit q of the text is wire q.
std::string to_qasm(const Circuit& circuit, const std::vector<double>& weights, const std::vector<double>& inputs);

/// A fixed circuit (no weights or inputs) from OpenQASM 2.0 text: qelib1.inc gates, user `gate`
/// definitions, `barrier` (ignored); `measure`, `reset`, `if` and `opaque` are rejected.
/// Malformed text raises ValueError with its line and column.
Circuit from_qasm(std::string_view text);

}  // namespace tangle
