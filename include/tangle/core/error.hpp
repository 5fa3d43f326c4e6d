/// @file
/// Errors raised by tangle. Every message names the bad value.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tangle {

/// Common base of every error tangle throws: `catch (const tangle::Error&)` catches them all.
/// The concrete types also derive from the matching standard exception, so
/// `catch (const std::invalid_argument&)` and `catch (const std::exception&)` work too.
class Error {
 public:
  virtual ~Error() = default;
  /// The error's text (the same as the standard exception's what()).
  virtual const char* message() const noexcept = 0;
};

/// A bad argument: a qubit out of range, a repeated wire, a non-finite angle, a wrong width.
class ValueError : public std::invalid_argument, public Error {
 public:
  /// An error whose message is `what`.
  explicit ValueError(const std::string& what) : std::invalid_argument(what) {}
  /// what(): the message given to the constructor.
  const char* message() const noexcept override { return what(); }
};

/// A failure that is not the caller's argument: not enough memory, a file that cannot be read.
class RuntimeError : public std::runtime_error, public Error {
 public:
  /// An error whose message is `what`.
  explicit RuntimeError(const std::string& what) : std::runtime_error(what) {}
  /// what(): the message given to the constructor.
  const char* message() const noexcept override { return what(); }
};

/// A run that would need more memory than the limit (RunOptions::memory_limit) or than the machine
/// has available, refused before anything is allocated. Python raises it as MemoryError.
class MemoryError : public RuntimeError {
 public:
  /// An error whose message is `what`.
  explicit MemoryError(const std::string& what) : RuntimeError(what) {}
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << std::forward<Args>(args));
  return out.str();
}

/// "a, b, c" for the elements of a container (wire lists in messages).
template <typename Container>
std::string join(const Container& items, const char* separator = ", ") {
  std::ostringstream out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out << separator;
    out << item;
    first = false;
  }
  return out.str();
}
}  // namespace detail

}  // namespace tangle

/// Throws tangle::ValueError with the concatenated message when `cond` is false.
#define TANGLE_CHECK(cond, ...)                                          \
  do {                                                                   \
    if (!(cond)) throw ::tangle::ValueError(::tangle::detail::concat(__VA_ARGS__)); \
  } while (0)

/// Internal invariant; compiled out in release builds.
#ifndef NDEBUG
#define TANGLE_DCHECK(cond)                                                              \
  do {                                                                                   \
    if (!(cond))                                                                         \
      throw ::tangle::RuntimeError(::tangle::detail::concat("internal check failed: ", #cond, \
                                                            " at ", __FILE__, ":", __LINE__)); \
  } while (0)
#else
#define TANGLE_DCHECK(cond) \
  do {                      \
  } while (0)
#endif
