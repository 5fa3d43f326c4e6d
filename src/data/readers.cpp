// Data set readers: IDX (MNIST) and CSV files, gzip-compressed or raw, and the embedded digits.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "tangle/core/error.hpp"
#include "tangle/data/dataset.hpp"

namespace tangle::data {

namespace embedded {
extern const unsigned char digits_csv_gz[];
extern const std::size_t digits_csv_gz_size;
}  // namespace embedded

namespace {

namespace fs = std::filesystem;
using detail::concat;

// --- bytes: gzip or raw ------------------------------------------------------------------------

/// The whole content of `path`, decompressed if it is gzip (zlib reads raw files transparently).
std::vector<unsigned char> read_bytes(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) throw RuntimeError(concat(path, ": no such file"));
  if (fs::is_directory(st)) throw RuntimeError(concat(path, ": is a directory, not a file"));
  // Size hint: a gzip file's trailer holds the uncompressed size (mod 2^32).
  std::size_t hint = std::size_t{1} << 20;
  if (const auto on_disk = fs::file_size(path, ec); !ec) {
    hint = static_cast<std::size_t>(on_disk) + 1;
    if (std::FILE* probe = std::fopen(path.c_str(), "rb")) {
      unsigned char magic[2] = {0, 0}, trailer[4] = {0, 0, 0, 0};
      if (on_disk >= 18 && std::fread(magic, 1, 2, probe) == 2 && magic[0] == 0x1f && magic[1] == 0x8b &&
          std::fseek(probe, -4, SEEK_END) == 0 && std::fread(trailer, 1, 4, probe) == 4) {
        hint = (std::size_t{trailer[0]} | std::size_t{trailer[1]} << 8 | std::size_t{trailer[2]} << 16 |
                std::size_t{trailer[3]} << 24) + 1;
        // The trailer of a truncated file is arbitrary bytes: trust it only within a sane ratio.
        hint = std::min(hint, 16 * static_cast<std::size_t>(on_disk) + 65536);
      }
      std::fclose(probe);
    }
  }

  errno = 0;
  gzFile raw = gzopen(path.c_str(), "rb");
  if (raw == nullptr) {
    throw RuntimeError(concat(path, ": cannot open: ", errno != 0 ? std::strerror(errno) : "out of memory"));
  }
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(raw, gzclose);
  // zlib's input buffer (its output buffer is twice that): large for big files, small for small ones.
  gzbuffer(raw, static_cast<unsigned>(std::clamp<std::size_t>(hint / 4, 8192, std::size_t{1} << 18)));

  std::vector<unsigned char> out;
  std::size_t used = 0;
  out.resize(std::max<std::size_t>(hint, 4096));
  constexpr std::size_t kMaxRead = std::size_t{1} << 30;
  for (;;) {
    if (out.size() == used) out.resize(out.size() * 2);
    const std::size_t want = std::min(out.size() - used, kMaxRead);
    const int got = gzread(raw, out.data() + used, static_cast<unsigned>(want));
    if (got < 0) {
      int code = Z_OK;
      const char* msg = gzerror(raw, &code);
      if (code == Z_ERRNO) throw RuntimeError(concat(path, ": read error: ", std::strerror(errno)));
      throw ValueError(concat(path, ": corrupt gzip data: ", msg));
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  int code = Z_OK;
  const char* msg = gzerror(raw, &code);
  if (code == Z_ERRNO) throw RuntimeError(concat(path, ": read error: ", std::strerror(errno)));
  if (code != Z_OK) {
    throw ValueError(concat(path, ": truncated or corrupt gzip data (", msg, ")"));
  }
  out.resize(used);
  return out;
}

/// Decompresses an in-memory gzip stream.
std::vector<unsigned char> gunzip(const unsigned char* data, std::size_t size, const std::string& what) {
  z_stream s{};
  if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) throw RuntimeError(concat(what, ": cannot initialise zlib"));
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&s, inflateEnd);
  s.next_in = const_cast<Bytef*>(data);
  s.avail_in = static_cast<uInt>(size);
  std::vector<unsigned char> out(std::max<std::size_t>(4 * size, 4096));
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    s.next_out = out.data() + used;
    s.avail_out = static_cast<uInt>(out.size() - used);
    const int rc = inflate(&s, Z_NO_FLUSH);
    used = out.size() - s.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && s.avail_in == 0) throw ValueError(concat(what, ": truncated gzip data"));
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw ValueError(concat(what, ": corrupt gzip data (", s.msg != nullptr ? s.msg : "zlib error", ")"));
    }
  }
  out.resize(used);
  return out;
}

std::vector<std::string> numbered_names(std::int64_t n) {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(n));
  for (std::int64_t c = 0; c < n; ++c) names.push_back(std::to_string(c));
  return names;
}

/// File name without directories, ".gz" and ".csv".
std::string stem_of(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  for (const std::string_view ext : {std::string_view(".gz"), std::string_view(".csv")}) {
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
      name.resize(name.size() - ext.size());
    }
  }
  return name;
}

// --- IDX -------------------------------------------------------------------------------------

struct IdxArray {
  std::vector<unsigned char> bytes;
  std::vector<std::uint64_t> dims;
  std::size_t offset = 0;  // first data byte
};

std::uint32_t big_endian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::string hex32(std::uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x00000000";
  for (int i = 0; i < 8; ++i) s[9 - i] = digits[(v >> (4 * i)) & 0xf];
  return s;
}

/// Reads an IDX file of unsigned bytes with `ndims` dimensions ("image" 3, "label" 1).
IdxArray read_idx_file(const std::string& path, std::size_t ndims, const char* kind) {
  IdxArray a;
  a.bytes = read_bytes(path);
  const auto& b = a.bytes;
  const std::uint32_t expected_magic = 0x0800u | static_cast<std::uint32_t>(ndims);
  if (b.size() < 4) {
    throw ValueError(concat(path, ": truncated: ", b.size(), " bytes, too short for an IDX header"));
  }
  const std::uint32_t magic = big_endian32(b.data());
  if (magic != expected_magic) {
    std::string why;
    if (b[0] == 0 && b[1] == 0 && b[2] == 0x08) {
      why = concat(": it has ", unsigned{b[3]}, " dimension", b[3] == 1 ? "" : "s", ", an IDX ", kind,
                   " file has ", ndims);
    } else if (b[0] == 0 && b[1] == 0 && b[3] == ndims) {
      why = concat(": its element type is 0x", hex32(b[2]).substr(8), ", only unsigned bytes (0x08) are supported");
    }
    throw ValueError(concat(path, ": magic number ", hex32(magic), " is not an IDX ", kind, " file (",
                            hex32(expected_magic), ")", why));
  }
  const std::size_t header = 4 + 4 * ndims;
  if (b.size() < header) {
    throw ValueError(concat(path, ": truncated: the IDX header needs ", header, " bytes but the file has ", b.size()));
  }
  for (std::size_t i = 0; i < ndims; ++i) {
    const std::uint32_t d = big_endian32(b.data() + 4 + 4 * i);
    if (d == 0) throw ValueError(concat(path, ": dimension ", i, " of the IDX header is 0; it must be positive"));
    a.dims.push_back(d);
  }
  a.offset = header;
  return a;
}

/// Checks that the data after the header holds exactly prod(dims) bytes.
void check_idx_length(const IdxArray& a, const std::string& path, const std::string& what, const char* unit) {
  std::uint64_t need = 1;
  bool overflow = false;
  for (const std::uint64_t d : a.dims) overflow = overflow || __builtin_mul_overflow(need, d, &need);
  const std::uint64_t have = a.bytes.size() - a.offset;
  if (overflow || have < need) {
    throw ValueError(concat(path, ": truncated: header says ", what, " but the file has ", have, " bytes of ", unit,
                            overflow ? std::string() : concat(" (expected ", need, ")")));
  }
  if (have > need) {
    throw ValueError(concat(path, ": ", have - need, " unexpected trailing byte", have - need == 1 ? "" : "s",
                            ": header says ", what, " (", need, " bytes of ", unit, ") but the file has ", have));
  }
}

Dataset read_idx_pair(const std::string& images_path, const std::string& labels_path) {
  const IdxArray img = read_idx_file(images_path, 3, "image");
  const std::uint64_t n = img.dims[0], rows = img.dims[1], cols = img.dims[2];
  check_idx_length(img, images_path, concat(n, " images of ", rows, "x", cols), "pixels");

  const IdxArray lab = read_idx_file(labels_path, 1, "label");
  check_idx_length(lab, labels_path, concat(lab.dims[0], " labels"), "labels");
  if (lab.dims[0] != n) {
    throw ValueError(concat(images_path, ": ", n, " images but ", lab.dims[0], " labels in ", labels_path));
  }

  const auto N = static_cast<std::int64_t>(n);
  Dataset d;
  d.features = ::torch::empty({N, static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)},
                              ::torch::kFloat32);
  float* f = d.features.data_ptr<float>();
  const unsigned char* px = img.bytes.data() + img.offset;
  const std::size_t total = n * rows * cols;
  for (std::size_t i = 0; i < total; ++i) f[i] = static_cast<float>(px[i]);

  d.labels = ::torch::empty({N}, ::torch::kInt64);
  std::int64_t* l = d.labels.data_ptr<std::int64_t>();
  const unsigned char* lb = lab.bytes.data() + lab.offset;
  std::int64_t max_label = 0;
  for (std::size_t i = 0; i < n; ++i) {
    l[i] = lb[i];
    max_label = std::max<std::int64_t>(max_label, lb[i]);
  }
  d.class_names = numbered_names(max_label + 1);
  d.name = stem_of(images_path);
  return d;
}

// --- CSV -------------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// A cell for an error message: quoted, printable, at most 40 characters.
std::string show(std::string_view cell) {
  std::string out = "'";
  for (std::size_t i = 0; i < cell.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(cell[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
  }
  if (cell.size() > 40) out += "...";
  return out + "'";
}

void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  for (;;) {
    const auto comma = line.find(',');
    fields.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
}

template <typename T>
bool parse_full(std::string_view s, T& value, std::errc* error = nullptr) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+' || s.front() == ' ') return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != nullptr) *error = r.ec;
  return r.ptr == s.data() + s.size() && (r.ec == std::errc() || r.ec == std::errc::result_out_of_range);
}

bool is_number(std::string_view s) {
  double v = 0;
  return parse_full(s, v);
}

bool is_count(std::string_view s, std::int64_t& value) {
  std::errc ec{};
  return parse_full(s, value, &ec) && ec == std::errc() && value >= 0;
}

struct Table {
  std::vector<float> values;
  std::vector<std::int64_t> labels;
  std::vector<std::string> class_names;
  std::int64_t features = 0;
};

constexpr std::int64_t kMaxHeaderlessClasses = 1 << 16;

// A feature cell as float32; `where()` prefixes the error ("FILE: line L, column C: ").
template <typename Where>
float feature_value(std::string_view cell, const Where& where) {
  float v = 0;
  std::errc ec{};
  if (cell.empty()) throw ValueError(concat(where(), "empty cell, expected a number"));
  if (!parse_full(cell, v, &ec)) throw ValueError(concat(where(), show(cell), " is not a number"));
  if (ec == std::errc::result_out_of_range) {
    // Underflow becomes 0 (or a subnormal); overflow is an error.
    double wide = 0;
    std::errc wide_ec{};
    if (!parse_full(cell, wide, &wide_ec) || wide_ec != std::errc() || !(std::abs(wide) < 1.0)) {
      throw ValueError(concat(where(), show(cell), " is out of range for float32"));
    }
    v = static_cast<float>(wide);
  }
  if (!std::isfinite(v)) throw ValueError(concat(where(), show(cell), " is not a finite number"));
  return v;
}

std::string unquoted(std::string_view name) {
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  return std::string(name);
}

// A file whose first line names its columns (`a,b,label`): the label column (by name, or the
// last), the feature columns (by name, or all others). Labels that are all non-negative integers
// are the classes; otherwise each distinct text is a class, in sorted order.
template <typename NextLine>
Table parse_named_csv(const std::vector<std::string_view>& header, NextLine&& next_line, const std::int64_t& line_no,
                      const std::string& source, const CsvColumns& want) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < header.size(); ++i) {
    names.push_back(unquoted(header[i]));
    if (std::count(names.begin(), names.end() - 1, names.back()) > 0)
      throw ValueError(concat(source, ": line 1, column ", i + 1, ": duplicate column name ", show(names.back())));
  }
  const std::string all = tangle::detail::join(names);
  auto column = [&](const std::string& name, const char* what) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
      throw ValueError(concat(source, ": no column ", show(name), " for the ", what, " (columns: ", all, ")"));
    return static_cast<std::size_t>(it - names.begin());
  };
  if (names.size() < 2) throw ValueError(concat(source, ": line 1: 1 column; a row needs at least one feature and a label"));
  const std::size_t label = want.label.empty() ? names.size() - 1 : column(want.label, "label");
  std::vector<std::size_t> features;
  for (const std::string& f : want.features) {
    features.push_back(column(f, "features"));
    if (features.back() == label) throw ValueError(concat(source, ": column ", show(f), " is the label, not a feature"));
    if (std::count(features.begin(), features.end(), features.back()) > 1)
      throw ValueError(concat(source, ": feature column ", show(f), " is named twice"));
  }
  if (want.features.empty())
    for (std::size_t i = 0; i < names.size(); ++i)
      if (i != label) features.push_back(i);

  Table t;
  t.features = static_cast<std::int64_t>(features.size());
  std::vector<std::string> label_text;
  std::vector<std::string_view> fields;
  std::string_view line;
  bool integers = true;
  std::int64_t max_label = -1;
  while (next_line(line)) {
    split_fields(line, fields);
    if (fields.size() != names.size())
      throw ValueError(concat(source, ": line ", line_no, ": ", fields.size(), " column", fields.size() == 1 ? "" : "s",
                              ", expected ", names.size(), " (the header names ", names.size(), ")"));
    for (std::size_t c : features)
      t.values.push_back(feature_value(fields[c], [&] { return concat(source, ": line ", line_no, ", column ", c + 1, ": "); }));
    const std::string_view cell = fields[label];
    if (cell.empty()) throw ValueError(concat(source, ": line ", line_no, ", column ", label + 1, ": empty label"));
    label_text.push_back(unquoted(cell));
    std::int64_t v = 0;
    std::errc ec{};
    if (integers && parse_full(cell, v, &ec) && ec == std::errc() && v >= 0 && v < kMaxHeaderlessClasses) {
      t.labels.push_back(v);
      max_label = std::max(max_label, v);
    } else {
      integers = false;
    }
  }
  if (label_text.empty()) throw ValueError(concat(source, ": the header names the columns but the file has no rows"));
  if (integers) {
    t.class_names = numbered_names(max_label + 1);
    return t;
  }
  t.class_names = label_text;
  std::sort(t.class_names.begin(), t.class_names.end());
  t.class_names.erase(std::unique(t.class_names.begin(), t.class_names.end()), t.class_names.end());
  t.labels.clear();
  for (const std::string& l : label_text)
    t.labels.push_back(std::lower_bound(t.class_names.begin(), t.class_names.end(), l) - t.class_names.begin());
  return t;
}

Table parse_csv(std::string_view text, const std::string& source, const CsvColumns& want = {}) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  // Physical lines, numbered from 1; blank lines are skipped.
  std::size_t pos = 0;
  std::int64_t line_no = 0;
  auto next_line = [&](std::string_view& line) {
    while (pos < text.size()) {
      const auto nl = text.find('\n', pos);
      const auto end = nl == std::string_view::npos ? text.size() : nl;
      line = text.substr(pos, end - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line_no;
      if (!trim(line).empty()) return true;
    }
    return false;
  };

  std::vector<std::string_view> fields;
  std::string_view line;
  if (!next_line(line)) throw ValueError(concat(source, ": empty file, no rows"));
  split_fields(line, fields);

  Table t;
  t.values.reserve(text.size() / 4);  // a guess: a cell and its comma take at least 2 bytes
  bool header = false;
  std::int64_t declared_rows = -1;
  std::size_t first_bad = fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!is_number(fields[i])) {
      first_bad = i;
      break;
    }
  }
  // Every cell a non-empty name: a header of column names.
  const bool named = std::all_of(fields.begin(), fields.end(), [](std::string_view f) { return !f.empty() && !is_number(f); });
  if (named) return parse_named_csv(fields, next_line, line_no, source, want);
  if (!want.label.empty() || !want.features.empty())
    throw ValueError(concat(source, ": a label or feature columns are chosen by name, but line 1 does not name "
                                    "the columns (expected a header like a,b,label)"));
  std::int64_t n_rows = 0, n_features = 0;
  const bool header_shape = fields.size() >= 3 && is_count(fields[0], n_rows) && is_count(fields[1], n_features);
  if (first_bad < fields.size()) {
    // A non-numeric cell on the first line: it must be the header "n_rows,n_features,names...".
    if (!header_shape || first_bad < 2) {
      throw ValueError(concat(source, ": line ", line_no, ", column ", first_bad + 1, ": ", show(fields[first_bad]),
                              " is not a number (and line ", line_no,
                              " is neither a header of column names nor \"n_rows,n_features,class names...\")"));
    }
    header = true;
  } else if (header_shape) {
    // All numeric: still a header (with numeric class names) if the next line has
    // n_features + 1 columns and this one does not.
    const std::size_t save_pos = pos;
    const std::int64_t save_no = line_no;
    std::string_view second;
    if (next_line(second)) {
      const auto cols = static_cast<std::int64_t>(std::count(second.begin(), second.end(), ',')) + 1;
      header = cols == n_features + 1 && cols != static_cast<std::int64_t>(fields.size());
    }
    pos = save_pos;
    line_no = save_no;
  }

  std::size_t columns = 0;
  if (header) {
    if (n_features < 1) throw ValueError(concat(source, ": line ", line_no, ": the header declares 0 features"));
    for (std::size_t i = 2; i < fields.size(); ++i) {
      const std::string name = unquoted(fields[i]);
      if (name.empty()) {
        throw ValueError(concat(source, ": line ", line_no, ", column ", i + 1, ": empty class name in the header"));
      }
      for (const auto& seen : t.class_names) {
        if (seen == name) {
          throw ValueError(concat(source, ": line ", line_no, ", column ", i + 1, ": duplicate class name ",
                                  show(name), " in the header"));
        }
      }
      t.class_names.emplace_back(name);
    }
    declared_rows = n_rows;
    columns = static_cast<std::size_t>(n_features) + 1;
    if (!next_line(line)) {
      throw ValueError(concat(source, ": the header declares ", n_rows, " rows but the file has none"));
    }
    split_fields(line, fields);
  } else {
    if (fields.size() < 2) {
      throw ValueError(concat(source, ": line ", line_no, ": 1 column; a row needs at least one feature and a label"));
    }
    columns = fields.size();
  }
  t.features = static_cast<std::int64_t>(columns) - 1;
  const std::int64_t n_classes = header ? static_cast<std::int64_t>(t.class_names.size()) : -1;

  std::int64_t max_label = -1;
  do {
    split_fields(line, fields);
    if (fields.size() != columns) {
      throw ValueError(concat(source, ": line ", line_no, ": ", fields.size(), " column",
                              fields.size() == 1 ? "" : "s", ", expected ", columns, " (", columns - 1,
                              " feature", columns == 2 ? "" : "s", " and a label)"));
    }
    for (std::size_t c = 0; c + 1 < columns; ++c)
      t.values.push_back(feature_value(fields[c], [&] { return concat(source, ": line ", line_no, ", column ", c + 1, ": "); }));
    const std::string_view cell = fields[columns - 1];
    const auto where = [&] { return concat(source, ": line ", line_no, ", column ", columns, ": "); };
    std::int64_t label = 0;
    std::errc ec{};
    if (!parse_full(cell, label, &ec) || ec != std::errc()) {
      double v = 0;
      if (cell.empty()) throw ValueError(concat(where(), "empty cell, expected an integer label"));
      if (!parse_full(cell, v)) throw ValueError(concat(where(), "label ", show(cell), " is not a number"));
      if (!(std::isfinite(v) && v == std::floor(v) && std::abs(v) < 9.0e15)) {
        throw ValueError(concat(where(), "label ", show(cell), " is not an integer in range"));
      }
      label = static_cast<std::int64_t>(v);
    }
    if (label < 0) throw ValueError(concat(where(), "label ", label, " is negative"));
    if (header && label >= n_classes) {
      throw ValueError(concat(where(), "label ", label, " is out of range: the header names ", n_classes,
                              " classes (labels 0..", n_classes - 1, ")"));
    }
    if (!header && label >= kMaxHeaderlessClasses) {
      throw ValueError(concat(where(), "label ", label, " is too large for a file without a header (at most ",
                              kMaxHeaderlessClasses, " classes)"));
    }
    max_label = std::max(max_label, label);
    t.labels.push_back(label);
  } while (next_line(line));

  const auto rows = static_cast<std::int64_t>(t.labels.size());
  if (header && rows != declared_rows) {
    throw ValueError(concat(source, ": the header declares ", declared_rows, " rows but the file has ", rows));
  }
  if (!header) t.class_names = numbered_names(max_label + 1);
  return t;
}

Dataset to_dataset(Table&& t, std::string name) {
  const auto n = static_cast<std::int64_t>(t.labels.size());
  Dataset d;
  d.features = ::torch::empty({n, t.features}, ::torch::kFloat32);
  std::copy(t.values.begin(), t.values.end(), d.features.data_ptr<float>());
  d.labels = ::torch::empty({n}, ::torch::kInt64);
  std::copy(t.labels.begin(), t.labels.end(), d.labels.data_ptr<std::int64_t>());
  d.class_names = std::move(t.class_names);
  d.name = std::move(name);
  return d;
}

std::string_view as_text(const std::vector<unsigned char>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

// --- public ----------------------------------------------------------------------------------

Dataset read_idx(const std::string& images_path, const std::string& labels_path) {
  return read_idx_pair(images_path, labels_path);
}

Split read_idx_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw RuntimeError(concat(dir, fs::exists(dir, ec) ? ": is not a directory" : ": no such directory"));
  }
  const char* names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"};
  std::string paths[4];
  std::string missing;
  for (int i = 0; i < 4; ++i) {
    // The uncompressed file wins when both exist.
    for (const char* ext : {"", ".gz"}) {
      const fs::path p = fs::path(dir) / (std::string(names[i]) + ext);
      if (paths[i].empty() && fs::is_regular_file(p, ec)) paths[i] = p.string();
    }
    if (paths[i].empty()) missing += concat(missing.empty() ? "" : ", ", names[i], "[.gz]");
  }
  if (!missing.empty()) throw RuntimeError(concat(dir, ": missing MNIST file(s): ", missing));

  Split s{read_idx_pair(paths[0], paths[1]), read_idx_pair(paths[2], paths[3])};
  // Both splits share the class names "0".."max label of either".
  const std::size_t n = std::max(s.train.class_names.size(), s.test.class_names.size());
  s.train.class_names = s.test.class_names = numbered_names(static_cast<std::int64_t>(n));

  fs::path folder = fs::absolute(dir, ec).lexically_normal();
  if (folder.filename().empty()) folder = folder.parent_path();  // "a/b/" -> "a/b"
  std::string base = folder.filename().string();
  if (base.empty()) base = "mnist";
  s.train.name = base + "/train";
  s.test.name = base + "/test";
  return s;
}

Dataset read_csv(const std::string& path, const CsvColumns& columns) {
  const std::vector<unsigned char> bytes = read_bytes(path);
  return to_dataset(parse_csv(as_text(bytes), path, columns), stem_of(path));
}

Dataset embedded_digits() {
  const std::string source = "embedded digits.csv.gz";
  const std::vector<unsigned char> bytes = gunzip(embedded::digits_csv_gz, embedded::digits_csv_gz_size, source);
  Dataset d = to_dataset(parse_csv(as_text(bytes), source), "digits");
  if (d.features.size(1) != 64 || d.n_classes() != 10) {
    throw RuntimeError(concat(source, ": expected 64 pixel columns and 10 classes, found ", d.features.size(1),
                              " and ", d.n_classes()));
  }
  d.features = d.features.reshape({d.size(), 8, 8});
  return d;
}

std::vector<std::string> builtin_names() { return {"digits"}; }

Dataset builtin(const std::string& name) {
  if (name == "digits") return embedded_digits();
  std::string known;
  for (const auto& n : builtin_names()) known += concat(known.empty() ? "" : ", ", n);
  throw ValueError(concat("unknown data set '", name, "'; known data sets: ", known));
}

}  // namespace tangle::data
