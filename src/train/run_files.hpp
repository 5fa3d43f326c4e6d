// The files of a run directory: reading them, writing them so that a crash leaves the old or the
// new file whole (atomic_write in trainer.hpp), appending metrics lines, and the lock that keeps a
// second `tangle train` out of a directory being trained.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "tangle/train/trainer.hpp"

namespace tangle::train {

/// ValueError unless `dir` exists and is a directory (saying when it is a file).
void check_run_directory(const std::string& dir);

std::string read_file(const std::string& path);
/// ValueError naming the file when it is not valid JSON.
Json read_json(const std::string& path);

/// Checks a checkpoint or model file (a LibTorch archive: a zip of stored records) against the
/// CRC-32 of every record before LibTorch reads it. LibTorch's reader skips these checks, and a
/// damaged length inside a record then asks it for gigabytes; a damaged file is refused here
/// (RuntimeError naming the file and the record). Archives past zip's 4 GiB fields are not checked.
void check_archive(const std::string& path, const std::string& bytes);

/// fsync(2) of a folder, so that a rename or a new file in it survives a crash (best effort where
/// the file system cannot sync folders; an I/O error is a RuntimeError).
void sync_directory(const std::filesystem::path& dir);

/// Keeps the first `epochs` complete lines of metrics.jsonl: one line per epoch the checkpoint
/// records (a run killed after writing a line but before its checkpoint, or during a write, leaves
/// more or a torn last line).
void truncate_metrics(const std::string& path, std::int64_t epochs);

/// Appends one line with a single write(2) and fsyncs it; a failed write is cut back off.
void append_line(const std::string& path, const std::string& line);

/// The lock file of a run directory. flock(2) on it marks the directory as being trained; the
/// kernel releases it when the process ends in any way (SIGKILL too), so a lock is never stale.
inline constexpr const char* kLockFile = ".lock";

class RunLock {
 public:
  RunLock() = default;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();
  bool held() const { return fd_ >= 0; }

  /// Locks `dir` (which exists) or throws ValueError naming the process that holds it; then
  /// removes temporary files left by a killed writer (no other process writes here now).
  void acquire(const std::string& dir);

 private:
  int fd_ = -1;
};

/// True when `dir` holds nothing but (possibly) its lock file.
bool empty_but_lock(const std::string& dir);

}  // namespace tangle::train
