#pragma once
// Writes results.h5. Only rank 0 holds a ResultsWriter. Every call is one atomic commit (an undo
// journal beside the file, docs/results-format.md): a kill or a power loss at any moment leaves
// the file as after its last complete commit, which every reader and writer of ours restores.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aecnn/store/results_file.hpp"
#include "aecnn/sweep/trial_list.hpp"
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
  std::string command_line;  ///< this run's command, recorded with each trial it finishes
  std::size_t trials = 0;    ///< how many trials it expands to: sizes a new file's table chunks
};

/// What a results file says about one trial.
struct TrialState {
  std::string status;  ///< running, done, failed, interrupted
  int attempts = 0;    ///< times it was started
  int failures = 0;    ///< times it failed (an exception, not a signal or a kill)
  sweep::ConfigMap config;  ///< as recorded when it started (model-based search filled some keys then)
  int suggested_after = -1;  ///< searched trials: the finished trials its suggestion learnt from
  bool has_weights = false;  ///< the file holds a checkpoint of it
  /// Done trials: the 1-based epoch whose weights its final model holds (the restored best, else
  /// the last); 0 otherwise.
  int final_epoch = 0;
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

  /// What opening the file repaired ("" when nothing): a commit that a killed writer left
  /// unfinished is rolled back first.
  const std::string& recovery_note() const;

  /// Gives each of the sweep's trials its row (status `pending`) where it has none yet, committed
  /// 4,096 trials at a time: a run calls it once, before the first trial starts, so that starting
  /// a trial rewrites a few cells of its row. A trial started without it gets its row then.
  void add_trials(const sweep::TrialList& trials);
  void add_trials(const std::vector<sweep::TrialSpec>& trials) { add_trials(sweep::TrialList(trials)); }

  /// Every trial the file holds that has started, by id: a resumed sweep skips the done ones.
  std::map<std::string, TrialState> trial_states() const;
  /// Every pruning decision committed so far, in the order it was made (`/pruning`).
  std::vector<PruningRecord> pruning_records() const;
  /// Every trial model-based search learnt from, in the order they ended (`/search`).
  std::vector<ObservationRecord> observation_records() const;
  /// The trial's history rows as committed (none if it never started).
  std::vector<train::EpochRecord> history(const std::string& trial_id) const;
  /// The trial's latest checkpoint (with the optimizer state), or nothing.
  std::optional<train::Checkpoint> checkpoint(const std::string& trial_id) const;

  /// Starts a trial (status `running`, attempts counted up): from scratch, or, given the
  /// checkpoint() of an earlier attempt, continuing it with the history up to the checkpoint.
  void begin_trial(const sweep::TrialSpec& trial, const std::vector<int>& ranks,
                   const train::Checkpoint* resume = nullptr);
  /// Appends one history row, and makes `checkpoint` (if given) the trial's latest: written
  /// to the slot not in use and flushed before the switch, so a kill leaves one intact. The
  /// pruner's `decision` on this epoch, if any, is part of the same commit: a verdict is on
  /// disk before it takes effect, and never without its epoch.
  void append_epoch(const std::string& trial_id, const train::EpochRecord& record,
                    const train::Checkpoint* checkpoint = nullptr, const PruningRecord* decision = nullptr);
  /// Records final metrics and status `done`, with adaptive search's rows on it (`rows`) in the
  /// same commit. Then, in a second commit, the trial's resume state goes, and the weights of
  /// the trials in `drops` (this one's, or one it pushed out of the kept: keep_weights).
  void finish_trial(const std::string& trial_id, const train::TrialResult& result, const SearchRows& rows = {},
                    const std::vector<DroppedWeights>& drops = {});
  /// Records status `pruned`: the trial ended after `epochs_run` epochs by its pruner's verdict
  /// (already committed). `result`, when the trial's ranks sent one, adds where and how it ran;
  /// without it (a sweep resumed after a kill between the verdict and this) only the epochs.
  /// Like a done trial it keeps its latest weights, not the resume state, unless `drops` names it.
  void prune_trial(const std::string& trial_id, int epochs_run, const train::TrialResult* result,
                   const ObservationRecord* observation = nullptr, const std::vector<DroppedWeights>& drops = {});
  /// Removes the checkpoints of ended trials, recording why with each; one commit. Nothing
  /// happens for trials that hold none.
  void drop_weights(const std::vector<DroppedWeights>& drops);
  /// Records status `interrupted` and why (`stop_reason`: a signal, a lost rank); its latest
  /// checkpoint continues it.
  void interrupt_trial(const std::string& trial_id, const std::string& reason);
  /// Records status `failed` with the message.
  void fail_trial(const std::string& trial_id, const std::string& message);

  /// Group commit: between begin_batch() and end_batch() the calls above change the file without
  /// committing, and end_batch() commits all their changes at once, atomically: a crash before it
  /// loses the whole batch, so the caller reports nothing of a batch (no "done" line, no pruning
  /// verdict) before end_batch() returns. One commit's fixed cost (its syncs) then serves every
  /// trial event a scheduler wake-up brought.
  void begin_batch();
  void end_batch();

  /// Ends a finished run's writing: when the file holds much space that this run or earlier
  /// ones freed and did not reuse (dropped weights, done trials' resume state: at least 4 MiB
  /// and an eighth of the file), replaces it with a compacted copy (compaction.hpp). Returns a
  /// line saying what it gave back, or "". The last call: the writer holds no file after it.
  std::string close_and_compact();

  /// Ends a stopped run's writing (a signal, a time limit, a lost rank): records the space this
  /// run freed, which HDF5 forgets at close, for the run that finishes to give back. The last call.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Brings the results file at `path` back to its last complete commit if a writer was killed in
/// the middle of one (its undo journal, `<path>.journal`, is complete). Returns a line saying
/// what was repaired, or "" when nothing needed it. Throws H5Error while another process writes
/// the file, or when the repair needs write permission this process lacks. Every writer and
/// reader of ours calls it before opening; `--new-file` before it moves a file aside.
std::string recover_results(const std::string& path);

}  // namespace aecnn::store
