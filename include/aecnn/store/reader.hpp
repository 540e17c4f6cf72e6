#pragma once
// Reads results.h5 for analysis, resume checks and tests. Opens the file read-only without
// HDF5's file lock, so a sweep that is still writing can be looked at.
#include <optional>
#include <string>
#include <vector>

#include "aecnn/store/results_file.hpp"
#include "aecnn/sweep/value.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::store {

struct TrialRecord {
  std::string id, experiment, hash, status, error;
  int index = 0;
  int attempts = 0;
  int failures = 0;
  int suggested_after = -1;  ///< a searched trial: the finished trials its suggestion learnt from
  std::vector<std::string> varying;  ///< keys that tell this trial from its siblings
  /// Why its weights are not in the file (keep_weights), or "" when they are or were never dropped.
  std::string weights_dropped;
  /// Its configuration; values every trial of the file has in common are shared between trials.
  sweep::LayeredConfig config;
  std::vector<train::EpochRecord> history;
  /// Present once the trial is done.
  std::optional<train::TrialResult> result;
};

struct ResultsContents {
  std::string recovery_note;  ///< what opening repaired (recover_results), or ""
  int format_version = 0;
  std::string sweep_name, sweep_hash, sweep_file, sweep_toml, data_dir, overrides;
  std::vector<TrialRecord> trials;  ///< ordered by index
  std::vector<PruningRecord> pruning;  ///< the pruners' decisions, in the order made (none without a pruner)
  std::vector<ObservationRecord> observations;  ///< what model-based search learnt from, in order
};

/// Reads every trial, after rolling back a commit a killed writer left unfinished (where this
/// process may write the file; else it reads the last complete commit as the journal shows it).
/// Throws H5Error naming the file when it is missing, not HDF5, not an aecnn-sweep results
/// file, or of a newer format version.
ResultsContents read_results(const std::string& path);

/// The trial's latest checkpoint, weights only (no optimizer state), or nothing if it has
/// none. Throws H5Error if the file cannot be read or has no such trial.
std::optional<train::Checkpoint> read_checkpoint(const std::string& path, const std::string& trial_id);

}  // namespace aecnn::store
