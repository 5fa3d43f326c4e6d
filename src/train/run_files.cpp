// The files of a run directory (run_files.hpp): durable writes, metrics lines, the run lock.
#include "run_files.hpp"

#include <zlib.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tangle/core/error.hpp"

namespace fs = std::filesystem;

namespace tangle::train {

namespace {

// Writes all of `bytes` to `fd` and fsyncs it; returns 0 or the errno of the first failure.
int write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    done += static_cast<std::size_t>(w);
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

}  // namespace

// fsync(2) of a folder, so that a rename or a new file in it survives a crash. Best effort where
// the file system cannot sync folders (EINVAL); an I/O error is reported.
void sync_directory(const fs::path& dir) {
  const std::string name = dir.empty() ? std::string(".") : dir.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  const int rc = ::fsync(fd), err = errno;
  ::close(fd);
  if (rc != 0 && err == EIO) throw RuntimeError(detail::concat("cannot sync folder ", name, ": ", std::strerror(err)));
}

void check_run_directory(const std::string& dir) {
  TANGLE_CHECK(fs::exists(dir), "run directory ", dir, " does not exist");
  TANGLE_CHECK(fs::is_directory(dir), dir, " is a file, not a run directory (a run directory holds config.json, "
               "checkpoint.pt, metrics.jsonl)");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(detail::concat("cannot read ", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Json read_json(const std::string& path) {
  try {
    return Json::parse(read_file(path));
  } catch (const Json::exception& e) {  // parse errors, and numbers past double's range
    throw ValueError(detail::concat(path, ": not valid JSON: ", e.what()));
  }
}

namespace {
// The little-endian field of `bytes` bytes at `at`; the caller has checked that it lies in `b`.
std::uint64_t le(const std::string& b, std::uint64_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::uint64_t>(i)]);
  return v;
}

constexpr std::uint64_t kZip64 = 0xFFFFFFFFu;  // a 32-bit field whose value is in the zip64 records
}  // namespace

void check_archive(const std::string& path, const std::string& b) {
  auto damaged = [&](const std::string& why) {
    return RuntimeError(detail::concat(path, ": not a readable checkpoint or model file (", why, ")"));
  };
  // The end-of-central-directory record: the last "PK\5\6" with a whole record after it.
  const std::size_t min_end = 22;
  if (b.size() < min_end) throw damaged("too short for a zip archive");
  std::size_t end = std::string::npos;
  for (std::size_t at = b.size() - min_end + 1; at-- > 0 && b.size() - at <= min_end + 65535;)
    if (b.compare(at, 4, "PK\x05\x06") == 0) {
      end = at;
      break;
    }
  if (end == std::string::npos) throw damaged("no zip directory at its end; the file is truncated or not an archive");
  std::uint64_t entries = le(b, end + 10, 2), dir_size = le(b, end + 12, 4), dir_at = le(b, end + 16, 4);
  // LibTorch writes zip64 records too, and its reader (miniz) takes the directory from the zip64
  // end record whenever a locator precedes the end record; so does this check (fuzz_model_file
  // found the check skipped, and a damaged record read, when the 32-bit fields said "zip64").
  if (end >= 20 && b.compare(end - 20, 4, "PK\x06\x07") == 0) {
    const std::uint64_t at64 = le(b, end - 20 + 8, 8);
    if (at64 > end - 20 || end - 20 - at64 < 56 || b.compare(at64, 4, "PK\x06\x06") != 0)
      throw damaged("its zip64 directory record is damaged");
    entries = le(b, at64 + 32, 8);
    dir_size = le(b, at64 + 40, 8);
    dir_at = le(b, at64 + 48, 8);
  } else if (entries == 0xFFFF || dir_size == kZip64 || dir_at == kZip64) {
    throw damaged("its zip64 directory record is missing");
  }
  if (dir_at > end || dir_size > end - dir_at) throw damaged("its zip directory lies outside the file");
  std::uint64_t at = dir_at;
  for (std::uint64_t e = 0; e < entries; ++e) {
    if (at + 46 > end || b.compare(at, 4, "PK\x01\x02") != 0) throw damaged(detail::concat("zip directory entry ", e, " is damaged"));
    const std::uint64_t method = le(b, at + 10, 2), crc = le(b, at + 16, 4), name_len = le(b, at + 28, 2),
                        extra = le(b, at + 30, 2), comment = le(b, at + 32, 2);
    std::uint64_t packed = le(b, at + 20, 4), size = le(b, at + 24, 4), local = le(b, at + 42, 4);
    if (at + 46 + name_len + extra + comment > end) throw damaged(detail::concat("zip directory entry ", e, " is damaged"));
    const std::string name = b.substr(at + 46, name_len);
    if (size == kZip64 || packed == kZip64 || local == kZip64) {
      // The zip64 extra field (id 1) holds, in this order, those of the three that are 0xFFFFFFFF.
      bool found = false;
      for (std::uint64_t x = at + 46 + name_len, x_end = x + extra; x + 4 <= x_end;) {
        const std::uint64_t id = le(b, x, 2), len = le(b, x + 2, 2), f_end = x + 4 + len;
        if (f_end > x_end) break;
        if (id == 1) {
          std::uint64_t f = x + 4;
          auto take = [&](std::uint64_t& v) {
            if (v != kZip64) return true;
            if (f + 8 > f_end) return false;
            v = le(b, f, 8);
            f += 8;
            return true;
          };
          found = take(size) && take(packed) && take(local);
          break;
        }
        x = f_end;
      }
      if (!found) throw damaged("record " + name + " lacks its zip64 sizes");
    }
    at += 46 + name_len + extra + comment;
    // LibTorch stores tensors uncompressed and deflates its TorchScript code records, whose text
    // its parser trusts (a damaged one crashed it: found by fuzz_model_file); it reads no other method.
    if (method != 0 && method != 8)
      throw damaged(detail::concat("record ", name, " is compressed with zip method ", method));
    if (local > b.size() || b.size() - local < 30 || b.compare(local, 4, "PK\x03\x04") != 0)
      throw damaged("record " + name + " is missing");
    const std::uint64_t data = local + 30 + le(b, local + 26, 2) + le(b, local + 28, 2);
    if ((method == 0 && packed != size) || data > b.size() || packed > b.size() - data)
      throw damaged("record " + name + " is truncated");
    const auto* p = reinterpret_cast<const Bytef*>(b.data() + data);
    std::string inflated;
    if (method == 8) {
      if (size > (std::uint64_t{64} << 20)) throw damaged(detail::concat("record ", name, " claims ", size, " bytes of code"));
      inflated.resize(size);
      z_stream z{};
      if (::inflateInit2(&z, -MAX_WBITS) != Z_OK) throw damaged("zlib cannot start");
      z.next_in = const_cast<Bytef*>(p);
      z.avail_in = static_cast<uInt>(std::min<std::uint64_t>(packed, ~uInt{0}));
      z.next_out = reinterpret_cast<Bytef*>(inflated.data());
      z.avail_out = static_cast<uInt>(size);
      const int rc = ::inflate(&z, Z_FINISH);
      const auto out = z.total_out;
      ::inflateEnd(&z);
      if (rc != Z_STREAM_END || out != size) throw damaged("record " + name + " does not inflate to its size");
      p = reinterpret_cast<const Bytef*>(inflated.data());
    }
    if (::crc32_z(0L, p, size) != crc) throw damaged("record " + name + " does not match its checksum");
  }
}

// Keeps the first `epochs` complete lines of metrics.jsonl: a run killed between writing a line and
// its checkpoint would otherwise repeat an epoch, and one killed during a write may leave a last
// line without its newline. The file then holds one line per epoch the checkpoint records.
void truncate_metrics(const std::string& path, std::int64_t epochs) {
  if (!fs::exists(path)) return;
  const std::string text = read_file(path);
  std::size_t end = 0;
  for (std::int64_t n = 0; n < epochs; ++n) {
    const std::size_t newline = text.find('\n', end);
    if (newline == std::string::npos) break;
    end = newline + 1;
  }
  if (end != text.size()) atomic_write(path, text.substr(0, end));
}

// Appends one line with a single write(2) and fsyncs it, so that it is on disk before the
// checkpoint that counts its epoch. A failed write is cut back off: the file ends with whole lines.
void append_line(const std::string& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw RuntimeError(detail::concat("cannot write ", path, ": ", std::strerror(errno)));
  struct stat before {};
  const bool sized = ::fstat(fd, &before) == 0;
  const std::string text = line + "\n";
  int err = write_all(fd, text);
  if (err != 0 && sized) (void)::ftruncate(fd, before.st_size);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) throw RuntimeError(detail::concat("cannot write ", path, ": ", std::strerror(err)));
  if (sized && before.st_size == 0) sync_directory(fs::path(path).parent_path());
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

void RunLock::acquire(const std::string& dir) {
  const std::string path = dir + "/" + kLockFile;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw RuntimeError(detail::concat("cannot open the lock file ", path, ": ", std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buffer[32] = {};
    const ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) throw RuntimeError(detail::concat("cannot lock ", path, ": ", std::strerror(err)));
    std::string pid = got > 0 ? std::string(buffer, static_cast<std::size_t>(got)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    throw ValueError(detail::concat("run directory ", dir, " is in use by another tangle process",
                                    pid.empty() ? std::string() : " (pid " + pid + ")",
                                    "; wait for it or train into another --out"));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    ::close(fd);
    throw RuntimeError(detail::concat("cannot write ", path, ": ", std::strerror(err)));
  }
  fd_ = fd;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp") != std::string::npos) fs::remove(entry.path(), ec);
  }
}

// True when `dir` holds nothing but (possibly) its lock file.
bool empty_but_lock(const std::string& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename() != kLockFile) return false;
  return true;
}

void atomic_write(const std::string& path, const std::string& bytes) {
  const fs::path target(path);
  // The rename would replace whatever the name is (as root, even /dev/null): only files are written.
  std::error_code ec;
  const fs::file_status status = fs::status(target, ec);
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    throw RuntimeError(detail::concat("cannot write ", path, ": it is ",
                                      fs::is_directory(status) ? "a directory" : "not a regular file (a device, a pipe or a socket)",
                                      "; nothing was written"));
  }
  std::string name = ".";  // appended piecewise: GCC 12 warns falsely about "." + string
  name += target.filename().string();
  name += ".tmp" + std::to_string(::getpid());
  const std::string tmp = (target.parent_path() / name).string();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw RuntimeError(detail::concat("cannot write ", path, ": cannot create ", tmp, ": ", std::strerror(errno),
                                      " (the previous file, if any, is unchanged)"));
  }
  // The data reaches the disk before the rename makes it the file: a crash leaves the old or the new file whole.
  int err = write_all(fd, bytes);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    std::remove(tmp.c_str());
    throw RuntimeError(
        detail::concat("cannot write ", path, ": ", std::strerror(err), " (the previous file, if any, is unchanged)"));
  }
  sync_directory(target.parent_path());  // the rename itself
}

}  // namespace tangle::train
