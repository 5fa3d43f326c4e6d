// What every fuzz target shares: the entry point libFuzzer calls, and the rule that bad input may
// only ever raise tangle's own errors (ValueError, RuntimeError) — anything else escaping, a
// crash, a sanitizer report, a hang or an allocation past the limit is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tangle/core/error.hpp"

#define TANGLE_FUZZ_TARGET extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)

namespace tangle::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A property of accepted input that must hold (a round trip): abort, which libFuzzer reports
/// with the input, when it does not.
void require(bool ok, const char* what);

/// Writes `bytes` to a file of this process's scratch folder and returns its path.
std::string scratch_file(const std::string& name, std::string_view bytes);

}  // namespace tangle::fuzz
