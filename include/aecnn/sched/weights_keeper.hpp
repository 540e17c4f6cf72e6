#pragma once
// Which ended trials keep their weights in the results file (`keep_weights`, docs/sweep-format.md).
// Pure logic on rank 0 (no MPI, no file): the scheduler asks it as each trial ends and commits
// the drops it names with that trial's end.
//
// "best:N" keeps the N best done trials of each experiment by the experiment's metric (its
// search's, else its pruner's, else val_accuracy, higher is better) of the final model. Ranks
// are a strict order (better value first, a NaN last, then the lower trial index), so the kept
// set is the top N of the done trials whatever order they end in: a resumed sweep, which seeds
// the keeper with the trials whose weights the file still holds, keeps the same trials as one
// that never stopped. Pruned trials keep theirs only under "all".
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aecnn/sweep/trial_list.hpp"
#include "aecnn/sweep/sweep_spec.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

/// What an experiment's trials are ranked by when only the best keep their weights.
struct RankBy {
  std::string metric = "val_accuracy";  ///< a history column (metric_of)
  bool maximize = true;
};

/// The experiment's own metric: its search's, else its pruner's, else val_accuracy (max).
RankBy rank_by_of(const sweep::ExperimentSpec& experiment);

/// A trial whose weights are to go, and why (recorded with it; export says it).
struct WeightsDrop {
  int trial = 0;
  std::string reason;
};

class WeightsKeeper {
 public:
  /// `rank_by`: by experiment name; an experiment not named ranks by val_accuracy (max).
  WeightsKeeper(const sweep::KeepWeights& policy, const sweep::TrialList& trials,
                std::map<std::string, RankBy> rank_by);

  /// A trial ran to its end. `final_epoch` is the 1-based epoch whose weights the final model
  /// holds (EarlyStopping's restored best, else the last). Returns whose weights go now: none,
  /// this trial's, or one it pushed out of its experiment's best.
  std::vector<WeightsDrop> done(int trial, const std::vector<train::EpochRecord>& history, int final_epoch);
  /// The trial's pruner stopped it: its weights go unless every trial keeps them.
  std::vector<WeightsDrop> pruned(int trial) const;

 private:
  struct Ranked {
    double value;  ///< already signed so that lower is better; NaN ranks last
    int trial;
    bool operator<(const Ranked& other) const;
  };
  std::string reason_not_kept(int trial) const;

  sweep::KeepWeights policy_;
  const sweep::TrialList& trials_;
  std::map<std::string, RankBy> rank_by_;
  std::map<std::string, std::set<Ranked>> kept_;  ///< by experiment: at most policy_.best entries
};

}  // namespace aecnn::sched
