/// @file
/// A small seeded generator whose streams are the same on every platform and standard library
/// (std::*_distribution are not), so that a seed reproduces weights, shots and shuffles exactly.
#pragma once

#include <cmath>
#include <cstdint>

namespace tangle {

/// SplitMix64 (Steele, Lea and Flood; Vigna's constants): a 64-bit state advanced by a fixed odd
/// increment and scrambled by xor-shift-multiply rounds. Every draw below is built on next() alone.
class SplitMix64 {
 public:
  /// A stream determined by `seed` (any value, 0 included).
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  /// The next 64 uniformly distributed bits.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 0.0;
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }

  /// Uniform integer in [0, n) (n > 0), without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }

 private:
  std::uint64_t state_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace tangle
