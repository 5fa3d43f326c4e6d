// The message of an expected exception, and a check that it names what it should.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <typeinfo>

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

}  // namespace tangle::test
