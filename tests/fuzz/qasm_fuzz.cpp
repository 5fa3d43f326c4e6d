// OpenQASM 2.0 import. Accepted text must survive export: what is read, written and read again
// is written the same way (the exporter prints angles exactly, so the second text equals the
// first, but for the comments that name the gates a decomposition stands for).
#include <optional>
#include <sstream>

#include "fuzz_target.hpp"
#include "tangle/io/qasm.hpp"

namespace {
std::string without_comments(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("//", 0) != 0) out += line + '\n';
  return out;
}
}  // namespace

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  std::optional<QasmCircuit> read;
  try {
    read = read_qasm(fuzz::as_text(data, size));
  } catch (const Error&) {
    return 0;
  }
  std::string first;
  try {
    first = to_qasm(read->circuit, {}, {});
  } catch (const ValueError&) {
    return 0;  // e.g. a circuit wider than the exporter writes
  }
  std::optional<QasmCircuit> again;
  try {
    again = read_qasm(first);
  } catch (const Error& e) {
    fuzz::require(false, e.message());
  }
  fuzz::require(without_comments(to_qasm(again->circuit, {}, {})) == without_comments(first),
                "export of the re-imported circuit differs");
  fuzz::require(again->circuit.n_qubits() == read->circuit.n_qubits(), "qubit count changed in the round trip");
  return 0;
}
