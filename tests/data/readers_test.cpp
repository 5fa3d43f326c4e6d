// Readers: IDX and CSV files (gzip and raw) written by the tests themselves, malformed files, the
// embedded digits, the built-in registry, and (when present) the shared MNIST subset and UCI tables.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/core/random.hpp"
#include "tangle/data/dataset.hpp"
#include "error_message.hpp"

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;
using tangle::RuntimeError;
using tangle::ValueError;
namespace td = tangle::data;

namespace {

// --- helpers -----------------------------------------------------------------------------------

using tangle::test::error_of;
using tangle::test::has;

/// A fresh directory under the system temp dir, removed at the end of the test.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("tangle_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write(const std::string& name, const Bytes& bytes) const {
    std::ofstream out(path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(out.good());
    return path(name);
  }
  std::string write(const std::string& name, const std::string& text) const {
    return write(name, Bytes(text.begin(), text.end()));
  }
  /// gzip-compresses `bytes` into `name`.
  std::string write_gz(const std::string& name, const Bytes& bytes) const {
    gzFile f = gzopen(path(name).c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (!bytes.empty()) {
      EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    }
    EXPECT_EQ(gzclose(f), Z_OK);
    return path(name);
  }
  std::string write_gz(const std::string& name, const std::string& text) const {
    return write_gz(name, Bytes(text.begin(), text.end()));
  }

  fs::path dir_;
};

void put32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
}

Bytes idx(std::uint32_t magic, const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes b;
  put32(b, magic);
  for (auto d : dims) put32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

/// Pixel (i, r, c) of the synthetic images: distinct, spanning 0..255.
unsigned char pixel(int i, int r, int c) { return static_cast<unsigned char>((i * 97 + r * 31 + c * 7) % 256); }

Bytes images_idx(int n, int rows, int cols) {
  Bytes data;
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) data.push_back(pixel(i, r, c));
  return idx(0x803, {std::uint32_t(n), std::uint32_t(rows), std::uint32_t(cols)}, data);
}

Bytes labels_idx(const Bytes& labels) { return idx(0x801, {std::uint32_t(labels.size())}, labels); }

void expect_pixels(const td::Dataset& d, int n, int rows, int cols) {
  ASSERT_EQ(d.features.sizes(), (std::vector<std::int64_t>{n, rows, cols}));
  ASSERT_EQ(d.features.scalar_type(), torch::kFloat32);
  auto a = d.features.accessor<float, 3>();
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) ASSERT_EQ(a[i][r][c], float(pixel(i, r, c))) << i << " " << r << " " << c;
}

std::vector<std::int64_t> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kInt64).contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

const std::string kSharedData = TANGLE_SHARED_DATA_DIR;
const std::string kSourceDir = TANGLE_SOURCE_DIR;

// --- IDX -----------------------------------------------------------------------------------

using IdxTest = TempDirTest;

TEST_F(IdxTest, ReadsRawAndGzipFiles) {
  const Bytes labels = {2, 0, 7};
  const auto raw_img = write("img", images_idx(3, 2, 5));
  const auto raw_lab = write("lab", labels_idx(labels));
  const auto gz_img = write_gz("img.gz", images_idx(3, 2, 5));
  const auto gz_lab = write_gz("lab.gz", labels_idx(labels));
  for (const auto& [img, lab] : std::vector<std::pair<std::string, std::string>>{
           {raw_img, raw_lab}, {gz_img, gz_lab}, {raw_img, gz_lab}, {gz_img, raw_lab}}) {
    SCOPED_TRACE(img + " + " + lab);
    const td::Dataset d = td::read_idx(img, lab);
    expect_pixels(d, 3, 2, 5);
    ASSERT_EQ(d.labels.scalar_type(), torch::kInt64);
    EXPECT_EQ(to_vector(d.labels), (std::vector<std::int64_t>{2, 0, 7}));
    // Class names "0".."max label".
    EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7"}));
    EXPECT_EQ(d.size(), 3);
  }
  EXPECT_EQ(td::read_idx(gz_img, gz_lab).name, "img");
}

TEST_F(IdxTest, KeepsTheFullByteRange) {
  Bytes data(256);
  for (int i = 0; i < 256; ++i) data[i] = static_cast<unsigned char>(i);
  const auto img = write("img", idx(0x803, {4, 8, 8}, data));
  const auto lab = write("lab", labels_idx({0, 255, 1, 3}));
  const td::Dataset d = td::read_idx(img, lab);
  EXPECT_EQ(d.features.min().item<float>(), 0.0f);
  EXPECT_EQ(d.features.max().item<float>(), 255.0f);
  EXPECT_EQ(d.features[3][7][7].item<float>(), 255.0f);
  EXPECT_EQ(d.features[1][0][1].item<float>(), 65.0f);
  EXPECT_EQ(d.n_classes(), 256);
  EXPECT_EQ(d.class_names[255], "255");
}

TEST_F(IdxTest, WrongMagicNumbers) {
  const auto img = write("img", images_idx(3, 2, 5));
  const auto lab = write("lab", labels_idx({1, 2, 3}));
  // Files swapped.
  std::string m = error_of<ValueError>([&] { td::read_idx(lab, img); });
  EXPECT_TRUE(has(m, lab + ": magic number 0x00000801 is not an IDX image file (0x00000803)"));
  const auto img2 = write("img2", images_idx(3, 2, 5));
  m = error_of<ValueError>([&] { td::read_idx(img, img2); });
  EXPECT_TRUE(has(m, img2 + ": magic number 0x00000803 is not an IDX label file (0x00000801)"));
  // Not IDX at all (a text file).
  const auto text = write("text", std::string("hello, world\n"));
  m = error_of<ValueError>([&] { td::read_idx(text, lab); });
  EXPECT_TRUE(has(m, text + ": magic number 0x68656c6c is not an IDX image file"));
  // IDX of floats (type 0x0D).
  const auto floats = write("floats", idx(0xD03, {1, 1, 1}, {0, 0, 0, 0}));
  m = error_of<ValueError>([&] { td::read_idx(floats, lab); });
  EXPECT_TRUE(has(m, "magic number 0x00000d03"));
  EXPECT_TRUE(has(m, "only unsigned bytes (0x08)"));
}

TEST_F(IdxTest, WrongDimensionCounts) {
  const auto lab = write("lab", labels_idx({1, 2}));
  const auto img2d = write("img2d", idx(0x802, {2, 4}, Bytes(8, 1)));
  std::string m = error_of<ValueError>([&] { td::read_idx(img2d, lab); });
  EXPECT_TRUE(has(m, img2d + ": magic number 0x00000802 is not an IDX image file (0x00000803)"));
  EXPECT_TRUE(has(m, "it has 2 dimensions, an IDX image file has 3"));
  const auto img = write("img", images_idx(2, 2, 2));
  const auto lab2d = write("lab2d", idx(0x802, {2, 1}, {1, 2}));
  m = error_of<ValueError>([&] { td::read_idx(img, lab2d); });
  EXPECT_TRUE(has(m, "it has 2 dimensions, an IDX label file has 1"));
  const auto img4d = write("img4d", idx(0x804, {1, 1, 2, 2}, Bytes(4, 1)));
  m = error_of<ValueError>([&] { td::read_idx(img4d, lab); });
  EXPECT_TRUE(has(m, "it has 4 dimensions"));
}

TEST_F(IdxTest, TruncatedAndOversizedFiles) {
  const auto lab = write("lab", labels_idx({1, 2, 3}));
  Bytes short_img = images_idx(3, 2, 5);
  short_img.pop_back();
  auto img = write("short", short_img);
  std::string m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, img + ": truncated: header says 3 images of 2x5 but the file has 29 bytes of pixels (expected 30)"));
  // The same through gzip.
  img = write_gz("short.gz", short_img);
  m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, img + ": truncated: header says 3 images of 2x5"));

  Bytes long_img = images_idx(3, 2, 5);
  long_img.push_back(0);
  long_img.push_back(0);
  img = write("long", long_img);
  m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, img + ": 2 unexpected trailing bytes"));

  const auto good_img = write("img", images_idx(3, 2, 5));
  const auto short_lab = write("short_lab", idx(0x801, {3}, {1, 2}));
  m = error_of<ValueError>([&] { td::read_idx(good_img, short_lab); });
  EXPECT_TRUE(has(m, short_lab + ": truncated: header says 3 labels but the file has 2 bytes of labels (expected 3)"));

  // Header cut short, or not even a magic number.
  img = write("half_header", Bytes{0, 0, 8, 3, 0, 0, 0, 3, 0, 0});
  m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, img + ": truncated: the IDX header needs 16 bytes but the file has 10"));
  img = write("tiny", Bytes{0, 0});
  m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, img + ": truncated: 2 bytes, too short for an IDX header"));
  img = write("empty", Bytes{});
  m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, "0 bytes, too short"));

  // A header claiming 2^32-1 images of 65535x65535 pixels: an error, not an allocation.
  img = write("huge", idx(0x803, {0xffffffffu, 0xffffu, 0xffffu}, Bytes(10, 0)));
  m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, "truncated: header says 4294967295 images of 65535x65535 but the file has 10 bytes"));
}

TEST_F(IdxTest, EveryTruncationIsAnError) {
  const Bytes img = images_idx(2, 3, 3);
  const Bytes lab = labels_idx({4, 5});
  const auto good_img = write("img", img);
  const auto good_lab = write("lab", lab);
  ASSERT_EQ(td::read_idx(good_img, good_lab).size(), 2);
  for (std::size_t n = 0; n < img.size(); ++n) {
    const auto p = write("cut_img", Bytes(img.begin(), img.begin() + static_cast<long>(n)));
    EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_idx(p, good_lab); }), p + ": ")) << n;
  }
  for (std::size_t n = 0; n < lab.size(); ++n) {
    const auto p = write("cut_lab", Bytes(lab.begin(), lab.begin() + static_cast<long>(n)));
    EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_idx(good_img, p); }), p + ": ")) << n;
  }
}

TEST_F(IdxTest, ZeroDimension) {
  const auto img = write("img", idx(0x803, {3, 0, 5}, {}));
  const auto lab = write("lab", labels_idx({1, 2, 3}));
  const std::string m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, img + ": dimension 1 of the IDX header is 0"));
}

TEST_F(IdxTest, ImageAndLabelCountsMustMatch) {
  const auto img = write("img", images_idx(3, 2, 2));
  const auto lab = write("lab", labels_idx({1, 2}));
  const std::string m = error_of<ValueError>([&] { td::read_idx(img, lab); });
  EXPECT_TRUE(has(m, img + ": 3 images but 2 labels in " + lab));
}

TEST_F(IdxTest, CorruptOrTruncatedGzip) {
  const auto lab = write("lab", labels_idx({1, 2, 3}));
  write_gz("full.gz", images_idx(3, 20, 20));
  std::ifstream in(path("full.gz"), std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(gz.size(), 40u);
  // Cut in the middle of the deflate stream.
  const auto cut = write("cut.gz", Bytes(gz.begin(), gz.begin() + static_cast<long>(gz.size() / 2)));
  std::string m = error_of<ValueError>([&] { td::read_idx(cut, lab); });
  EXPECT_TRUE(has(m, cut + ": truncated or corrupt gzip data"));
  // Garbage in the deflate stream.
  Bytes bad = gz;
  for (std::size_t i = 12; i < bad.size() - 8; ++i) bad[i] = static_cast<unsigned char>(bad[i] ^ 0x5a);
  const auto corrupt = write("corrupt.gz", bad);
  m = error_of<ValueError>([&] { td::read_idx(corrupt, lab); });
  EXPECT_TRUE(has(m, corrupt + ": ")) << m;
  EXPECT_TRUE(has(m, "gzip")) << m;
}

TEST_F(IdxTest, MissingFilesAreRuntimeErrors) {
  const auto lab = write("lab", labels_idx({1}));
  std::string m = error_of<RuntimeError>([&] { td::read_idx(path("nope.gz"), lab); });
  EXPECT_TRUE(has(m, path("nope.gz") + ": no such file"));
  m = error_of<RuntimeError>([&] { td::read_idx(dir_.string(), lab); });
  EXPECT_TRUE(has(m, "is a directory"));
}

TEST_F(IdxTest, ReadsAnMnistFolder) {
  write_gz("train-images-idx3-ubyte.gz", images_idx(5, 3, 4));
  write("train-labels-idx1-ubyte", labels_idx({0, 1, 2, 3, 1}));
  write("t10k-images-idx3-ubyte", images_idx(2, 3, 4));
  write_gz("t10k-labels-idx1-ubyte.gz", labels_idx({4, 0}));
  const td::Split s = td::read_idx_folder(dir_.string());
  expect_pixels(s.train, 5, 3, 4);
  expect_pixels(s.test, 2, 3, 4);
  EXPECT_EQ(to_vector(s.train.labels), (std::vector<std::int64_t>{0, 1, 2, 3, 1}));
  EXPECT_EQ(to_vector(s.test.labels), (std::vector<std::int64_t>{4, 0}));
  // Both splits know every class of either.
  const std::vector<std::string> names = {"0", "1", "2", "3", "4"};
  EXPECT_EQ(s.train.class_names, names);
  EXPECT_EQ(s.test.class_names, names);
  const std::string base = dir_.filename().string();
  EXPECT_EQ(s.train.name, base + "/train");
  EXPECT_EQ(s.test.name, base + "/test");
  EXPECT_EQ(td::read_idx_folder(dir_.string() + "/").train.name, base + "/train");
}

TEST_F(IdxTest, FolderListsMissingFiles) {
  write_gz("train-images-idx3-ubyte.gz", images_idx(1, 1, 1));
  write("t10k-labels-idx1-ubyte", labels_idx({0}));
  const std::string m = error_of<RuntimeError>([&] { td::read_idx_folder(dir_.string()); });
  EXPECT_TRUE(has(m, dir_.string() + ": missing MNIST file(s): train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]"));
  EXPECT_FALSE(has(m, "train-images"));
  EXPECT_FALSE(has(m, "t10k-labels"));
  const std::string m2 = error_of<RuntimeError>([&] { td::read_idx_folder(path("no_such_dir")); });
  EXPECT_TRUE(has(m2, path("no_such_dir") + ": no such directory"));
}

TEST(MnistSubset, ReadsTheSharedFolder) {
  const std::string dir = kSharedData + "/mnist-subset";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " not present";
  const td::Split s = td::read_idx_folder(dir);
  ASSERT_EQ(s.train.features.sizes(), (std::vector<std::int64_t>{6000, 28, 28}));
  ASSERT_EQ(s.test.features.sizes(), (std::vector<std::int64_t>{2000, 28, 28}));
  EXPECT_EQ(s.train.size(), 6000);
  EXPECT_EQ(s.test.size(), 2000);
  EXPECT_EQ(s.train.n_classes(), 10);
  EXPECT_EQ(s.test.n_classes(), 10);
  for (const td::Dataset* d : {&s.train, &s.test}) {
    EXPECT_EQ(d->features.min().item<float>(), 0.0f);
    EXPECT_EQ(d->features.max().item<float>(), 255.0f);
    EXPECT_TRUE(torch::equal(d->features, d->features.round())) << "pixels are integers";
    const auto counts = torch::bincount(d->labels, {}, 10);
    EXPECT_EQ(counts.size(0), 10);
    EXPECT_GT(counts.min().item<std::int64_t>(), 0) << "every class is present";
    EXPECT_EQ(counts.sum().item<std::int64_t>(), d->size());
    // A real digit: ink in the centre, blank corners on average.
    EXPECT_GT(d->features.mean().item<float>(), 10.0f);
    EXPECT_LT(d->features.index({torch::indexing::Slice(), 0, 0}).max().item<float>(), 1.0f);
  }
}

// --- CSV -----------------------------------------------------------------------------------

using CsvTest = TempDirTest;

TEST_F(CsvTest, HeaderFormat) {
  const std::string text = "3,2,small,large\n1.5,-2,0\n0.25, 3e2 ,1\n7,8,1\n";
  for (const auto& p : {write("t.csv", text), write_gz("t.csv.gz", text)}) {
    SCOPED_TRACE(p);
    const td::Dataset d = td::read_csv(p);
    ASSERT_EQ(d.features.sizes(), (std::vector<std::int64_t>{3, 2}));
    ASSERT_EQ(d.features.scalar_type(), torch::kFloat32);
    ASSERT_EQ(d.labels.scalar_type(), torch::kInt64);
    const auto expected = torch::tensor({1.5f, -2.0f, 0.25f, 300.0f, 7.0f, 8.0f}).reshape({3, 2});
    EXPECT_TRUE(torch::equal(d.features, expected)) << d.features;
    EXPECT_EQ(to_vector(d.labels), (std::vector<std::int64_t>{0, 1, 1}));
    EXPECT_EQ(d.class_names, (std::vector<std::string>{"small", "large"}));
    EXPECT_EQ(d.name, "t");
  }
}

TEST_F(CsvTest, HeaderlessFormat) {
  const std::string text = "1,2,3,0\r\n4,5,6.5,2\r\n\r\n-1,0,1e-2,2\r\n\n";
  const td::Dataset d = td::read_csv(write("plain.csv", text));
  ASSERT_EQ(d.features.sizes(), (std::vector<std::int64_t>{3, 3}));
  EXPECT_TRUE(torch::equal(d.features, torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.5f, -1.f, 0.f, 0.01f}).reshape({3, 3})));
  EXPECT_EQ(to_vector(d.labels), (std::vector<std::int64_t>{0, 2, 2}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2"}));
}

TEST_F(CsvTest, NumericClassNamesInTheHeader) {
  // All-numeric first line whose shape is a header: 2 rows, 3 features, classes "5", "7", "9"
  // (5 columns, then rows of 4).
  const td::Dataset d = td::read_csv(write("n.csv", std::string("2,3,5,7,9\n1,2,3,1\n4,5,6,0\n")));
  ASSERT_EQ(d.features.sizes(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"5", "7", "9"}));
  EXPECT_EQ(to_vector(d.labels), (std::vector<std::int64_t>{1, 0}));
}

TEST_F(CsvTest, BadCells) {
  auto p = write("bad.csv", std::string("2,2,a,b\n1,2,0\n3,abc,1\n"));
  std::string m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 3, column 2: 'abc' is not a number"));

  p = write("bad2.csv", std::string("1,2,0\n3,,1\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2, column 2: empty cell"));

  p = write("nan.csv", std::string("1,nan,0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 1, column 2: 'nan' is not a finite number"));

  p = write("big.csv", std::string("1,2,0\n1e39,2,0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2, column 1: '1e39' is out of range for float32"));

  // Underflow is not an error: it rounds to zero.
  p = write("tiny.csv", std::string("1e-60,2,0\n"));
  EXPECT_EQ(td::read_csv(p).features[0][0].item<float>(), 0.0f);

  // A bad cell on the first line of a headerless file is reported as such.
  p = write("first.csv", std::string("1,x2,3,0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 1, column 2: 'x2' is not a number"));

  // Binary junk is shown escaped.
  p = write("bin.csv", Bytes{'1', ',', 0x01, 0xff, ',', '0', '\n'});
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, "'\\x01\\xff' is not a number"));
}

TEST_F(CsvTest, ColumnCounts) {
  auto p = write("cols.csv", std::string("3,2,a,b\n1,2,0\n1,2\n"));
  std::string m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 3: 2 columns, expected 3 (2 features and a label)"));
  p = write("cols2.csv", std::string("1,2,3,0\n1,2,3,4,0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2: 5 columns, expected 4 (3 features and a label)"));
  p = write("one.csv", std::string("5\n6\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 1: 1 column"));
}

TEST_F(CsvTest, Labels) {
  auto p = write("range.csv", std::string("2,1,a,b\n1,1\n1,2\n"));
  std::string m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 3, column 2: label 2 is out of range: the header names 2 classes"));
  p = write("neg.csv", std::string("1,0\n1,-1\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2, column 2: label -1 is negative"));
  p = write("frac.csv", std::string("1,0\n1,1.5\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2, column 2: label '1.5' is not an integer"));
  p = write("word.csv", std::string("1,0\n1,cat\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2, column 2: label 'cat' is not a number"));
  p = write("huge.csv", std::string("1,0\n1,100000000\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2, column 2: label 100000000 is too large for a file without a header"));
  // An integral float label is accepted.
  EXPECT_EQ(to_vector(td::read_csv(write("f.csv", std::string("1,2.0\n"))).labels), std::vector<std::int64_t>{2});
}

TEST_F(CsvTest, DeclaredRowCount) {
  auto p = write("rows.csv", std::string("4,1,a\n1,0\n2,0\n3,0\n"));
  std::string m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": the header declares 4 rows but the file has 3"));
  p = write("rows2.csv", std::string("1,1,a\n1,0\n2,0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, "the header declares 1 rows but the file has 2"));
  p = write("only.csv", std::string("5,1,a\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": the header declares 5 rows but the file has none"));
}

TEST_F(CsvTest, BadHeaders) {
  auto p = write("h.csv", std::string("x,2,a,b\n1,2,0\n"));
  std::string m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 1, column 1: 'x' is not a number (and line 1 is neither a header of column names nor"));
  p = write("dup.csv", std::string("1,1,a,a\n1,0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 1, column 4: duplicate class name 'a'"));
  // Absurd declared sizes are errors, not allocations.
  p = write("wide.csv", std::string("1000000000000,1000000000000,a\n1,0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 2: 2 columns, expected 1000000000001"));
  p = write("nofeat.csv", std::string("1,0,a\n0\n"));
  m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": line 1: the header declares 0 features"));
}

TEST_F(CsvTest, EmptyAndMissingFiles) {
  auto p = write("empty.csv", std::string("\n  \n"));
  std::string m = error_of<ValueError>([&] { td::read_csv(p); });
  EXPECT_TRUE(has(m, p + ": empty file"));
  m = error_of<RuntimeError>([&] { td::read_csv(path("missing.csv")); });
  EXPECT_TRUE(has(m, path("missing.csv") + ": no such file"));
}

TEST_F(CsvTest, MutatedFilesNeverCrash) {
  // Random byte edits of a valid file: each read either succeeds with a consistent data set or
  // raises ValueError naming the file; nothing else.
  const std::string good = "4,3,x,y,z\n1.5,2,3,0\n-4,5e1,6,2\n7,8,.9,1\n0,0,0,2\n";
  const std::string alphabet = "0123456789,,,\n\n.-+eE xa\r\t";
  tangle::SplitMix64 rng(2024);
  int ok = 0, errors = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string text = good;
    const int edits = 1 + static_cast<int>(rng.below(3));
    for (int e = 0; e < edits; ++e) {
      const auto at = rng.below(text.size());
      switch (rng.below(3)) {
        case 0: text[at] = alphabet[rng.below(alphabet.size())]; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(at, 1, alphabet[rng.below(alphabet.size())]); break;
      }
    }
    const auto p = write(trial % 2 == 0 ? "m.csv" : "m.csv.gz", text);
    try {
      const td::Dataset d = td::read_csv(p);
      ++ok;
      ASSERT_EQ(d.features.dim(), 2) << text;
      ASSERT_EQ(d.features.size(0), d.labels.size(0)) << text;
      ASSERT_GE(d.labels.min().item<std::int64_t>(), 0) << text;
      ASSERT_LT(d.labels.max().item<std::int64_t>(), d.n_classes()) << text;
      ASSERT_TRUE(torch::isfinite(d.features).all().item<bool>()) << text;
    } catch (const ValueError& e) {
      ++errors;
      ASSERT_TRUE(has(e.what(), p + ": ")) << text;
    }
  }
  EXPECT_GT(ok, 10);
  EXPECT_GT(errors, 100);
}

TEST(UciTables, ReadsTheSharedFiles) {
  const std::string dir = kSharedData + "/uci";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " not present";
  const td::Dataset iris = td::read_csv(dir + "/iris.csv");
  ASSERT_EQ(iris.features.sizes(), (std::vector<std::int64_t>{150, 4}));
  EXPECT_EQ(iris.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_TRUE(torch::equal(iris.features[0], torch::tensor({5.1f, 3.5f, 1.4f, 0.2f})));
  EXPECT_TRUE(torch::equal(iris.features[149], torch::tensor({5.9f, 3.0f, 5.1f, 1.8f})));
  EXPECT_TRUE(torch::equal(torch::bincount(iris.labels), torch::tensor({50, 50, 50}, torch::kInt64)));
  EXPECT_EQ(iris.name, "iris");
  const td::Dataset wine = td::read_csv(dir + "/wine_data.csv");
  EXPECT_EQ(wine.features.sizes(), (std::vector<std::int64_t>{178, 13}));
  EXPECT_EQ(wine.n_classes(), 3);
  const td::Dataset cancer = td::read_csv(dir + "/breast_cancer.csv");
  EXPECT_EQ(cancer.features.sizes(), (std::vector<std::int64_t>{569, 30}));
  EXPECT_EQ(cancer.class_names, (std::vector<std::string>{"malignant", "benign"}));
}

// --- embedded digits ---------------------------------------------------------------------------

TEST(EmbeddedDigits, ShapeValuesAndFirstImage) {
  const td::Dataset d = td::embedded_digits();
  ASSERT_EQ(d.features.sizes(), (std::vector<std::int64_t>{1797, 8, 8}));
  ASSERT_EQ(d.features.scalar_type(), torch::kFloat32);
  ASSERT_EQ(d.labels.sizes(), (std::vector<std::int64_t>{1797}));
  EXPECT_EQ(d.features.min().item<float>(), 0.0f);
  EXPECT_EQ(d.features.max().item<float>(), 16.0f);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  EXPECT_GT(torch::bincount(d.labels, {}, 10).min().item<std::int64_t>(), 170);
  EXPECT_EQ(d.name, "digits");
  const std::vector<float> first = {0, 0, 5,  13, 9,  1,  0, 0, 0, 0, 13, 15, 10, 15, 5,  0, 0, 3, 15, 2, 0, 11,
                                    8, 0, 0,  4,  12, 0,  0, 8, 8, 0, 0,  5,  8,  0,  0,  9, 8, 0, 0,  4, 11, 0,
                                    1, 12, 7, 0,  0,  2,  14, 5, 10, 12, 0, 0, 0, 0, 6,  13, 10, 0, 0, 0};
  EXPECT_TRUE(torch::equal(d.features[0], torch::tensor(first).reshape({8, 8}))) << d.features[0];
  EXPECT_EQ(d.labels[0].item<std::int64_t>(), 0);
  EXPECT_EQ(d.labels[1].item<std::int64_t>(), 1);
  EXPECT_EQ(d.features[1][0][3].item<float>(), 12.0f);
}

TEST(EmbeddedDigits, MatchesTheCsvFile) {
  const std::string csv = kSourceDir + "/data/digits.csv.gz";
  if (!fs::exists(csv)) GTEST_SKIP() << csv << " not present";
  const td::Dataset file = td::read_csv(csv);
  ASSERT_EQ(file.features.sizes(), (std::vector<std::int64_t>{1797, 64}));
  EXPECT_EQ(file.name, "digits");
  const td::Dataset emb = td::embedded_digits();
  EXPECT_TRUE(torch::equal(file.features.reshape({1797, 8, 8}), emb.features));
  EXPECT_TRUE(torch::equal(file.labels, emb.labels));
  EXPECT_EQ(file.class_names, emb.class_names);
}

TEST(Builtin, DigitsAndUnknownNames) {
  EXPECT_EQ(td::builtin_names(), std::vector<std::string>{"digits"});
  const td::Dataset d = td::builtin("digits");
  EXPECT_TRUE(torch::equal(d.features, td::embedded_digits().features));
  const std::string m = error_of<ValueError>([] { td::builtin("mnist"); });
  EXPECT_TRUE(has(m, "unknown data set 'mnist'"));
  EXPECT_TRUE(has(m, "digits"));
}

// A header of column names, as most CSV files have: label and features chosen by name, text
// labels sorted into classes, integer labels kept.
TEST_F(CsvTest, HeaderOfColumnNames) {
  const std::string text = "a, b ,\"label\",c\n1,2,dog,3\n4,5,cat,6\n7,8,dog,9\n";
  td::Dataset d = td::read_csv(write("named.csv", text), {"label", {}});
  ASSERT_EQ(d.features.sizes(), (std::vector<std::int64_t>{3, 3}));
  EXPECT_TRUE(torch::equal(d.features, torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f}).reshape({3, 3})));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(to_vector(d.labels), (std::vector<std::int64_t>{1, 0, 1}));

  d = td::read_csv(write("named2.csv", text), {"a", {"c", "b"}});  // the label and features by name, in that order
  EXPECT_TRUE(torch::equal(d.features, torch::tensor({3.f, 2.f, 6.f, 5.f, 9.f, 8.f}).reshape({3, 2})));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7"}));
  EXPECT_EQ(to_vector(d.labels), (std::vector<std::int64_t>{1, 4, 7}));

  // Default: the last column is the label.
  d = td::read_csv(write("last.csv", std::string("x,y,label\n0.5,1,1\n2,3,0\n")));
  EXPECT_EQ(to_vector(d.labels), (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(d.features.size(1), 2);
}

TEST_F(CsvTest, HeaderOfColumnNamesErrors) {
  const std::string p = write("named.csv", std::string("a,b,label\n1,2,x\n3,4\n"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(p); }), p + ": line 3: 2 columns, expected 3"));
  const std::string q = write("ok.csv", std::string("a,b,label\n1,2,x\n3,oops,y\n"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(q); }), q + ": line 3, column 2: 'oops' is not a number"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(q, {"lable", {}}); }),
                  "no column 'lable' for the label (columns: a, b, label)"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(q, {"", {"a", "label"}}); }), "'label' is the label, not a feature"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(q, {"", {"a", "a"}}); }), "'a' is named twice"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(write("dup.csv", std::string("a,a,l\n1,2,3\n"))); }),
                  "line 1, column 2: duplicate column name 'a'"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(write("rows.csv", std::string("a,label\n"))); }), "no rows"));
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(write("empty.csv", std::string("a,label\n1,\n"))); }),
                  "line 2, column 2: empty label"));
  // Columns by name need a header of names.
  EXPECT_TRUE(has(error_of<ValueError>([&] { td::read_csv(write("plain.csv", std::string("1,2,0\n")), {"label", {}}); }),
                  "line 1 does not name the columns"));
}

}  // namespace
