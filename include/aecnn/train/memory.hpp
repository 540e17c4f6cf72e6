#pragma once
// Peak resident memory of one trial on CPU (Linux). The process's VmHWM is its lifetime peak;
// writing 5 to /proc/self/clear_refs resets it to the current RSS, so after start_trial_peak()
// VmHWM is the peak of this trial alone. Freed heap memory is returned to the system first
// (malloc_trim), so a previous trial's larger batches do not inflate the next one's baseline.
// The same module sets what glibc does with freed memory (FreedMemory, below).
#include <cstdint>

namespace aecnn::train {

/// Releases free heap pages and resets the high-water mark. Returns the RSS it starts from.
/// Returns -1 where the reset is not possible (not Linux, /proc unwritable).
std::int64_t start_trial_peak();

/// The resident set now, in bytes (-1 if unknown).
std::int64_t resident_bytes();

/// The high-water mark of the resident set since start_trial_peak(), in bytes (-1 if unknown).
std::int64_t peak_resident_bytes();

/// What glibc does with freed memory in this process. A training step frees and allocates the
/// same activations every batch; with glibc's defaults a block above its mmap threshold (which
/// glibc moves as it sees large frees, up to 32 MiB) goes back to the kernel on free and comes back
/// as fresh pages, one page fault each: on virtual machines, batch 128 after a batch-64 trial ran
/// 2-3x slower per epoch than either (docs/benchmarks.md).
/// kKeepForReuse (the default): freed blocks of any size up to 1 GiB stay in the heap for the next
/// batch (mallopt M_MMAP_THRESHOLD and M_TRIM_THRESHOLD). start_trial_peak() still returns them
/// between trials. kGlibcDefaults leaves glibc alone; it exists so the benchmarks can measure both.
enum class FreedMemory { kKeepForReuse, kGlibcDefaults };

/// Chooses the policy; takes effect at the next apply_freed_memory_policy().
void set_freed_memory(FreedMemory policy);

/// Applies the chosen policy to the process (the Trainer does so when it is made). Only the first
/// call acts: glibc's dynamic threshold cannot be restored once set.
void apply_freed_memory_policy();

}  // namespace aecnn::train
