#include "tangle/torch/allocation_budget.hpp"

#include <c10/core/CPUAllocator.h>

#include <mutex>

#include "tangle/core/error.hpp"
#include "tangle/core/memory.hpp"

namespace tangle::torch {
namespace {

struct Budget {
  bool active = false;
  std::uint64_t limit = 0;
  std::uint64_t used = 0;
  bool available = false;  // the limit is the machine's available memory
  const std::string* what = nullptr;
};

thread_local Budget t_budget;

// Installed once, in front of the allocator LibTorch had, and never removed (tensors allocated
// through it may outlive any budget, and other threads may hold it): without an active budget in
// the calling thread it only forwards.
class BudgetAllocator final : public c10::Allocator {
 public:
  explicit BudgetAllocator(c10::Allocator* next) : next_(next) {}

  c10::DataPtr allocate(size_t n) const override {
    Budget& b = t_budget;
    if (b.active) {
      if (n > b.limit - b.used) {
        throw MemoryError(detail::concat(
            *b.what, " needs at least ", format_bytes(b.used + n), " (LibTorch asked for ", format_bytes(n),
            b.used == 0 ? " at once" : " after " + format_bytes(b.used), ") but ",
            b.available ? "only " + format_bytes(b.limit) + " are available" : "the limit is " + format_bytes(b.limit)));
      }
      b.used += n;
    }
    return next_->allocate(n);
  }

  c10::DeleterFnPtr raw_deleter() const override { return next_->raw_deleter(); }

 private:
  c10::Allocator* next_;
};

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    static BudgetAllocator allocator(c10::GetCPUAllocator());
    c10::SetCPUAllocator(&allocator, 0);
  });
}

}  // namespace

AllocationBudget::AllocationBudget(std::uint64_t limit, std::string what) : what_(std::move(what)) {
  TANGLE_CHECK(!t_budget.active, "an allocation budget is already active in this thread (", *t_budget.what,
               "); budgets do not nest");
  install();
  const bool available = limit == 0;
  if (available) limit = available_memory_bytes();
  if (limit == 0) limit = ~std::uint64_t{0};  // unknown: let the allocator decide
  t_budget = {true, limit, 0, available, &what_};
}

AllocationBudget::~AllocationBudget() { t_budget = {}; }

std::uint64_t AllocationBudget::used() const { return t_budget.used; }

}  // namespace tangle::torch
