#pragma once
// Peak resident memory of one trial on CPU (Linux). The process's VmHWM is its lifetime peak;
// writing 5 to /proc/self/clear_refs resets it to the current RSS, so after start_trial_peak()
// VmHWM is the peak of this trial alone. Freed heap memory is returned to the system first
// (malloc_trim), so a previous trial's larger batches do not inflate the next one's baseline.
#include <cstdint>

namespace aecnn::train {

/// Releases free heap pages and resets the high-water mark. Returns the RSS it starts from.
/// Returns -1 where the reset is not possible (not Linux, /proc unwritable).
std::int64_t start_trial_peak();

/// The resident set now, in bytes (-1 if unknown).
std::int64_t resident_bytes();

/// The high-water mark of the resident set since start_trial_peak(), in bytes (-1 if unknown).
std::int64_t peak_resident_bytes();

}  // namespace aecnn::train
