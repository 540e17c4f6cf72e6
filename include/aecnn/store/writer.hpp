#pragma once
// Writes results.h5. Only rank 0 holds a ResultsWriter. Every call commits and flushes, so a
// kill at any moment leaves the file readable with everything committed before it.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "aecnn/store/results_file.hpp"
#include "aecnn/sweep/expand.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::store {

/// What identifies the sweep a file belongs to.
struct SweepInfo {
  std::string name;
  std::string hash;      ///< sweep_hash(): a file is resumed only by the same sweep
  std::string file;      ///< the sweep file's path, for the reader's information
  std::string text;      ///< the sweep file's TOML, for provenance
  std::string data_dir;  ///< the data the trials train on
  std::string overrides;  ///< command-line changes to every trial (--set, --epochs-scale), or ""
};

class ResultsWriter {
 public:
  /// Creates `path`, or reopens it to resume when it holds results of the same sweep (hash).
  /// A file of another sweep, another tool or a newer format is refused with an H5Error, and
  /// left untouched.
  ResultsWriter(const std::string& path, const SweepInfo& sweep);
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  /// Ids of trials already done: a resumed sweep skips them.
  std::set<std::string> done_trials() const;

  /// Starts (or restarts) a trial: its config and status `running`, attempts counted up.
  void begin_trial(const sweep::TrialSpec& trial, const std::vector<int>& ranks);
  /// Appends one history row.
  void append_epoch(const std::string& trial_id, const train::EpochRecord& record);
  /// Records final metrics and status `done`.
  void finish_trial(const std::string& trial_id, const train::TrialResult& result);
  /// Records status `failed` with the message.
  void fail_trial(const std::string& trial_id, const std::string& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aecnn::store
