// Kernels compiled for the avx512 instruction set (flags in CMakeLists.txt).
#include "kernels.hpp"

#define TANGLE_ISA_NAME "avx512"

namespace tangle::kernels::avx512 {
#include "kernels_impl.hpp"
}  // namespace tangle::kernels::avx512
