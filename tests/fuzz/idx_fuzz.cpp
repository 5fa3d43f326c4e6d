// IDX image and label files (MNIST's format), raw or gzip-compressed. The input is split in two
// files: its first 4 bytes (little endian, modulo what is left) give the image file's length.
#include <cstring>

#include "fuzz_target.hpp"
#include "tangle/data/dataset.hpp"

TANGLE_FUZZ_TARGET {
  using namespace tangle;
  if (size < 4) return 0;
  std::uint32_t head = 0;
  std::memcpy(&head, data, 4);
  const std::size_t rest = size - 4, cut = head % (rest + 1);
  const std::string_view bytes = fuzz::as_text(data + 4, rest);
  const std::string images = fuzz::scratch_file("images-idx3-ubyte", bytes.substr(0, cut));
  const std::string labels = fuzz::scratch_file("labels-idx1-ubyte", bytes.substr(cut));
  try {
    const data::Dataset d = data::read_idx(images, labels);
    fuzz::require(d.features.size(0) == d.size(), "images and labels differ in count");
  } catch (const Error&) {
  }
  return 0;
}
