/// @file
/// The gate set: ONE table of every operation's name, arity and family.
///
/// Conventions (PennyLane's, which QML users know):
///  - A basis state of n qubits is |b_0 b_1 ... b_(n-1)>, wire 0 the most significant bit:
///    index = sum_q b_q 2^(n-1-q).
///  - A matrix on wires (w_0, ..., w_(k-1)) is indexed the same way: w_0 is its most significant bit.
///  - Rotations are R_P(theta) = exp(-i theta P / 2); e.g. RX(pi) = -i X.
///  - Controlled gates list their control wires first, then the targets: CRX(theta) on (c, t).
///  - PhaseShift(phi) = diag(1, e^{i phi}).
///  - Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi).
///  - U3(theta, phi, lambda) = [[cos(theta/2), -e^{i lambda} sin(theta/2)],
///                              [e^{i phi} sin(theta/2), e^{i (phi+lambda)} cos(theta/2)]].
///  - ISWAP = [[1,0,0,0],[0,0,i,0],[0,i,0,0],[0,0,0,1]];  SX = sqrt(X) = [[1+i, 1-i],[1-i, 1+i]]/2.
///  - SpecialUnitary(omega) = exp(i sum_k omega_k P_k) over the 4^k - 1 non-identity Pauli words
///    in the order of itertools.product("IXYZ", repeat=k) without "I...I" (first letter = first wire).
///  - Evolution(t) = exp(-i t H / 2), H = (M + M^T) / 2, M the sample's 4^k inputs read as a
///    row-major 2^k x 2^k real matrix.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tangle/core/types.hpp"

namespace tangle {

/// A single-qubit Pauli operator: a letter of a Pauli word, a rotation's generator.
enum class Pauli : std::uint8_t { I, X, Y, Z };

/// Every operation a circuit can hold, in the order of kGates (its index there); the
/// conventions are those at the top of this file.
enum class Gate : std::uint8_t {
  I, X, Y, Z, H, S, Sdg, T, Tdg, SX,
  CNOT, CZ, CY, SWAP, ISWAP, Toffoli, CSWAP,
  RX, RY, RZ, RXX, RYY, RZZ, MultiRZ, PauliRot,
  CRX, CRY, CRZ,
  PhaseShift, ControlledPhaseShift,
  Rot, U3, CRot,
  Unitary, SpecialUnitary, Evolution, AmplitudeEmbedding, StatePreparation,
  // Channels (noise): not unitary; see channel.hpp for their Kraus operators.
  Depolarizing, TwoQubitDepolarizing, BitFlip, PhaseFlip, PauliChannel,
  AmplitudeDamping, GeneralizedAmplitudeDamping, PhaseDamping, ThermalRelaxation, Reset, Kraus,
};

/// How a gate acts, which decides how the simulator lowers and differentiates it.
enum class GateFamily : std::uint8_t {
  Fixed,           ///< a constant matrix on the targets, optionally controlled
  PauliRotation,   ///< exp(-i theta P / 2) for a Pauli word P, optionally controlled
  Phase,           ///< exp(i phi |1..1><1..1|) on controls + target
  Composite,       ///< lowered to several rotations (Rot, U3, CRot)
  Dense,           ///< a user-given unitary matrix
  SpecialUnitary,  ///< exp(i sum omega_k P_k), omega trainable
  Evolution,       ///< exp(-i t H_b / 2), H_b from the sample's inputs
  StatePrep,       ///< AmplitudeEmbedding, StatePreparation: the initial state (first op only)
  Channel,         ///< a quantum channel (CPTP map) whose "angles" are its strengths (channel.hpp)
};

/// One row of the gate table: what the IR, the parser, the drawer and the simulator know of a gate.
struct GateInfo {
  Gate gate;        ///< the gate this row describes (its index in kGates)
  /// Canonical name, as in PennyLane ("CNOT", "RX"): what drawings, Python and noise rules use.
  std::string_view name;
  int n_wires;      ///< total wires, controls included; -1 = any number
  int n_controls;   ///< leading wires that are controls
  int n_angles;     ///< number of angle (or channel strength) parameters
  GateFamily family;  ///< how it acts (see GateFamily)
  Pauli generator;  ///< Pauli rotations acting with the same letter on every target; I otherwise
};

/// The gate table, one row per Gate in enum order (checked at compile time).
inline constexpr std::array<GateInfo, 49> kGates = {{
    {Gate::I, "I", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::X, "X", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::Y, "Y", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::Z, "Z", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::H, "H", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::S, "S", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::Sdg, "Sdg", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::T, "T", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::Tdg, "Tdg", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::SX, "SX", 1, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::CNOT, "CNOT", 2, 1, 0, GateFamily::Fixed, Pauli::I},
    {Gate::CZ, "CZ", 2, 1, 0, GateFamily::Fixed, Pauli::I},
    {Gate::CY, "CY", 2, 1, 0, GateFamily::Fixed, Pauli::I},
    {Gate::SWAP, "SWAP", 2, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::ISWAP, "ISWAP", 2, 0, 0, GateFamily::Fixed, Pauli::I},
    {Gate::Toffoli, "Toffoli", 3, 2, 0, GateFamily::Fixed, Pauli::I},
    {Gate::CSWAP, "CSWAP", 3, 1, 0, GateFamily::Fixed, Pauli::I},
    {Gate::RX, "RX", 1, 0, 1, GateFamily::PauliRotation, Pauli::X},
    {Gate::RY, "RY", 1, 0, 1, GateFamily::PauliRotation, Pauli::Y},
    {Gate::RZ, "RZ", 1, 0, 1, GateFamily::PauliRotation, Pauli::Z},
    {Gate::RXX, "RXX", 2, 0, 1, GateFamily::PauliRotation, Pauli::X},
    {Gate::RYY, "RYY", 2, 0, 1, GateFamily::PauliRotation, Pauli::Y},
    {Gate::RZZ, "RZZ", 2, 0, 1, GateFamily::PauliRotation, Pauli::Z},
    {Gate::MultiRZ, "MultiRZ", -1, 0, 1, GateFamily::PauliRotation, Pauli::Z},
    {Gate::PauliRot, "PauliRot", -1, 0, 1, GateFamily::PauliRotation, Pauli::I},
    {Gate::CRX, "CRX", 2, 1, 1, GateFamily::PauliRotation, Pauli::X},
    {Gate::CRY, "CRY", 2, 1, 1, GateFamily::PauliRotation, Pauli::Y},
    {Gate::CRZ, "CRZ", 2, 1, 1, GateFamily::PauliRotation, Pauli::Z},
    {Gate::PhaseShift, "PhaseShift", 1, 0, 1, GateFamily::Phase, Pauli::I},
    {Gate::ControlledPhaseShift, "ControlledPhaseShift", 2, 1, 1, GateFamily::Phase, Pauli::I},
    {Gate::Rot, "Rot", 1, 0, 3, GateFamily::Composite, Pauli::I},
    {Gate::U3, "U3", 1, 0, 3, GateFamily::Composite, Pauli::I},
    {Gate::CRot, "CRot", 2, 1, 3, GateFamily::Composite, Pauli::I},
    {Gate::Unitary, "Unitary", -1, 0, 0, GateFamily::Dense, Pauli::I},
    {Gate::SpecialUnitary, "SpecialUnitary", -1, 0, 0, GateFamily::SpecialUnitary, Pauli::I},
    {Gate::Evolution, "Evolution", -1, 0, 1, GateFamily::Evolution, Pauli::I},
    {Gate::AmplitudeEmbedding, "AmplitudeEmbedding", -1, 0, 0, GateFamily::StatePrep, Pauli::I},
    {Gate::StatePreparation, "StatePreparation", -1, 0, 0, GateFamily::StatePrep, Pauli::I},
    {Gate::Depolarizing, "Depolarizing", 1, 0, 1, GateFamily::Channel, Pauli::I},
    {Gate::TwoQubitDepolarizing, "TwoQubitDepolarizing", 2, 0, 1, GateFamily::Channel, Pauli::I},
    {Gate::BitFlip, "BitFlip", 1, 0, 1, GateFamily::Channel, Pauli::I},
    {Gate::PhaseFlip, "PhaseFlip", 1, 0, 1, GateFamily::Channel, Pauli::I},
    {Gate::PauliChannel, "PauliChannel", 1, 0, 3, GateFamily::Channel, Pauli::I},
    {Gate::AmplitudeDamping, "AmplitudeDamping", 1, 0, 1, GateFamily::Channel, Pauli::I},
    {Gate::GeneralizedAmplitudeDamping, "GeneralizedAmplitudeDamping", 1, 0, 2, GateFamily::Channel, Pauli::I},
    {Gate::PhaseDamping, "PhaseDamping", 1, 0, 1, GateFamily::Channel, Pauli::I},
    {Gate::ThermalRelaxation, "ThermalRelaxation", 1, 0, 3, GateFamily::Channel, Pauli::I},
    {Gate::Reset, "Reset", 1, 0, 0, GateFamily::Channel, Pauli::I},
    {Gate::Kraus, "Kraus", -1, 0, 0, GateFamily::Channel, Pauli::I},
}};

/// The kGates row of `g`.
constexpr const GateInfo& gate_info(Gate g) { return kGates[static_cast<std::size_t>(g)]; }
static_assert([] {
  for (std::size_t i = 0; i < kGates.size(); ++i)
    if (static_cast<std::size_t>(kGates[i].gate) != i) return false;
  return true;
}(), "kGates must be ordered like enum Gate");

/// The gate of that name (as in kGates, case-sensitive), if any.
std::optional<Gate> gate_by_name(std::string_view name);
/// The same ignoring case ("cnot", "rx"), for names people type (noise model files).
std::optional<Gate> gate_by_name_any_case(std::string_view name);

/// The matrix of a Fixed gate's targets (controls excluded): 2x2 or 4x4, row-major.
std::vector<cdouble> fixed_target_matrix(Gate g);

/// 'I', 'X', 'Y' or 'Z'.
char pauli_letter(Pauli p);

}  // namespace tangle
