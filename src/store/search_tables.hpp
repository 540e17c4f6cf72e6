#pragma once
// Adaptive search's tables in results.h5 (internal to the store), each a group of 1-D extendible
// columns, one row per record in the order rank 0 made them:
//   /pruning  trial, epoch, stop, rung, compared (int32); value, cutoff (float64): PruningRecord
//   /search   trial, epochs, complete (int32); value (float64): ObservationRecord
// A table is created with its first row, so a sweep that does not use it never has one.
#include <hdf5.h>

#include <string>
#include <vector>

#include "aecnn/store/results_file.hpp"

namespace aecnn::store::search_tables {

/// Appends a row (not committed: the caller's commit carries it).
void append(hid_t file, const PruningRecord& record, const std::string& path);
void append(hid_t file, const ObservationRecord& record, const std::string& path);

/// Every row, in order; none when the file has no such table. Throws H5Error naming the file
/// when the columns disagree in length.
std::vector<PruningRecord> read_pruning(hid_t file, const std::string& path);
std::vector<ObservationRecord> read_observations(hid_t file, const std::string& path);

}  // namespace aecnn::store::search_tables
