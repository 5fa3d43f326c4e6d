// Readout error as a linear map. A program whose wires misread runs its ops with readouts the
// error does not touch (the "measured" program), and its outputs are a fixed linear map M of
// theirs; execute() applies it in one place, to outputs, standard errors and cotangents alike.
//
// On a wire q with confusion C_q = P(measured | true), a measured bit m has
// E[(-1)^m] = a_q + c_q Z_q, a_q = P(0|1) - P(1|0), c_q = 1 - P(0|1) - P(1|0) (and the same with
// X or Y, measured in their eigenbases). So:
//  - an expectation value reads the observable with each factor P_q on a misreading wire
//    replaced by a_q + c_q P_q (a word on w such wires becomes up to 2^w words): one readout, so
//    trajectory estimates keep their exact standard error;
//  - probabilities and projectors on wires W read probs(W) and multiply by the Kronecker
//    product of the wires' confusion matrices (a projector keeps one row of it).
// Hermitian readouts on misreading wires are refused (they have no per-wire measurement).
#pragma once

#include <cstdint>
#include <vector>

#include "executor.hpp"

namespace tangle::detail {

/// Outputs [out, out + n_out) of one readout from measured outputs [raw, raw + n_raw).
struct ReadoutBlock {
  index_t raw = 0, n_raw = 0;
  index_t out = 0, n_out = 0;
  /// Empty: a copy. Otherwise the confusion matrix of each wire of probs(W) (wires[0] first).
  std::vector<ReadoutConfusion> confusion;
  index_t pick = -1;  // a projector: the basis state of W whose row it keeps
};

struct MeasuredProgram {
  LoweredProgram program;  // the same ops, the measured readouts, no readout error
  std::vector<ReadoutBlock> blocks;
};

/// ValueError when a readout cannot see the readout error (a Hermitian matrix on a misreading wire).
void check_readout_error(const std::vector<Readout>& readouts, const std::vector<ReadoutConfusion>& error);

/// The measured program of `program` (which has a readout error), built once and kept.
const MeasuredProgram& measured_program(const LoweredProgram& program);

/// Runs `request` on the measured program and maps its outputs, standard errors and cotangents.
void execute_with_readout_error(const LoweredProgram& program, const RunOptions& options, const ExecRequest& request);

}  // namespace tangle::detail
