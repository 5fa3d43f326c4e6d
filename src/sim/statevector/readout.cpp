// Readouts and the adjoint seed of a tile (readout/quadratic.hpp has the readouts themselves).
#include "executor.hpp"

namespace tangle::detail::statevector {

template <typename Real>
void Executor<Real>::readouts(const Real* psi, Workspace<Real>& w) {
  Scratch<Real>& s = w.scratch[0];
  readouts_.outputs(kt_, geo_, s.red, s.sign.data(), psi, inner_threads_, prog_.n_outputs, w.outputs.data());
}

template <typename Real>
void Executor<Real>::seed_lambda(index_t tile, const Real* psi, Real* lam, Workspace<Real>& w) {
  const index_t spt = geo_.samples_per_tile, n_out = prog_.n_outputs;
  for (index_t s = 0; s < spt; ++s) {
    const bool valid = geo_.valid(tile, static_cast<int>(s));
    for (index_t o = 0; o < n_out; ++o)
      w.cot[static_cast<size_t>(s * n_out + o)] = valid ? req_.cotangent[(tile * spt + s) * n_out + o] : 0.0;
  }
  readouts_.seed(kt_, geo_, w.cot.data(), n_out, psi, lam, w.copy.data(), w.dvec, inner_threads_);
}

template void Executor<float>::readouts(const float* psi, Workspace<float>& w);
template void Executor<float>::seed_lambda(index_t tile, const float* psi, float* lam, Workspace<float>& w);
template void Executor<double>::readouts(const double* psi, Workspace<double>& w);
template void Executor<double>::seed_lambda(index_t tile, const double* psi, double* lam, Workspace<double>& w);

}  // namespace tangle::detail::statevector
