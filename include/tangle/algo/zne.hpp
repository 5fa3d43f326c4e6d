/// @file
/// Zero-noise extrapolation: run a noisy circuit at amplified noise, extrapolate to zero noise.
/// The structure follows Mitiq's: scale the noise (unitary folding, or the noise model's strengths),
/// run, reduce with an extrapolation (linear, Richardson, polynomial, exponential, poly-exponential,
/// adaptive exponential, or any function such as a trained network).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tangle/ir/circuit.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/ir/observable.hpp"
#include "tangle/sim/program.hpp"

namespace tangle::algo {

/// The inverse of a unitary op (rotations negated, S <-> Sdg, T <-> Tdg, SX and ISWAP as their
/// adjoint matrices, Rot/U3/CRot with reversed negated angles, Unitary transposed and conjugated,
/// Evolution with its time negated). ValueError for ops without one in the IR: channels,
/// SpecialUnitary, state preparations.
Op inverse(const Op& op);

/// How gates are chosen for folding G -> G (G^dagger G)^k.
enum class Folding : std::uint8_t {
  Global,     ///< the whole circuit C -> C (C^dagger C)^k, then the last gates for a fractional part
  FromLeft,   ///< every gate k times, then one more fold for the first gates
  FromRight,  ///< every gate k times, then one more fold for the last gates
  Random,     ///< every gate k times, then one more fold for gates drawn at random (seeded)
};
/// "global", "left", "right" or "random" (also "from_left", "from_right", "at_random");
/// ValueError for any other name.
Folding folding_from_name(const std::string& name);  // "global", "left", "right", "random"
/// "global", "left", "right" or "random".
const char* folding_name(Folding folding);

/// A folded circuit and the scale it reaches: (gates after folding) / (gates before), the
/// nearest to the scale asked for that whole folds allow (exactly it for odd integers).
struct FoldedCircuit {
  Circuit circuit;     ///< the folded circuit (same qubits, weights and inputs)
  double scale = 1.0;  ///< the scale reached
};

/// Folds the unitary gates of `circuit` to about `scale` (>= 1) times as many. State
/// preparations stay first and unfolded; channels already in the circuit stay where they are
/// (local folding) or are refused (global folding, whose C^dagger would need their inverses).
/// Noise comes from a NoiseModel applied to the folded circuit, so every folded gate is noisy.
FoldedCircuit fold(const Circuit& circuit, double scale, Folding method = Folding::Global, std::uint64_t seed = 0);

/// An extrapolation to zero noise from values measured at noise scales.
class Extrapolation {
 public:
  /// Which fit this is (the constructors below make each).
  enum class Kind : std::uint8_t { Linear, Richardson, Polynomial, Exponential, PolyExponential, Custom };
  /// A custom extrapolation: the zero-noise value from (scales, values).
  using Function = std::function<double(const std::vector<double>& scales, const std::vector<double>& values)>;

  /// Least-squares straight line (needs 2 points).
  static Extrapolation linear();
  /// The polynomial through every point (degree = points - 1): Mitiq's default.
  static Extrapolation richardson();
  /// Least-squares polynomial of degree `order` (needs order + 1 points).
  static Extrapolation polynomial(int order);
  /// a + b e^(-c x): with a known asymptote a, a log-linear fit; without, a fit of all three
  /// (c > 0). Needs 2 (3) points.
  static Extrapolation exponential(std::optional<double> asymptote = std::nullopt);
  /// a + s e^(z(x)) with z a polynomial of degree `order`: log-polynomial fit with the asymptote
  /// a, or a fitted a without it.
  static Extrapolation poly_exponential(int order, std::optional<double> asymptote = std::nullopt);
  /// Any function of (scales, values), named for reports (a trained network, a user's model).
  static Extrapolation custom(std::string name, Function f);
  /// "linear", "richardson", "poly2" (any order), "exp", "polyexp2"; ValueError listing them.
  static Extrapolation from_name(const std::string& name);

  /// Which fit this is.
  Kind kind() const { return kind_; }
  /// The polynomial's degree (1 for linear and exponential; 0 for Richardson and custom).
  int order() const { return order_; }
  /// The known asymptote of the exponential kinds (nullopt: fitted, or not an exponential).
  const std::optional<double>& asymptote() const { return asymptote_; }
  /// The name from_name() reads back ("poly2", "polyexp3"), or a custom one's name.
  std::string name() const;
  /// Points this extrapolation needs at least.
  int min_points() const;

  /// The value at zero noise; ValueError for too few points, repeated or non-positive scales,
  /// non-finite values, or data an exponential cannot fit (values on both sides of the asymptote).
  double at_zero(const std::vector<double>& scales, const std::vector<double>& values) const;

  /// Exponential kinds: the decay rate c of the fitted a + b e^(-c x) (order 1) or -z'(0).
  double decay_rate(const std::vector<double>& scales, const std::vector<double>& values) const;

 private:
  Kind kind_ = Kind::Richardson;
  int order_ = 0;
  std::optional<double> asymptote_;
  std::string name_;
  Function f_;
};

/// How the noise is amplified.
enum class NoiseScaling : std::uint8_t {
  Folding,        // fold the circuit (ZneOptions::folding), then apply the noise model
  NoiseStrength,  // keep the circuit, scale every strength of the noise model (NoiseModel::scaled)
};

/// The settings of zne(): scales, how noise is amplified, the extrapolation, shots.
struct ZneOptions {
  std::vector<double> scales = {1.0, 2.0, 3.0};  ///< noise scales to run at (>= 1 when folding)
  NoiseScaling scaling = NoiseScaling::Folding;  ///< how the noise is amplified
  Folding folding = Folding::Global;             ///< which gates are folded (Folding scaling)
  Extrapolation extrapolation = Extrapolation::richardson();  ///< the fit read at zero noise
  /// Random folding: circuits drawn per scale, whose results are averaged (Mitiq's num_to_average).
  int repetitions = 1;
  std::uint64_t seed = 0;  ///< seed of random folding and of the shot draws
  /// Measurements per circuit (0: exact expectation values).
  index_t shots = 0;
};

/// What zne() measured and extrapolated.
struct ZneResult {
  std::vector<double> mitigated;             ///< the zero-noise estimates, [batch, n_outputs]
  std::vector<double> scales;                ///< the scales reached (folding rounds to whole gates)
  std::vector<std::vector<double>> values;   ///< per scale: the noisy outputs [batch, n_outputs]
  index_t circuit_executions = 0;            ///< circuits run (per sample)
};

/// Runs `circuit` with `noise` at each scale and extrapolates every output of every sample to
/// zero noise. The readouts are any of Readout's kinds; the readout error of `noise`, if any, is
/// applied at every scale (it is not amplified: mitigate it separately, see readout_mitigation.hpp).
ZneResult zne(const Circuit& circuit, const std::vector<Readout>& readouts, const NoiseModel& noise,
              const std::vector<double>& inputs, index_t batch, const std::vector<double>& weights,
              const ZneOptions& options = {}, const RunOptions& run = {});

/// Adaptive exponential extrapolation (Mitiq's AdaExpFactory): starts at scales 1 and
/// `scale_factor`, then chooses each next scale from the exponent fitted so far, `steps` scales
/// in all, and returns the exponential fit's value at zero. `run_at(scale)` returns one value.
struct AdaptiveResult {
  double mitigated = 0.0;     ///< the exponential fit's value at zero noise
  ///@{
  /// The scales chosen, in order, and run_at's value at each.
  std::vector<double> scales, values;
  ///@}
};
/// Runs the adaptive exponential extrapolation described above. ValueError for `steps` below the
/// points the fit needs (3, or 2 with a known `asymptote`) or a `scale_factor` not above 1.
AdaptiveResult adaptive_exponential(const std::function<double(double)>& run_at, int steps = 4,
                                    double scale_factor = 2.0, std::optional<double> asymptote = std::nullopt);

}  // namespace tangle::algo
