#pragma once
// results.h5: the one file a sweep writes (rank 0 only) and the analysis reads.
// Layout of format 2 (docs/results-format.md): tables that h5py and pandas read column by column.
//   /                      attrs: format, format_version, tool_version, sweep_name, sweep_hash,
//                                 sweep_file, sweep_toml, data_dir, overrides
//   /trials/<column>       one row per trial of the sweep (row = its index): id, experiment,
//                          status, attempts, started, finished, wall_seconds, ...
//   /config/<key>          one typed column per configuration key, rows as /trials
//   /history/<column>      one row per epoch; `trial` names the trial's row (-1: replaced)
//   /metrics/<column>      one row per done trial; `trial` names its row
//   /provenance/<column>   distinct (host, libraries, command) records; /trials/provenance
//   /checkpoints/<id>/     a trial's weights (two slots), while the policy keeps them
//   /pruning, /search      adaptive search's decisions, in the order made
// Format 1 (one group per trial, /trials/<id>/) is still read; `aecnn-sweep upgrade` converts it.
#include <cstdint>
#include <string>

#include "aecnn/error.hpp"

namespace aecnn::store {

/// Identifies our files: the root attribute `format` holds this.
inline constexpr const char* kFormatName = "aecnn-sweep results";
/// Bumped when the layout changes incompatibly; readers refuse newer versions.
inline constexpr int kFormatVersion = 2;

/// Trial status values, as stored in the `status` column (format 1: attribute).
inline constexpr const char* kStatusRunning = "running";
inline constexpr const char* kStatusDone = "done";
inline constexpr const char* kStatusFailed = "failed";
/// Stopped by a signal; its latest checkpoint continues it when the sweep is run again.
inline constexpr const char* kStatusInterrupted = "interrupted";
/// Stopped early by the sweep's pruner: final, never run again; its history and checkpoint stay.
inline constexpr const char* kStatusPruned = "pruned";

/// One row of `/pruning`: a decision of the sweep's pruner, or a trial completing under one.
/// Rows are committed in the order rank 0 made them (the row number is the sequence number),
/// each in the same commit as the epoch it decides, so replaying them in order after a resume
/// rebuilds every pruner exactly as it was.
struct PruningRecord {
  std::int64_t trial = 0;  ///< the trial's index in the expansion
  std::int64_t epoch = 0;  ///< the epoch reported (1-based); 0: the trial completed, not pruned
  double value = 0;        ///< the pruner's metric at that epoch (NaN for a completion)
  bool stop = false;       ///< the verdict: the trial ends here, pruned
  std::int64_t rung = -1;  ///< ASHA: the rung this epoch is (0, 1, ...); -1: none
  double cutoff = 0;       ///< the value it had to reach (NaN: nothing was compared)
  std::int64_t compared = 0;  ///< how many values the cutoff was taken from, its own included
};

/// One row of `/search`: a trial that model-based search learns from, in the order they ended
/// (the order the sampler observed them; replayed after a resume).
struct ObservationRecord {
  std::int64_t trial = 0;   ///< the trial's index in the expansion
  std::int64_t epochs = 0;  ///< epochs it ran (a pruned trial: where it stopped)
  bool complete = true;     ///< false: pruned
  double value = 0;         ///< the search's metric: of the final model, or at the epoch it was pruned
};

/// What a trial's end commits for adaptive search, with the trial: the row telling its pruner
/// it completed, the row the sampler learns from.
struct SearchRows {
  const PruningRecord* completion = nullptr;
  const ObservationRecord* observation = nullptr;
};

/// A trial whose weights leave the file (keep_weights), and why: the reason stays with the trial
/// (`weights_dropped`), for export to say.
struct DroppedWeights {
  std::string trial_id;
  std::string reason;
};

/// What a results file records of the sweep that wrote it: the file is resumed only by the sweep
/// of the same hash, and when it is not, the rest says why.
struct RecordedSweep {
  std::string name;
  std::string hash;
  std::string toml;       ///< the sweep file's text
  std::string overrides;  ///< --set and --epochs-scale, as recorded ("" for none)
};

/// The refusal of `path`, which holds `recorded` and not the sweep of `hash` (from `toml` with
/// `overrides`): what differs and the ways on (the same command, --new-file, another -o).
std::string another_sweep_message(const std::string& path, const RecordedSweep& recorded, const std::string& hash,
                                  const std::string& toml, const std::string& overrides);

/// An HDF5 problem; what() names the file and the object path.
class H5Error : public Error {
 public:
  using Error::Error;
};

}  // namespace aecnn::store
