// A circuit lowered to the few structural kinds the simulator executes. Precision- and
// batch-independent: built once per Program.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "tangle/ir/circuit.hpp"
#include "tangle/ir/noise_model.hpp"
#include "tangle/ir/observable.hpp"

namespace tangle::detail {

struct LoweredOp {
  enum class Kind : std::uint8_t {
    Matrix,              // fixed matrix on targets, controlled by `controls`
    PauliRotation,       // exp(-i angle/2 P), P = word on targets, controlled
    Phase,               // exp(i angle |1..1><1..1|) on targets (all of them must be 1); none = global
    SpecialUnitary,      // exp(i sum p_(offset+k) P_k) on targets, p weights or (per_sample) inputs
    Evolution,           // exp(-i angle H_b / 2), H_b from inputs [offset, offset + 4^k)
    AmplitudeEmbedding,  // initial state from inputs [offset, offset + count), padded, normalized
    StatePreparation,    // initial state from fixed amplitudes (in `matrix`)
    Channel,             // the channel `gate` on targets, strengths `strengths` (Kraus: `matrix`)
  };
  Kind kind = Kind::Matrix;
  std::vector<int> targets;  // qubits in matrix order (first = most significant local bit)
  std::vector<int> controls;
  std::vector<cdouble> matrix;
  std::vector<Pauli> word;
  Expr angle;
  index_t offset = 0;
  index_t count = 0;
  double pad = 0.0;
  bool normalize = true;
  bool per_sample = false;  // SpecialUnitary: its parameters are inputs
  int source = -1;  // index of the circuit op it came from
  Gate gate = Gate::I;           // Channel: which one
  std::vector<Expr> strengths;   // Channel: its strengths, in the gate's order

  bool has_parameters() const {
    switch (kind) {
      case Kind::Matrix:
      case Kind::StatePreparation: return false;
      case Kind::PauliRotation:
      case Kind::Phase: return !angle.is_constant();
      case Kind::SpecialUnitary:
      case Kind::Evolution:
      case Kind::AmplitudeEmbedding: return true;
      case Kind::Channel:
        for (const Expr& e : strengths)
          if (!e.is_constant()) return true;
        return false;
    }
    return false;
  }
};

struct LoweredProgram;
class HermitianExpCache;  // dense_math.hpp
struct MeasuredProgram;   // readout_error.hpp

/// A value computed on first use and kept between calls. Copies start empty: a copy is usually
/// modified (parameter shifts, measurement programs), so it must not inherit the original's.
template <typename T>
struct LazySlot {
  LazySlot() = default;
  LazySlot(const LazySlot&) {}
  LazySlot& operator=(const LazySlot&) {
    value.reset();
    return *this;
  }
  std::mutex mutex;
  std::shared_ptr<T> value;
};

struct LoweredProgram {
  int n_qubits = 0;
  index_t n_weights = 0;
  index_t n_inputs = 0;
  std::vector<LoweredOp> ops;
  std::vector<Readout> readouts;
  index_t n_outputs = 0;
  bool has_channels = false;  // some op is a Channel: only the mixed-state backends run it
  /// Segments of mutually commuting ops (see schedule.hpp): one past the last op of each.
  /// Empty means one op per segment.
  std::vector<size_t> segment_ends;
  /// The Clifford-absorbed, scheduled form (executor.cpp), computed once per program.
  mutable LazySlot<const LoweredProgram> optimized;
  /// A training step's forward and backward calls see the same weights: their SpecialUnitary
  /// exponentials are computed once (executor.cpp).
  mutable LazySlot<HermitianExpCache> exponentials;
  /// Readout error per wire (identity where a wire reads perfectly); empty when no wire has one.
  /// The outputs are then a fixed linear map of the outputs of `measured`, the same ops with
  /// readouts the error does not touch (readout_error.cpp, applied in execute()).
  std::vector<ReadoutConfusion> readout_error;
  mutable LazySlot<const MeasuredProgram> measured;
};

LoweredProgram lower(const Circuit& circuit, const std::vector<Readout>& readouts);

}  // namespace tangle::detail
