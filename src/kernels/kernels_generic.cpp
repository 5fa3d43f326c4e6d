// Kernels compiled for the generic instruction set (flags in CMakeLists.txt).
#include "kernels.hpp"

#define TANGLE_ISA_NAME "generic"

namespace tangle::kernels::generic {
#include "kernels_impl.hpp"
}  // namespace tangle::kernels::generic
