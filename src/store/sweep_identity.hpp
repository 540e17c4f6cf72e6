#pragma once
// Private to the store: which sweep a results file holds, read from its root attributes.
#include <hdf5.h>

#include <string>

#include "aecnn/store/results_file.hpp"

namespace aecnn::store {

/// The sweep recorded in the root attributes of `root` (overrides "" when a file predates them).
RecordedSweep recorded_sweep(hid_t root, const std::string& path);

/// `text` for a one-line message: control characters (a newline in a hand-edited attribute)
/// shown as '?'.
std::string printable(const std::string& text);

}  // namespace aecnn::store
