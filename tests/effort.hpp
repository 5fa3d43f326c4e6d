// How much of an exhaustive loop a build runs. Sanitizer builds (unoptimized, instrumented) run the
// simulator about 100x slower; there the loops over gates x qubit counts x batch sizes visit every
// kSanitizerStride-th case, which still reaches every gate and every lane geometry, since the
// strided index walks across the loops' dimensions.
#pragma once

#include <cstddef>

namespace tangle::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr std::size_t kSanitizerStride = 7;
#else
inline constexpr std::size_t kSanitizerStride = 1;
#endif

/// Whether case number `index` (counted across the whole loop) runs in this build.
constexpr bool runs_here(std::size_t index) { return index % kSanitizerStride == 0; }

/// A seed per case, so a case draws the same data whichever other cases run.
constexpr unsigned long long case_seed(unsigned long long base, std::size_t index) {
  return base * 1000003ULL + index;
}

}  // namespace tangle::test
