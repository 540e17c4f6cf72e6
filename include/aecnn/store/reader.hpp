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

/// What read_results may leave out.
struct ReadOptions {
  /// Each done trial's per-class precision, recall, F1 and support and its confusion matrix:
  /// about 1 KB a trial, a third of reading 100,000 trials. Without them, those fields are empty
  /// until read_class_metrics() reads them for the trials that need them.
  bool class_metrics = true;
};

/// Reads every trial, after rolling back a commit a killed writer left unfinished (where this
/// process may write the file; else it reads the last complete commit as the journal shows it).
/// Throws H5Error naming the file when it is missing, not HDF5, not an aecnn-sweep results
/// file, or of a newer format version.
ResultsContents read_results(const std::string& path, const ReadOptions& options = {});

/// What `aecnn-sweep --status` reads of a results file: each trial's id, status and failed
/// attempts, by row, with the sweep's hash. Of format 2 only those columns (a 100,000-trial file
/// read whole took 500 MB); format 1 is read whole. Throws H5Error as read_results does.
struct TrialStatus {
  std::string id, status;
  int failures = 0;
};
struct StatusContents {
  RecordedSweep sweep;
  std::vector<TrialStatus> trials;
};
StatusContents read_statuses(const std::string& path);

/// Reads the per-class metrics and confusion matrices of `trials` (positions in results.trials;
/// those not done are skipped) into `results`, read from `path` without them. Throws H5Error as
/// read_results does.
void read_class_metrics(const std::string& path, ResultsContents& results, const std::vector<std::size_t>& trials);

/// The trial's latest checkpoint, weights only (no optimizer state), or nothing if it has
/// none. Throws H5Error if the file cannot be read or has no such trial.
std::optional<train::Checkpoint> read_checkpoint(const std::string& path, const std::string& trial_id);

}  // namespace aecnn::store
