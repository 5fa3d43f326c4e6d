/// @file
/// Text drawings of circuits, one line per wire.
#pragma once

#include <string>
#include <vector>

#include "tangle/ir/circuit.hpp"
#include "tangle/ir/observable.hpp"

namespace tangle {

/// How draw() renders a circuit.
struct DrawOptions {
  bool unicode = true;    ///< box-drawing characters; ASCII when false
  int max_width = 0;      ///< wrap into blocks of at most this many columns; 0 = no wrapping
  int decimals = 2;       ///< digits of numeric angles
};

/// The circuit as text: one row per wire, ops packed into columns (an op goes in the first column
/// after every op it shares a wire with), controls as dots joined to their targets, angles as
/// their formulas (w[0], 0.5*x[1]) and readouts at the right.
std::string draw(const Circuit& circuit, const std::vector<Readout>& readouts = {}, const DrawOptions& options = {});

}  // namespace tangle
