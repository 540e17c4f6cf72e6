#pragma once
// Rank 0's record of what happens to each trial: commits it to results.h5 and shows progress.
// Serial and MPI runs both report through it, so both write the same file the same way.
//
// Progress: every event is one line (trial started, epoch, done, failed). On a terminal a live
// block below them is redrawn at each event: the totals, elapsed time, ETA, and the epoch of
// every running trial. Into a file (a Slurm log) no control characters are written; the same
// summary comes as a plain line at most once a minute.
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aecnn/sched/progress.hpp"
#include "aecnn/sched/weights_keeper.hpp"
#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/trial_list.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

enum class ProgressStyle { kLive, kPlain };

/// kLive when `out` is a terminal, else kPlain.
ProgressStyle default_progress_style(std::FILE* out);

class TrialLog {
 public:
  /// `trials` is the whole expansion; `states` what the file said at the start (resume);
  /// `to_run` the indices this run trains.
  TrialLog(store::ResultsWriter& writer, const sweep::TrialList& trials,
           const std::map<std::string, store::TrialState>& states, const std::vector<int>& to_run,
           std::FILE* out = stdout, ProgressStyle style = ProgressStyle::kPlain);

  /// Where an earlier attempt of the trial got to, if it left a checkpoint.
  std::optional<train::Checkpoint> resume_point(int trial) const;
  /// The trial's history as committed.
  std::vector<train::EpochRecord> history(int trial) const;

  void started(int trial, const std::vector<int>& ranks, const train::Checkpoint* resume);
  /// An epoch and its checkpoint, with the pruner's new `decision` on it (if any) in the same commit.
  void epoch(int trial, const train::EpochRecord& record, const train::Checkpoint& checkpoint,
             const store::PruningRecord* decision = nullptr);
  /// A trial ran to its end; `rows` tell its pruner and its sampler (if any), in the same commit;
  /// the weights `drops` names go right after.
  void done(int trial, const train::TrialResult& result, const store::SearchRows& rows = {},
            const std::vector<WeightsDrop>& drops = {});
  /// The trial's pruner stopped it after `epochs_run` epochs (the verdict is committed already);
  /// `result` is what its ranks sent, or null when a resumed sweep finds the verdict unacted on;
  /// `observation` is what its sampler learns from it, in the same commit.
  void pruned(int trial, int epochs_run, const train::TrialResult* result,
              const store::ObservationRecord* observation = nullptr, const std::vector<WeightsDrop>& drops = {});
  /// Weights of ended trials that the policy no longer keeps (a resumed sweep's changed policy,
  /// or a drop a killed run did not commit): one commit, one line.
  void weights_dropped(const std::vector<WeightsDrop>& drops);
  /// A failure; `next_attempt` > 0 says it will be tried again as that attempt of `max_attempts`.
  void failed(int trial, const std::string& message, int next_attempt, int max_attempts);
  /// The trial stopped before its end (`reason`: a signal, a lost rank); its last checkpoint
  /// continues it when the sweep runs again.
  void interrupted(int trial, const std::string& reason);
  /// Records the trial `interrupted` at once, while its ranks are still being asked to stop: if
  /// the job is killed before they answer (an MPI runtime ending the job after a rank died), the
  /// file already says why the trial did not finish. Prints nothing; interrupted() or done()
  /// follows when the ranks answer.
  void mark_interrupted(int trial, const std::string& reason);
  /// The sweep stops early (`why`: a signal, a lost worker): say so once.
  void stopping(const std::string& why, bool second_interrupt_quits);

  /// Group commit: what the calls between begin_batch() and end_batch() write is committed
  /// once, at end_batch(), and their lines are printed after that commit, so every line still
  /// reports something on disk.
  void begin_batch();
  void end_batch();

  int done_count() const { return progress_.done(); }
  /// Seconds since the log started (the sweep's wall time so far).
  double elapsed() const;
  /// Trials that ended failed (this run, or earlier ones over their budget), with messages.
  const std::vector<std::pair<std::string, std::string>>& failures() const { return failures_; }
  /// The closing lines: counts, failures, and, when the sweep stopped early (`stopped`), how
  /// to resume it.
  void print_summary(bool stopped, const std::string& resume_command);
  /// A line about the sweep as a whole (how trials are handed out), between the trials' lines.
  void note(const std::string& line) { event(line); }

 private:
  std::vector<store::DroppedWeights> by_id(const std::vector<WeightsDrop>& drops) const;
  /// Prints one event line (and keeps the live block below it).
  void event(const std::string& line);
  void clear_block();
  void draw_block();

  store::ResultsWriter& writer_;
  const sweep::TrialList& trials_;
  std::FILE* out_;
  ProgressStyle style_;
  Progress progress_;
  std::vector<std::pair<std::string, std::string>> failures_;  ///< trial id, message
  int block_lines_ = 0;  ///< lines of the live block on screen
  bool batching_ = false;
  std::vector<std::string> held_lines_;  ///< a batch's lines, printed once it is committed
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_plain_summary_ = start_;
};

}  // namespace aecnn::sched
