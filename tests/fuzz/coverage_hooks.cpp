// Coverage for libFuzzer from GCC-built code. GCC instruments with -fsanitize-coverage=trace-pc
// (a call at every basic block) and trace-cmp (comparison operands, which libFuzzer's own hooks
// take), but not with clang's inline counters, and libFuzzer 14 refuses trace-pc. This file turns
// each call into an edge counter, AFL-style (the previous block's hash xor this one's), in a table
// registered with libFuzzer as 8-bit counters. The build links libFuzzer with its own refusing
// __sanitizer_cov_trace_pc made weak (objcopy -W, tests/fuzz/CMakeLists.txt), so this one is used.
// Compiled without coverage instrumentation: it must not call itself.
#include <cstddef>
#include <cstdint>

extern "C" void __sanitizer_cov_8bit_counters_init(std::uint8_t* begin, std::uint8_t* end);

namespace {
constexpr std::size_t kCounters = std::size_t{1} << 18;
alignas(64) std::uint8_t counters[kCounters];
thread_local std::uintptr_t previous = 0;
struct Registration {
  Registration() { __sanitizer_cov_8bit_counters_init(counters, counters + kCounters); }
} registration;
}  // namespace

// GCC also reports floating-point comparisons, which libFuzzer has no use for.
extern "C" void __sanitizer_cov_trace_cmpf(float, float) {}
extern "C" void __sanitizer_cov_trace_cmpd(double, double) {}

extern "C" __attribute__((no_sanitize_address, no_sanitize_undefined)) void __sanitizer_cov_trace_pc() {
  const auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  const std::uintptr_t here = (pc ^ (pc >> 13)) & (kCounters - 1);
  ++counters[here ^ previous];
  previous = here >> 1;
}
