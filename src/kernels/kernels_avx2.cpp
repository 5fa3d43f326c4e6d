// Kernels compiled for the avx2 instruction set (flags in CMakeLists.txt).
#include "kernels.hpp"

#define TANGLE_ISA_NAME "avx2"

namespace tangle::kernels::avx2 {
#include "kernels_impl.hpp"
}  // namespace tangle::kernels::avx2
