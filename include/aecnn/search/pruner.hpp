#pragma once
// Early stopping of unpromising trials, decided on rank 0 at each epoch a trial reports.
// A pruner's decisions depend only on the sequence of calls it gets (reports and completions),
// so replaying a committed sequence after a resume rebuilds exactly the state it had.
//
//   AshaPruner: asynchronous successive halving, the stopping variant (Li et al., MLSys 2020):
//     rungs at grace * rf^k epochs below max_epochs; at a rung a trial continues only if its
//     value is among the best max(1, floor(n / rf)) of the n values recorded at that rung so far,
//     its own included (so the first trials to reach a rung continue only while they lead it,
//     as in Optuna's SuccessiveHalvingPruner).
//   MedianPruner: Optuna's MedianPruner: once `startup_trials` trials have completed, and after
//     `warmup_epochs` epochs, a trial stops when its best value so far is worse than the median
//     (linear interpolation) of the completed trials' values at the same epoch.
// A NaN value always stops the trial, and is recorded nowhere.
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace aecnn::search {

enum class Direction { kMaximize, kMinimize };

struct PruneVerdict {
  bool stop = false;
  int rung = -1;       ///< ASHA: the rung this epoch is (0, 1, ...), or -1 (not a rung; median: always -1)
  double cutoff = std::numeric_limits<double>::quiet_NaN();  ///< the value the trial had to reach (NaN: nothing was compared)
  int compared = 0;    ///< how many values the cutoff was taken from, the trial's own included
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  /// Trial `trial` finished epoch `epoch` (1-based) with `value` of the pruner's metric.
  virtual PruneVerdict report(int trial, int epoch, double value) = 0;
  /// Trial `trial` ran all its epochs (it was not pruned).
  virtual void completed(int trial) = 0;
  /// One line for --dry-run and the log: the rungs, or the median rule.
  virtual std::string describe() const = 0;
};

class AshaPruner : public Pruner {
 public:
  AshaPruner(int grace_epochs, int reduction_factor, int max_epochs, Direction direction);
  PruneVerdict report(int trial, int epoch, double value) override;
  void completed(int) override {}
  std::string describe() const override;
  /// The rung epochs: grace * rf^k for k = 0, 1, ... while below max_epochs.
  const std::vector<int>& rungs() const { return rungs_; }
  /// Values recorded at rung k so far, in the order they came.
  const std::vector<double>& recorded(int rung) const { return recorded_.at(static_cast<std::size_t>(rung)); }

 private:
  int reduction_factor_;
  Direction direction_;
  std::vector<int> rungs_;
  std::vector<std::vector<double>> recorded_;
  std::vector<std::vector<double>> ascending_;  ///< the same values, kept sorted: a verdict is O(log n + n) moves
};

class MedianPruner : public Pruner {
 public:
  MedianPruner(int startup_trials, int warmup_epochs, Direction direction);
  PruneVerdict report(int trial, int epoch, double value) override;
  void completed(int trial) override;
  std::string describe() const override;

 private:
  int startup_trials_, warmup_epochs_;
  Direction direction_;
  std::map<int, std::vector<double>> running_;          ///< each running trial's values, epoch 1 first
  std::map<int, std::vector<double>> completed_values_;  ///< epoch -> the completed trials' values there, ascending
  int completed_count_ = 0;
};

}  // namespace aecnn::search
