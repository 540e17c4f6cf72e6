#pragma once
// What rank 0 shows while a sweep runs: trials done / running / pending / failed, the epoch of
// each running trial, elapsed time and an ETA. Pure bookkeeping and text, no I/O: TrialLog
// prints it (a live block on a terminal, plain lines in a log file).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aecnn::sched {

class Progress {
 public:
  /// `total` trials in the sweep, `already_done` of them finished by an earlier run;
  /// `epochs_to_run` is the sum of the epochs of the trials this run has to train.
  Progress(std::size_t total, int already_done, std::int64_t epochs_to_run);

  /// A trial starts; `from_epoch` epochs of it are already done (a checkpoint).
  void started(const std::string& id, const std::string& ranks, int epochs, int from_epoch);
  void epoch(const std::string& id, int epoch);
  enum class End { kDone, kFailed, kRetry, kInterrupted, kPruned };
  void ended(const std::string& id, End how);
  /// Trials that failed for good in an earlier run (over their retry budget).
  void add_earlier_failures(int count) { failed_ += count; }
  /// Trials a pruner stopped in an earlier run (final, like done ones).
  void add_earlier_pruned(int count) { pruned_ += count; }
  /// A trial of this run found pruned before it started (a verdict an earlier run committed but
  /// did not act on): its `epochs` will not run.
  void pruned_unstarted(int epochs) {
    ++pruned_;
    remaining_epochs_ -= epochs;
  }

  int done() const { return done_; }
  int failed() const { return failed_; }
  int pruned() const { return pruned_; }
  std::size_t running() const { return running_.size(); }
  int pending() const;

  /// Seconds left at the rate of the epochs finished so far in this run, or nothing before
  /// the first. An upper bound when early stopping cuts trials short.
  std::optional<double> eta_seconds(double elapsed_seconds) const;
  /// "12/51 done, 2 running, 37 pending, 0 failed, 3m12s elapsed, ETA ~9m40s"
  std::string summary(double elapsed_seconds) const;
  /// One line per running trial: "quick-0003 epoch 4/7 on rank 1".
  std::vector<std::string> running_lines() const;

 private:
  struct Running {
    std::string ranks;
    int epoch = 0, epochs = 0;
  };
  std::size_t total_;
  int done_ = 0, failed_ = 0, interrupted_ = 0, pruned_ = 0;
  std::int64_t remaining_epochs_ = 0, epochs_this_run_ = 0;
  std::map<std::string, Running> running_;
};

/// "3m12s", "1h05m".
std::string format_duration(double seconds);

}  // namespace aecnn::sched
