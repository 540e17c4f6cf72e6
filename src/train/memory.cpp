#include "aecnn/train/memory.hpp"

#include <malloc.h>

#include <fstream>
#include <mutex>
#include <string>

namespace aecnn::train {
namespace {

FreedMemory freed_memory = FreedMemory::kKeepForReuse;

// A "VmRSS:   1234 kB" line of /proc/self/status, in bytes.
std::int64_t status_field_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.compare(0, field.size(), field) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  return -1;
}

}  // namespace

std::int64_t start_trial_peak() {
  malloc_trim(0);
  std::ofstream clear("/proc/self/clear_refs");
  if (!(clear << "5" << std::flush)) return -1;
  return resident_bytes();
}

std::int64_t resident_bytes() { return status_field_bytes("VmRSS:"); }

std::int64_t peak_resident_bytes() { return status_field_bytes("VmHWM:"); }

void set_freed_memory(FreedMemory policy) { freed_memory = policy; }

void apply_freed_memory_policy() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (freed_memory == FreedMemory::kGlibcDefaults) return;
    // 1 GiB: above any activation of the batch sizes studied, well below a node's memory.
    constexpr int kKeptBlockBytes = 1 << 30;
    mallopt(M_MMAP_THRESHOLD, kKeptBlockBytes);
    mallopt(M_TRIM_THRESHOLD, kKeptBlockBytes);
  });
}

}  // namespace aecnn::train
