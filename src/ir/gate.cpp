#include "tangle/ir/gate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "tangle/core/error.hpp"

namespace tangle {

std::optional<Gate> gate_by_name(std::string_view name) {
  for (const GateInfo& info : kGates)
    if (info.name == name) return info.gate;
  return std::nullopt;
}

std::optional<Gate> gate_by_name_any_case(std::string_view name) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (const GateInfo& info : kGates)
    if (std::equal(info.name.begin(), info.name.end(), name.begin(), name.end(),
                   [&](char a, char b) { return lower(a) == lower(b); }))
      return info.gate;
  return std::nullopt;
}

char pauli_letter(Pauli p) {
  switch (p) {
    case Pauli::I: return 'I';
    case Pauli::X: return 'X';
    case Pauli::Y: return 'Y';
    case Pauli::Z: return 'Z';
  }
  return '?';
}

std::vector<cdouble> fixed_target_matrix(Gate g) {
  const cdouble i{0.0, 1.0};
  const double r = 1.0 / std::sqrt(2.0);
  switch (g) {
    case Gate::I: return {1, 0, 0, 1};
    case Gate::X:
    case Gate::CNOT:
    case Gate::Toffoli: return {0, 1, 1, 0};
    case Gate::Y:
    case Gate::CY: return {0, -i, i, 0};
    case Gate::Z:
    case Gate::CZ: return {1, 0, 0, -1};
    case Gate::H: return {r, r, r, -r};
    case Gate::S: return {1, 0, 0, i};
    case Gate::Sdg: return {1, 0, 0, -i};
    case Gate::T: return {1, 0, 0, std::polar(1.0, M_PI / 4)};
    case Gate::Tdg: return {1, 0, 0, std::polar(1.0, -M_PI / 4)};
    case Gate::SX: return {cdouble(0.5, 0.5), cdouble(0.5, -0.5), cdouble(0.5, -0.5), cdouble(0.5, 0.5)};
    case Gate::SWAP:
    case Gate::CSWAP: return {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    case Gate::ISWAP: return {1, 0, 0, 0, 0, 0, i, 0, 0, i, 0, 0, 0, 0, 0, 1};
    default: break;
  }
  throw ValueError(detail::concat("gate ", gate_info(g).name, " has no fixed matrix"));
}

}  // namespace tangle
