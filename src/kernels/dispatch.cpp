// Picks the kernel table once, from the CPU's features. TANGLE_ISA=generic|avx2|avx512 in the
// environment overrides the choice (for tests and benchmarks), but never beyond what the CPU has.
#include <cstdlib>
#include <cstring>

#include "kernels.hpp"
#include "tangle/core/error.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::kernels {
namespace {

bool cpu_has(const char* isa) {
  __builtin_cpu_init();
  if (std::strcmp(isa, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("fma");
  if (std::strcmp(isa, "avx2") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return std::strcmp(isa, "generic") == 0;
}

template <typename Real>
const KernelTable<Real>& choose() {
  if (const char* want = std::getenv("TANGLE_ISA"); want != nullptr && *want != '\0') {
    const KernelTable<Real>* t = kernel_table_for<Real>(want);
    if (t == nullptr)
      throw ValueError(detail::concat("TANGLE_ISA=", want,
                                      ": unknown or unsupported by this CPU (use generic, avx2 or avx512)"));
    return *t;
  }
  if (cpu_has("avx512")) return avx512::table<Real>();
  if (cpu_has("avx2")) return avx2::table<Real>();
  return generic::table<Real>();
}

}  // namespace

template <typename Real>
const KernelTable<Real>* kernel_table_for(const char* isa) {
  if (!cpu_has(isa)) return nullptr;
  if (std::strcmp(isa, "avx512") == 0) return &avx512::table<Real>();
  if (std::strcmp(isa, "avx2") == 0) return &avx2::table<Real>();
  return &generic::table<Real>();
}

template <typename Real>
const KernelTable<Real>& kernel_table() {
  static const KernelTable<Real>& t = choose<Real>();
  return t;
}

template const KernelTable<float>& kernel_table<float>();
template const KernelTable<double>& kernel_table<double>();
template const KernelTable<float>* kernel_table_for<float>(const char*);
template const KernelTable<double>* kernel_table_for<double>(const char*);

}  // namespace tangle::kernels

namespace tangle {
const char* kernel_isa() { return kernels::kernel_table<double>().isa; }
}  // namespace tangle
