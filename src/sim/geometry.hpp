// How a batch of states is laid out in tiles (see kernels/kernels.hpp for the layout), and how
// an operation's wires map onto that layout.
#pragma once

#include <vector>

#include "kernels/kernels.hpp"
#include "tangle/ir/gate.hpp"
#include "tangle/core/types.hpp"

namespace tangle::detail {

/// The tiling of a batch: qubit q lives at storage bit n-1-q (so the storage index is the
/// wire-0-most-significant index); storage bits below `lq` are lane bits, the others vector bits.
struct Geometry {
  int n = 0;          // qubits
  int lanes = 0;      // L
  int lq = 0;         // amplitude bits inside the lanes
  int sb = 0;         // sample bits inside the lanes (lq + sb = log2 L)
  int nvb = 0;        // vector bits (n - lq)
  index_t n_vec = 0;  // vectors per tile
  index_t samples_per_tile = 0;
  index_t n_tiles = 0;
  index_t batch = 0;
  /// For a gathered sub-block: local position of each global vector bit (-1 if absent).
  std::vector<int> vec_map;

  static Geometry make(int n_qubits, index_t batch, int lanes);
  /// The geometry of a sub-block made of the global vector bits in `mask`, renumbered from 0.
  Geometry sub_block(std::uint64_t mask) const;

  int storage_bit(int q) const { return n - 1 - q; }
  bool in_lane(int q) const { return storage_bit(q) < lq; }
  int lane_bit(int q) const { return sb + storage_bit(q); }  // bit of the lane number
  int vec_bit(int q) const {
    const int global = storage_bit(q) - lq;
    return vec_map.empty() ? global : vec_map[static_cast<size_t>(global)];
  }
  int sample_slot(int lane) const { return lane & ((1 << sb) - 1); }
  int lane_amp(int lane) const { return lane >> sb; }
  /// Reals in one tile.
  index_t tile_reals() const { return n_vec * 2 * lanes; }
  /// Batch row of slot `s` of tile `t`; padding slots map to the last row.
  index_t row(index_t tile, int slot) const {
    const index_t r = tile * samples_per_tile + slot;
    return r < batch ? r : batch - 1;
  }
  bool valid(index_t tile, int slot) const { return tile * samples_per_tile + slot < batch; }
};

/// Targets (in matrix order) and controls of one operation, mapped onto a geometry.
/// Local indices of the 2^k x 2^k matrix have target 0 as their most significant bit.
struct TargetMap {
  int k = 0;
  int kh = 0;                    // targets on vector bits
  int kl = 0;                    // targets on lane bits
  std::vector<index_t> offsets;  // [2^kh] vector offset of each vector pattern
  std::vector<int> loc_hi;       // [2^kh] local-index bits of each vector pattern
  std::vector<int> loc_lo;       // [2^kl] local-index bits of each lane pattern
  std::vector<int> lane_xor;     // [2^kl] lane-number bits of each lane pattern
  std::vector<int> lo_of_lane;   // [L] lane pattern of each lane
  int lane_ctrl_mask = 0;        // lane-number bits that must be 1
  kernels::GroupIndex groups_;   // offsets pointer filled by groups()

  kernels::GroupIndex groups() const {
    kernels::GroupIndex g = groups_;
    g.offsets = offsets.data();
    return g;
  }
  bool lane_active(int lane) const { return (lane & lane_ctrl_mask) == lane_ctrl_mask; }
  int local(int hi, int lo) const { return loc_hi[static_cast<size_t>(hi)] | loc_lo[static_cast<size_t>(lo)]; }
};

TargetMap map_targets(const Geometry& geo, const std::vector<int>& targets, const std::vector<int>& controls);

/// A Pauli word on targets, controlled, mapped onto a geometry (for rotations, inner products, axpy).
struct PauliMap {
  kernels::PauliIndex index;
  std::vector<double> lane_sign;  // [L]: the lane part of the sign, 0 where controls fail
  int ny = 0;
};

PauliMap map_pauli(const Geometry& geo, const std::vector<int>& targets, const std::vector<Pauli>& word,
                   const std::vector<int>& controls);

/// Number of groups per reduction chunk: fixed by the geometry, never by the thread count.
inline index_t reduction_chunk(int vectors_per_group) {
  constexpr index_t kChunkVectors = 512;
  return vectors_per_group >= kChunkVectors ? 1 : kChunkVectors / vectors_per_group;
}

}  // namespace tangle::detail
