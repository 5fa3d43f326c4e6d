#include "geometry.hpp"

#include <algorithm>
#include <bit>

#include "tangle/core/error.hpp"

namespace tangle::detail {

Geometry Geometry::make(int n_qubits, index_t batch, int lanes) {
  Geometry g;
  g.n = n_qubits;
  g.lanes = lanes;
  g.batch = batch;
  const int lane_bits = std::countr_zero(static_cast<unsigned>(lanes));
  if (batch >= lanes) {
    g.sb = lane_bits;
    g.lq = 0;
  } else {
    // Fewer samples than lanes: the lowest qubits fill the remaining lanes.
    const int sample_bits = std::bit_width(static_cast<std::uint64_t>(batch - 1));
    g.sb = sample_bits;
    g.lq = lane_bits - sample_bits;
    if (g.lq > n_qubits) {
      g.lq = n_qubits;
      g.sb = lane_bits - n_qubits;
    }
  }
  g.nvb = n_qubits - g.lq;
  g.n_vec = index_t{1} << g.nvb;
  g.samples_per_tile = index_t{1} << g.sb;
  g.n_tiles = (batch + g.samples_per_tile - 1) / g.samples_per_tile;
  return g;
}

Geometry Geometry::sub_block(std::uint64_t mask) const {
  Geometry g = *this;
  g.vec_map.assign(static_cast<size_t>(nvb), -1);
  int local = 0;
  for (int b = 0; b < nvb; ++b)
    if (mask >> b & 1) g.vec_map[static_cast<size_t>(b)] = local++;
  g.nvb = local;
  g.n_vec = index_t{1} << local;
  return g;
}

TargetMap map_targets(const Geometry& geo, const std::vector<int>& targets, const std::vector<int>& controls) {
  TargetMap m;
  m.k = static_cast<int>(targets.size());
  std::vector<int> hi_bits, hi_local, lo_bits, lo_local;
  for (int t = 0; t < m.k; ++t) {
    const int q = targets[static_cast<size_t>(t)];
    const int local_bit = m.k - 1 - t;
    if (geo.in_lane(q)) {
      lo_bits.push_back(geo.lane_bit(q));
      lo_local.push_back(local_bit);
    } else {
      hi_bits.push_back(geo.vec_bit(q));
      hi_local.push_back(local_bit);
    }
  }
  m.kh = static_cast<int>(hi_bits.size());
  m.kl = static_cast<int>(lo_bits.size());
  m.offsets.assign(size_t{1} << m.kh, 0);
  m.loc_hi.assign(size_t{1} << m.kh, 0);
  for (size_t j = 0; j < m.offsets.size(); ++j) {
    for (int b = 0; b < m.kh; ++b) {
      if (j >> b & 1) {
        m.offsets[j] |= index_t{1} << hi_bits[static_cast<size_t>(b)];
        m.loc_hi[j] |= 1 << hi_local[static_cast<size_t>(b)];
      }
    }
  }
  m.loc_lo.assign(size_t{1} << m.kl, 0);
  m.lane_xor.assign(size_t{1} << m.kl, 0);
  for (size_t j = 0; j < m.loc_lo.size(); ++j) {
    for (int b = 0; b < m.kl; ++b) {
      if (j >> b & 1) {
        m.lane_xor[j] |= 1 << lo_bits[static_cast<size_t>(b)];
        m.loc_lo[j] |= 1 << lo_local[static_cast<size_t>(b)];
      }
    }
  }
  m.lo_of_lane.assign(static_cast<size_t>(geo.lanes), 0);
  for (int l = 0; l < geo.lanes; ++l) {
    int pattern = 0;
    for (int b = 0; b < m.kl; ++b)
      if (l >> lo_bits[static_cast<size_t>(b)] & 1) pattern |= 1 << b;
    m.lo_of_lane[static_cast<size_t>(l)] = pattern;
  }

  std::vector<int> ins = hi_bits;
  for (int c : controls) {
    if (geo.in_lane(c)) {
      m.lane_ctrl_mask |= 1 << geo.lane_bit(c);
    } else {
      ins.push_back(geo.vec_bit(c));
      m.groups_.fixed |= std::uint64_t{1} << geo.vec_bit(c);
    }
  }
  std::sort(ins.begin(), ins.end());
  TANGLE_DCHECK(ins.size() <= 64);
  m.groups_.n_ins = static_cast<int>(ins.size());
  std::copy(ins.begin(), ins.end(), m.groups_.ins);
  m.groups_.kh = m.kh;
  m.groups_.count = index_t{1} << (geo.nvb - m.groups_.n_ins);
  return m;
}

PauliMap map_pauli(const Geometry& geo, const std::vector<int>& targets, const std::vector<Pauli>& word,
                   const std::vector<int>& controls) {
  PauliMap pm;
  kernels::PauliIndex& p = pm.index;
  int zl = 0;
  for (size_t t = 0; t < targets.size(); ++t) {
    const int q = targets[t];
    const Pauli letter = word[t];
    const bool x = letter == Pauli::X || letter == Pauli::Y;
    const bool z = letter == Pauli::Z || letter == Pauli::Y;
    if (letter == Pauli::Y) ++pm.ny;
    if (geo.in_lane(q)) {
      if (x) p.xl |= 1 << geo.lane_bit(q);
      if (z) zl |= 1 << geo.lane_bit(q);
    } else {
      if (x) p.xv |= std::uint64_t{1} << geo.vec_bit(q);
      if (z) p.zv |= std::uint64_t{1} << geo.vec_bit(q);
    }
  }
  std::vector<int> ins;
  int lane_ctrl = 0;
  for (int c : controls) {
    if (geo.in_lane(c)) {
      lane_ctrl |= 1 << geo.lane_bit(c);
    } else {
      ins.push_back(geo.vec_bit(c));
      p.groups.fixed |= std::uint64_t{1} << geo.vec_bit(c);
    }
  }
  if (p.xv != 0) ins.push_back(std::countr_zero(p.xv));  // pair (v, v ^ xv) is visited from v
  std::sort(ins.begin(), ins.end());
  p.groups.n_ins = static_cast<int>(ins.size());
  std::copy(ins.begin(), ins.end(), p.groups.ins);
  p.groups.kh = 0;
  p.groups.count = index_t{1} << (geo.nvb - p.groups.n_ins);

  pm.lane_sign.assign(static_cast<size_t>(geo.lanes), 0.0);
  for (int l = 0; l < geo.lanes; ++l) {
    if ((l & lane_ctrl) != lane_ctrl) continue;
    pm.lane_sign[static_cast<size_t>(l)] = (std::popcount(static_cast<unsigned>((l ^ p.xl) & zl)) & 1) ? -1.0 : 1.0;
  }
  return pm;
}

}  // namespace tangle::detail
