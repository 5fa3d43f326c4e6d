#include "tangle/core/parallel.hpp"

#include <omp.h>

#include "tangle/core/error.hpp"

namespace tangle {

int resolve_threads(int requested) {
  TANGLE_CHECK(requested >= 0, "thread count ", requested, " is negative");
  if (requested == 0) return omp_get_max_threads();
  return requested;
}

}  // namespace tangle
