// Bad arguments to the data layer's transforms and readers, as a table: each call must throw
// ValueError (MemoryError for sizes past memory) naming the bad value; never a LibTorch error,
// a crash or a silent answer. The transforms' own tests pin their usual errors; these are the
// extremes (NaN, infinities, sizes past memory, out-of-range integers).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/data/dataset.hpp"
#include "error_message.hpp"

namespace tangle::data {
namespace {

using test::expect_refused;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const float kInfF = std::numeric_limits<float>::infinity();

Dataset images() {
  Dataset d;
  d.features = ::torch::rand({4, 4, 4});
  d.labels = ::torch::tensor(std::vector<std::int64_t>{0, 1, 0, 1}, ::torch::kInt64);
  d.class_names = {"a", "b"};
  d.name = "toy";
  return d;
}

TEST(ApiBoundaryData, TransformsRefuseExtremeValues) {
  const Dataset d = images();
  expect_refused({
      BAD("-9", avg_pool(d, -9)),
      BAD("1099511627776", avg_pool(d, std::int64_t{1} << 40)),
      BAD("inf", normalize(d, 0.0f, kInfF)),
      BAD("nan", normalize(d, 0.0f, std::nanf(""))),
      BAD("inf", normalize(d, kInfF, 1.0f)),
      BAD("inf", scale(d, kInfF)),
      BAD("nan", scale(d, std::nanf(""))),
      BAD("nan", split(d, kNaN, 1)),
      BAD("-0.5", split(d, -0.5, 1)),
      BAD("-1", select_classes(d, {-1})),
      BAD("9223372036854775807", select_classes(d, {std::numeric_limits<std::int64_t>::max()})),
      BAD("-1", Pca::fit(d, -1)),
      BAD("1099511627776", Pca::fit(d, std::int64_t{1} << 40)),
      BAD("4", d.subset(::torch::tensor(std::vector<std::int64_t>{4}, ::torch::kInt64))),
      BAD("-5", d.subset(::torch::tensor(std::vector<std::int64_t>{-5}, ::torch::kInt64))),
  });
}

TEST(ApiBoundaryData, ImagesPaddedPastMemoryAreRefusedBeforeTheyAreAllocated) {
  // LibTorch's own error was a size overflow with a backtrace; now the figure and the limit.
  expect_refused<MemoryError>({
      BAD("padding the images of 'toy' by 1099511627776 pixels needs", pad(images(), std::int64_t{1} << 40)),
      BAD("by 100000 pixels needs 596.1 GiB", pad(images(), 100000)),
  });
}

TEST(ApiBoundaryData, ReadersNameTheMissingOrWrongPath) {
  // A path that cannot be read is the machine's state, not a bad value: RuntimeError.
  const std::string missing = "/nonexistent/tangle-boundary";
  const std::string folder = ::testing::TempDir();
  expect_refused<RuntimeError>({
      BAD(missing + "/a.csv", read_csv(missing + "/a.csv")),
      BAD(folder, read_csv(folder)),
      BAD(missing + "/i.idx", read_idx(missing + "/i.idx", missing + "/l.idx")),
      BAD(missing, read_idx_folder(missing)),
  });
  expect_refused({BAD("nope", builtin("nope"))});
  // Columns named for a file that has no header of names.
  expect_refused({BAD("label", read_csv(std::string(TANGLE_SOURCE_DIR) + "/tests/fuzz/corpus/csv/" +
                                            "plain", CsvColumns{"label", {}}))});
}

}  // namespace
}  // namespace tangle::data
