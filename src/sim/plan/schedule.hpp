// Groups a program's ops into segments of mutually commuting ops, moving each op as early as
// the ops it commutes with allow, and merging rotations about the same Pauli word.
//
// Inside a segment every op commutes with every other, so the gradient of each of its ops can be
// read at the segment's end, <lambda| G |psi> with both states taken there, and a diagonal
// segment's rotations can be applied as one phase per basis state.
#pragma once

#include "sim/lowered.hpp"

namespace tangle::detail {

/// The scheduled program; out.segment_ends[s] is one past the last op of segment s.
LoweredProgram schedule_commuting(const LoweredProgram& program);

/// The program without the ops that cannot change any output: trailing ops that commute with
/// every readout and every op kept after them (a last layer of Z rotations before Z readouts,
/// say). Their parameters' gradients are zero, as for any parameter no op uses.
LoweredProgram drop_unobserved(const LoweredProgram& program);

/// True if the op is diagonal in the computational basis.
bool is_diagonal(const LoweredOp& op);

}  // namespace tangle::detail
