// Zero-noise extrapolation over a batch: every scale is one batched run of the whole batch.
#include "tangle/algo/zne.hpp"

#include <algorithm>
#include <cmath>

#include "tangle/core/error.hpp"
#include "tangle/sim/sampling.hpp"

namespace tangle::algo {

ZneResult zne(const Circuit& circuit, const std::vector<Readout>& readouts, const NoiseModel& noise,
              const std::vector<double>& inputs, index_t batch, const std::vector<double>& weights,
              const ZneOptions& options, const RunOptions& run) {
  const auto& ex = options.extrapolation;
  TANGLE_CHECK(static_cast<int>(options.scales.size()) >= ex.min_points(), "zero-noise extrapolation (", ex.name(),
               ") needs at least ", ex.min_points(), " noise scales, got ", options.scales.size());
  TANGLE_CHECK(options.repetitions >= 1, "zero-noise extrapolation: repetitions ", options.repetitions,
               " must be >= 1");
  // Negative shots would otherwise run exactly (shots > 0 picks the shot estimate).
  TANGLE_CHECK(options.shots >= 0, "zero-noise extrapolation: shots ", options.shots, " must be >= 0");
  TANGLE_CHECK(options.scaling == NoiseScaling::Folding || !noise.empty(),
               "zero-noise extrapolation by noise strength needs a noise model to scale");
  ZneResult out;
  const int reps = options.scaling == NoiseScaling::Folding && options.folding == Folding::Random ? options.repetitions : 1;
  for (size_t si = 0; si < options.scales.size(); ++si) {
    const double scale = options.scales[si];
    TANGLE_CHECK(std::isfinite(scale) && scale >= 1.0, "zero-noise extrapolation: noise scale ", scale,
                 " must be >= 1");
    std::vector<double> mean;
    double reached = scale;
    for (int r = 0; r < reps; ++r) {
      std::vector<double> values;
      const std::uint64_t seed = options.seed + 1000003ULL * si + static_cast<std::uint64_t>(r);
      if (options.scaling == NoiseScaling::Folding) {
        FoldedCircuit f = fold(circuit, scale, options.folding, seed);
        reached = f.scale;
        const Program p(std::move(f.circuit), readouts, noise);
        values = options.shots > 0 ? forward_shots(p, inputs, batch, weights, options.shots, seed, run)
                                   : forward(p, inputs, batch, weights, run);
      } else {
        const Program p(circuit, readouts, noise.scaled(scale));
        values = options.shots > 0 ? forward_shots(p, inputs, batch, weights, options.shots, seed, run)
                                   : forward(p, inputs, batch, weights, run);
      }
      ++out.circuit_executions;
      if (mean.empty()) mean.assign(values.size(), 0.0);
      for (size_t i = 0; i < values.size(); ++i) mean[i] += values[i] / reps;
    }
    out.scales.push_back(reached);
    out.values.push_back(std::move(mean));
  }
  for (size_t i = 0; i < out.scales.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      TANGLE_CHECK(out.scales[i] != out.scales[j], "zero-noise extrapolation: scales ", options.scales[j], " and ",
                   options.scales[i], " fold to the same circuit (scale ", out.scales[i],
                   "); choose scales further apart for a circuit this short");
  const size_t n = out.values[0].size();
  out.mitigated.resize(n);
  std::vector<double> ys(out.scales.size());
  for (size_t i = 0; i < n; ++i) {
    for (size_t s = 0; s < ys.size(); ++s) ys[s] = out.values[s][i];
    out.mitigated[i] = ex.at_zero(out.scales, ys);
  }
  return out;
}

AdaptiveResult adaptive_exponential(const std::function<double(double)>& run_at, int steps, double scale_factor,
                                    std::optional<double> asymptote) {
  const int need = asymptote ? 2 : 3;
  TANGLE_CHECK(steps >= need, "adaptive exponential extrapolation: steps ", steps, " must be >= ", need);
  TANGLE_CHECK(std::isfinite(scale_factor) && scale_factor > 1.0, "adaptive exponential extrapolation: scale factor ",
               scale_factor, " must be > 1");
  AdaptiveResult r;
  const Extrapolation fit = Extrapolation::exponential(asymptote);
  for (int k = 0; k < steps; ++k) {
    double next = k == 0 ? 1.0 : scale_factor;
    if (k >= 2) {
      // The exponent of the fit so far sets the next scale: 1 + scale_factor / |c|, so that the
      // points sample the decay where it still changes (Mitiq's AdaExpFactory rule).
      // Two points without an asymptote: assume decay towards 0 (Pauli expectations under
      // depolarizing noise); from three on, the fit's own rate.
      const Extrapolation rate = static_cast<int>(r.scales.size()) >= need
                                     ? fit
                                     : Extrapolation::exponential(asymptote.value_or(0.0));
      double c = 1.0;
      try {
        c = std::abs(rate.decay_rate(r.scales, r.values));
      } catch (const ValueError&) {
        // values on both sides of the assumed asymptote: keep the unit rate
      }
      next = std::clamp(1.0 + scale_factor / std::max(c, 1e-3), 1.0, 1e3);
      while (std::find(r.scales.begin(), r.scales.end(), next) != r.scales.end()) next += 0.5;
    }
    r.scales.push_back(next);
    r.values.push_back(run_at(next));
  }
  r.mitigated = fit.at_zero(r.scales, r.values);
  return r;
}

}  // namespace tangle::algo
