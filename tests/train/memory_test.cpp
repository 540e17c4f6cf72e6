#include "aecnn/train/memory.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace aecnn::train {
namespace {

// Bytes glibc holds in mmap()ed blocks while a block of `bytes` is allocated and touched.
std::size_t mapped_bytes_holding(std::size_t bytes) {
  char* block = static_cast<char*>(std::malloc(bytes));
  EXPECT_NE(block, nullptr);
  std::memset(block, 1, bytes);
  const std::size_t mapped = mallinfo2().hblkhd;
  std::free(block);
  return mapped;
}

// Above glibc's largest dynamic mmap threshold (32 MiB), like a batch's largest activations.
constexpr std::size_t kActivationBytes = 64u << 20;

TEST(FreedMemory, KeptForReuseTakesLargeBlocksFromTheHeap) {
  // With glibc's defaults such a block is mapped and unmapped on every allocation: fresh pages.
  ASSERT_GE(mapped_bytes_holding(kActivationBytes), kActivationBytes)
      << "glibc's defaults were expected to map a 64 MiB block (has this process changed them already?)";
  set_freed_memory(FreedMemory::kKeepForReuse);
  apply_freed_memory_policy();
  EXPECT_LT(mapped_bytes_holding(kActivationBytes), kActivationBytes) << "the block was still mapped";
  // Freed, it stays in the heap for the next batch rather than going back to the kernel (the heap
  // is not trimmed: glibc's `arena`, the bytes it holds from sbrk, does not shrink).
  char* block = static_cast<char*>(std::malloc(kActivationBytes));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kActivationBytes);
  const std::size_t holding = mallinfo2().arena;
  std::free(block);
  EXPECT_GE(mallinfo2().arena + kActivationBytes / 2, holding) << "freeing the block trimmed the heap";
}

}  // namespace
}  // namespace aecnn::train
