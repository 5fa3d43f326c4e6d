/// @file
/// Aligned buffers and the memory check every large allocation passes first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace tangle {

/// Bytes this process may still allocate: MemAvailable of /proc/meminfo (0 if unknown).
std::uint64_t available_memory_bytes();

/// Throws MemoryError naming `what`, the bytes needed and the limit (rounded: "16.0 GiB") if
/// `bytes` exceeds `limit` (or, when `limit` is 0, the machine's available memory).
void check_allocation(std::uint64_t bytes, std::uint64_t limit, std::string_view what);

/// A byte count rounded for people: "512 B", "3.4 MiB", "16.0 GiB", "2.0 PiB".
std::string format_bytes(std::uint64_t bytes);

/// 64-byte aligned memory; blocks of 4 MiB and more are 2 MiB aligned and marked for transparent
/// huge pages, so that sweeps with large strides do not miss the TLB on every vector.
void* allocate_aligned(std::size_t bytes);
/// Releases memory from allocate_aligned(); a null `p` is ignored.
void free_aligned(void* p);

/// An owning, 64-byte aligned array of trivially copyable T, zero-initialized.
template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  /// `n` zeroed elements.
  explicit AlignedBuffer(std::size_t n) { resize(n); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  /// Takes `o`'s memory; `o` is left empty.
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  /// Swaps contents with `o` (which frees ours when destroyed).
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~AlignedBuffer() { free_aligned(data_); }

  /// Reallocates only when growing; contents are zeroed.
  void resize(std::size_t n) {
    if (n > capacity_) {
      free_aligned(data_);
      data_ = nullptr;
      capacity_ = 0;
      data_ = static_cast<T*>(allocate_aligned(n * sizeof(T)));
      capacity_ = n;
    }
    size_ = n;
    zero();
  }
  /// Grows (without zeroing) to at least `n` elements; contents are unspecified.
  void ensure(std::size_t n) {
    if (n > capacity_) resize(n);
    size_ = n;
  }
  /// Sets the first size() elements to T{} (zero).
  void zero() {
    for (std::size_t i = 0; i < size_; ++i) data_[i] = T{};
  }

  /// First element (64-byte aligned); null before the first allocation.
  T* data() { return data_; }
  /// First element (64-byte aligned); null before the first allocation.
  const T* data() const { return data_; }
  /// Elements in use (the capacity may be larger).
  std::size_t size() const { return size_; }
  /// Element `i` (< size()); unchecked.
  T& operator[](std::size_t i) { return data_[i]; }
  /// Element `i` (< size()); unchecked.
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace tangle
