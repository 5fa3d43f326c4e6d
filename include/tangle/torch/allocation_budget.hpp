/// @file
/// A cap on what LibTorch may allocate on the CPU while a scope runs in this thread: layers are
/// sized by configuration values (a width of 10^11 is one typo away), and LibTorch asks the system
/// for whatever a constructor needs before anything could check it.
#pragma once

#include <cstdint>
#include <string>

namespace tangle::torch {

/// While alive, every LibTorch CPU allocation made by this thread is counted, and one that would
/// take the total past `limit` bytes (0: the machine's available memory when the budget starts)
/// throws MemoryError naming `what`, the bytes asked for so far and the limit, before it is made.
/// Other threads are unaffected. Frees are not subtracted: the count is of bytes requested, an
/// upper bound of what the scope holds at once. Budgets do not nest (ValueError).
class AllocationBudget {
 public:
  /// Starts counting this thread's LibTorch allocations against `limit` bytes (0: the available
  /// memory now); `what` names the work in the MemoryError ("model qtl with {...}").
  AllocationBudget(std::uint64_t limit, std::string what);
  /// Ends the budget: this thread's allocations are no longer counted.
  ~AllocationBudget();
  AllocationBudget(const AllocationBudget&) = delete;
  AllocationBudget& operator=(const AllocationBudget&) = delete;

  /// Bytes LibTorch allocated in this thread since the budget started.
  std::uint64_t used() const;

 private:
  std::string what_;
};

}  // namespace tangle::torch
