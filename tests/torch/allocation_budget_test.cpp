// AllocationBudget: LibTorch allocations past the budget are refused before they are made, in the
// budget's thread only, and the allocator forwards unchanged once the budget ends.
#include "tangle/torch/allocation_budget.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include "tangle/core/error.hpp"

using tangle::torch::AllocationBudget;

TEST(AllocationBudget, RefusesTheAllocationThatCrossesTheLimitAndNamesIt) {
  AllocationBudget budget(std::uint64_t{1} << 20, "a test model");
  ::torch::Tensor small = ::torch::zeros({1000}, ::torch::kFloat32);  // 4,000 bytes
  EXPECT_GE(budget.used(), 4000u);
  const std::uint64_t before = budget.used();
  try {
    (void)::torch::empty({1000, 1000}, ::torch::kFloat32);  // 4 MB, past 1 MiB
    ADD_FAILURE() << "a 4 MB tensor was allocated under a 1 MiB budget";
  } catch (const tangle::MemoryError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("a test model needs at least 3.8 MiB"), std::string::npos) << m;
    EXPECT_NE(m.find("the limit is 1.0 MiB"), std::string::npos) << m;
  }
  EXPECT_EQ(budget.used(), before);  // the refused request is not counted
  // A layer whose weight alone is 60 TB, as a mistyped width asks for, is refused the same way.
  EXPECT_THROW(::torch::nn::Linear(784, 20000000000LL), tangle::MemoryError);
  EXPECT_EQ(small.sum().item<float>(), 0.0f);
}

TEST(AllocationBudget, OnlyTheBudgetsThreadIsCountedAndItEndsWithItsScope) {
  {
    AllocationBudget budget(std::uint64_t{1} << 16, "a small budget");
    std::thread other([] {
      ::torch::Tensor t = ::torch::ones({1 << 20}, ::torch::kFloat64);  // 8 MiB in another thread
      EXPECT_EQ(t.sum().item<double>(), double(1 << 20));
    });
    other.join();
    EXPECT_LT(budget.used(), std::uint64_t{1} << 16);
    EXPECT_THROW(AllocationBudget(0, "nested"), tangle::ValueError);
  }
  ::torch::Tensor after = ::torch::ones({1 << 20}, ::torch::kFloat64);  // no budget: allowed
  EXPECT_EQ(after.sum().item<double>(), double(1 << 20));
  AllocationBudget again(0, "the machine's memory");  // a new budget after the first ended
  ::torch::Tensor t = ::torch::ones({1 << 10});
  EXPECT_GE(again.used(), 4096u);
}
