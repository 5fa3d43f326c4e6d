#include "tangle/core/memory.hpp"

#include <sys/mman.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tangle/core/error.hpp"

namespace tangle {

std::uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t value = 0;
  std::string unit;
  while (in >> key >> value >> unit) {
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

void* allocate_aligned(std::size_t bytes) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const bool huge = bytes >= 2 * kHuge;
  const std::size_t align = huge ? kHuge : 64;
  const std::size_t size = bytes == 0 ? align : (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, size);
  if (p == nullptr) throw std::bad_alloc();
  if (huge) ::madvise(p, size, MADV_HUGEPAGE);  // a hint; failure is harmless
  return p;
}

void free_aligned(void* p) { std::free(p); }

std::string format_bytes(std::uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return text;
}

void check_allocation(std::uint64_t bytes, std::uint64_t limit, std::string_view what) {
  // Small requests skip reading /proc/meminfo: they cannot matter, and calls must stay cheap.
  if (limit == 0 && bytes < (std::uint64_t{64} << 20)) return;
  const std::uint64_t available = limit != 0 ? limit : available_memory_bytes();
  if (available == 0) return;  // unknown: let the allocator decide
  if (bytes > available) {
    throw MemoryError(detail::concat(what, " needs ", format_bytes(bytes), " but ",
                                     limit != 0 ? "the memory limit is " : "only ", format_bytes(available),
                                     limit != 0 ? "" : " are available"));
  }
}

}  // namespace tangle
