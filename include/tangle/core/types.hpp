/// @file
/// Basic types shared by every layer.
#pragma once

#include <complex>
#include <cstdint>
#include <string_view>

namespace tangle {

/// Signed 64-bit count or index: batch sizes, parameter offsets, amplitude indices (torch's int64).
using index_t = std::int64_t;
/// Double-precision complex number: matrix entries, amplitudes returned by the API.
using cdouble = std::complex<double>;

/// Amplitude precision of a simulation: complex64 (F32) or complex128 (F64).
enum class Precision { F32, F64 };

/// "f32" or "f64": the name the CLI and Python options use for `p`.
constexpr std::string_view precision_name(Precision p) { return p == Precision::F32 ? "f32" : "f64"; }

/// Largest register the simulator accepts; 2^40 amplitudes is far beyond any single machine.
constexpr int kMaxQubits = 40;

/// Largest dense block (Unitary, SpecialUnitary, Evolution, Hermitian readout): 2^10 x 2^10.
constexpr int kMaxDenseQubits = 10;

}  // namespace tangle
