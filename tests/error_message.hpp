// The message of an expected exception, and a check that it names what it should.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <functional>
#include <string>
#include <typeinfo>
#include <vector>

#include "tangle/core/error.hpp"

namespace tangle::test {

/// The message of the `E` thrown by `f` (a test failure if nothing or something else is thrown).
template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << typeid(E).name() << ", got " << typeid(e).name() << ": " << e.what();
    return "<wrong exception>";
  }
  ADD_FAILURE() << "expected an exception, nothing was thrown";
  return "<no exception>";
}

/// Success if `message` contains `part`; the failure quotes both.
inline ::testing::AssertionResult has(const std::string& message, const std::string& part) {
  if (message.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "message \"" << message << "\" does not contain \"" << part << "\"";
}

/// One bad call of a boundary table: its source text (for the failure report), the call, and
/// what its message must name.
struct BadCall {
  const char* text;
  std::function<void()> call;
  std::string needle;
};

/// Every call of `table` must throw E (not another type, not nothing) with its needle in the message.
template <typename E = ValueError>
void expect_refused(const std::vector<BadCall>& table) {
  for (const BadCall& bad : table) {
    try {
      bad.call();
      ADD_FAILURE() << bad.text << ": nothing thrown";
    } catch (const E& e) {
      EXPECT_NE(std::string(e.what()).find(bad.needle), std::string::npos)
          << bad.text << ": message \"" << e.what() << "\" does not name \"" << bad.needle << "\"";
    } catch (const std::exception& e) {
      ADD_FAILURE() << bad.text << ": threw " << typeid(e).name() << " instead of " << typeid(E).name() << ": "
                    << e.what();
    }
  }
}

}  // namespace tangle::test

/// A BadCall of the expression `...` whose error message must contain `needle`.
#define BAD(needle, ...) ::tangle::test::BadCall{#__VA_ARGS__, [&] { (void)(__VA_ARGS__); }, needle}
