// CSV tables in the three formats read_csv() knows, raw or gzip-compressed. The first input byte
// chooses columns by name (bit 0: label column "label", bit 1: features "a" and "b"); the rest is
// the file.
#include "fuzz_target.hpp"
#include "tangle/data/dataset.hpp"

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  if (size < 1) return 0;
  data::CsvColumns columns;
  if (data[0] & 1) columns.label = "label";
  if (data[0] & 2) columns.features = {"a", "b"};
  const std::string path = fuzz::scratch_file("table.csv", fuzz::as_text(data + 1, size - 1));
  try {
    const data::Dataset d = data::read_csv(path, columns);
    fuzz::require(d.features.size(0) == d.size(), "features and labels differ in count");
    if (d.size() > 0) {
      const auto max_label = d.labels.max().item<std::int64_t>();
      fuzz::require(d.labels.min().item<std::int64_t>() >= 0 && max_label < d.n_classes(),
                    "a label outside 0 .. classes - 1");
    }
  } catch (const Error&) {
  }
  return 0;
}
