// Hamiltonian text (`tangle vqe --hamiltonian FILE`, tangle.algo.parse_pauli_sum).
#include "fuzz_target.hpp"
#include "tangle/algo/hamiltonian.hpp"

TANGLE_FUZZ_TARGET {
  try {
    (void)tangle::algo::parse_pauli_sum(tangle::fuzz::as_text(data, size));
  } catch (const tangle::Error&) {
  }
  return 0;
}
