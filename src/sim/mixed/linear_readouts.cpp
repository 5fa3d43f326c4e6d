#include "linear_readouts.hpp"

#include "sim/tile/tile_ops.hpp"

namespace tangle::detail::mixed {

namespace {
const cdouble kPowI[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
}

LinearReadouts::LinearReadouts(const std::vector<Readout>& readouts, int n_qubits, const Geometry& geo)
    : n_(n_qubits), geo_(geo) {
  for (const Readout& r : readouts) {
    Plan p;
    p.kind = r.kind();
    p.out = n_out_;
    n_out_ += r.n_outputs();
    p.wires = r.wires();
    p.basis_state = r.basis_state();
    p.h = r.matrix();
    if (r.kind() == Readout::Kind::Expval) {
      for (const PauliTerm& t : r.observable().terms()) {
        Term m;
        m.coef = t.coef;
        for (const auto& [q, letter] : t.factors) {
          const std::uint64_t bit = std::uint64_t{1} << (n_ - 1 - q);
          if (letter == Pauli::X || letter == Pauli::Y) m.x |= bit;
          if (letter == Pauli::Z || letter == Pauli::Y) m.z |= bit;
          if (letter == Pauli::Y) ++m.ny;
        }
        p.terms.push_back(m);
      }
    }
    plans_.push_back(std::move(p));
  }
}

index_t LinearReadouts::local_index(index_t i, const std::vector<int>& wires) const {
  index_t b = 0;
  for (int q : wires) b = (b << 1) | ((i >> (n_ - 1 - q)) & 1);
  return b;
}

index_t LinearReadouts::spread(index_t j, const std::vector<int>& wires) const {
  const int k = static_cast<int>(wires.size());
  index_t out = 0;
  for (int t = 0; t < k; ++t)
    if ((j >> (k - 1 - t)) & 1) out |= index_t{1} << (n_ - 1 - wires[static_cast<size_t>(t)]);
  return out;
}

template <typename Real>
void LinearReadouts::add(Real* t, index_t r, index_t c, int slot, cdouble v) const {
  const index_t s = (r << n_) | c;
  const index_t vec = s >> geo_.lq, lane = ((s & ((index_t{1} << geo_.lq) - 1)) << geo_.sb) | slot;
  Real* base = t + vec * 2 * geo_.lanes;
  base[lane] += static_cast<Real>(v.real());
  base[geo_.lanes + lane] += static_cast<Real>(v.imag());
}

template <typename Real>
void LinearReadouts::outputs(const Real* rho, double* out) const {
  const index_t d = index_t{1} << n_;
  const index_t spt = geo_.samples_per_tile;
  std::fill(out, out + spt * n_out_, 0.0);
  for (int slot = 0; slot < spt; ++slot) {
    double* y = out + slot * n_out_;
    for (const Plan& p : plans_) {
      switch (p.kind) {
        case Readout::Kind::Expval:
          for (const Term& m : p.terms) {
            cdouble acc = 0.0;
            for (index_t c = 0; c < d; ++c) {
              const cdouble v = entry(rho, c, c ^ static_cast<index_t>(m.x), slot);
              acc += (std::popcount(static_cast<std::uint64_t>(c) & m.z) & 1) ? -v : v;
            }
            y[p.out] += m.coef * (kPowI[m.ny & 3] * acc).real();
          }
          break;
        case Readout::Kind::Probs:
        case Readout::Kind::Projector:
          for (index_t i = 0; i < d; ++i) {
            const index_t b = local_index(i, p.wires);
            const double v = entry(rho, i, i, slot).real();
            if (p.kind == Readout::Kind::Probs) {
              y[p.out + b] += v;
            } else if (b == p.basis_state) {
              y[p.out] += v;
            }
          }
          break;
        case Readout::Kind::Hermitian: {
          // Tr(H rho) = sum over the other wires of sum_ab H_ab rho_((b, rest), (a, rest))
          const index_t dl = index_t{1} << p.wires.size();
          const index_t wm = spread(dl - 1, p.wires);
          cdouble acc = 0.0;
          for (index_t rest = 0; rest < d; ++rest) {
            if (rest & wm) continue;
            for (index_t a = 0; a < dl; ++a)
              for (index_t b = 0; b < dl; ++b)
                acc += p.h[static_cast<size_t>(a * dl + b)] * entry(rho, rest | spread(b, p.wires), rest | spread(a, p.wires), slot);
          }
          y[p.out] += acc.real();
          break;
        }
      }
    }
  }
}

template <typename Real>
void LinearReadouts::seed(const double* cot, Real* lam, int threads) const {
  const index_t w2 = 2 * geo_.lanes;
  tile::sweep(geo_.n_vec, threads, [&](index_t v0, index_t v1) { std::fill(lam + v0 * w2, lam + v1 * w2, Real(0)); });
  const index_t d = index_t{1} << n_;
  for (int slot = 0; slot < geo_.samples_per_tile; ++slot) {
    const double* g = cot + slot * n_out_;
    for (const Plan& p : plans_) {
      switch (p.kind) {
        case Readout::Kind::Expval:
          // lambda_rc = P_rc: P_(c ^ x, c) = i^ny (-1)^popcount(c & z)
          for (const Term& m : p.terms) {
            const double gc = g[p.out] * m.coef;
            if (gc == 0.0) continue;
            const cdouble f = gc * kPowI[m.ny & 3];
            for (index_t c = 0; c < d; ++c)
              add(lam, c ^ static_cast<index_t>(m.x), c, slot,
                  (std::popcount(static_cast<std::uint64_t>(c) & m.z) & 1) ? -f : f);
          }
          break;
        case Readout::Kind::Probs:
        case Readout::Kind::Projector:
          for (index_t i = 0; i < d; ++i) {
            const index_t b = local_index(i, p.wires);
            const double gi = p.kind == Readout::Kind::Probs ? g[p.out + b] : (b == p.basis_state ? g[p.out] : 0.0);
            if (gi != 0.0) add(lam, i, i, slot, gi);
          }
          break;
        case Readout::Kind::Hermitian: {
          const double gh = g[p.out];
          if (gh == 0.0) break;
          const index_t dl = index_t{1} << p.wires.size();
          const index_t wm = spread(dl - 1, p.wires);
          for (index_t rest = 0; rest < d; ++rest) {
            if (rest & wm) continue;
            for (index_t a = 0; a < dl; ++a)
              for (index_t b = 0; b < dl; ++b)
                add(lam, rest | spread(a, p.wires), rest | spread(b, p.wires), slot, gh * p.h[static_cast<size_t>(a * dl + b)]);
          }
          break;
        }
      }
    }
  }
}

template <typename Real>
void LinearReadouts::density(const Real* rho, int slot, cdouble* out) const {
  const index_t d = index_t{1} << n_;
  for (index_t r = 0; r < d; ++r)
    for (index_t c = 0; c < d; ++c) out[r * d + c] = entry(rho, r, c, slot);
}

template <typename Real>
void LinearReadouts::init(Real* rho, const std::vector<std::vector<cdouble>>* amplitudes, int threads) const {
  const index_t w2 = 2 * geo_.lanes;
  tile::sweep(geo_.n_vec, threads, [&](index_t v0, index_t v1) { std::fill(rho + v0 * w2, rho + v1 * w2, Real(0)); });
  const index_t d = index_t{1} << n_;
  for (int slot = 0; slot < geo_.samples_per_tile; ++slot) {
    if (amplitudes == nullptr) {
      add(rho, 0, 0, slot, 1.0);
      continue;
    }
    const std::vector<cdouble>& a = (*amplitudes)[static_cast<size_t>(slot)];
    for (index_t r = 0; r < d; ++r) {
      if (a[static_cast<size_t>(r)] == 0.0) continue;
      for (index_t c = 0; c < d; ++c)
        if (a[static_cast<size_t>(c)] != 0.0) add(rho, r, c, slot, a[static_cast<size_t>(r)] * std::conj(a[static_cast<size_t>(c)]));
    }
  }
}

#define TANGLE_LINEAR_READOUTS(Real)                                                            \
  template void LinearReadouts::outputs<Real>(const Real*, double*) const;                     \
  template void LinearReadouts::seed<Real>(const double*, Real*, int) const;                   \
  template void LinearReadouts::density<Real>(const Real*, int, cdouble*) const;              \
  template void LinearReadouts::init<Real>(Real*, const std::vector<std::vector<cdouble>>*, int) const;
TANGLE_LINEAR_READOUTS(float)
TANGLE_LINEAR_READOUTS(double)
#undef TANGLE_LINEAR_READOUTS

}  // namespace tangle::detail::mixed
