/// @file
/// Bit tricks for amplitude indexing.
#pragma once

#include <bit>
#include <cstdint>

namespace tangle {

/// Inserts a zero bit at position `pos` of `k` (bits at and above `pos` move up by one).
constexpr std::uint64_t insert_zero_bit(std::uint64_t k, int pos) {
  const std::uint64_t low = k & ((std::uint64_t{1} << pos) - 1);
  return ((k >> pos) << (pos + 1)) | low;
}

/// Inserts zero bits at the sorted (ascending) positions `pos[0..count)`.
constexpr std::uint64_t insert_zero_bits(std::uint64_t k, const int* pos, int count) {
  for (int i = 0; i < count; ++i) k = insert_zero_bit(k, pos[i]);
  return k;
}

/// 1 when `x` has an odd number of set bits, else 0.
constexpr int parity(std::uint64_t x) { return std::popcount(x) & 1; }

/// Spreads the low bits of `k` onto the set bits of `mask` (a software pdep).
constexpr std::uint64_t deposit_bits(std::uint64_t k, std::uint64_t mask) {
  std::uint64_t out = 0;
  for (std::uint64_t bit = 1; mask != 0; bit <<= 1) {
    const std::uint64_t lowest = mask & (~mask + 1);
    if (k & bit) out |= lowest;
    mask ^= lowest;
  }
  return out;
}

/// Gathers the bits of `x` at the set bits of `mask` into the low bits (a software pext).
constexpr std::uint64_t extract_bits(std::uint64_t x, std::uint64_t mask) {
  std::uint64_t out = 0;
  for (std::uint64_t bit = 1; mask != 0; bit <<= 1) {
    const std::uint64_t lowest = mask & (~mask + 1);
    if (x & lowest) out |= bit;
    mask ^= lowest;
  }
  return out;
}

}  // namespace tangle
