#pragma once
// Rank 0's pruning: one pruner per experiment that asks for one (`[pruner]`), fed every epoch its
// trials report, and the record of every decision made. Pure logic (no MPI, no file): the
// scheduler commits each decision with its epoch before acting on it, and a resumed sweep replays
// the committed decisions in order, which rebuilds every pruner exactly as it was
// (search/pruner.hpp: a pruner's state is a function of the calls it got).
//
// A decision once made is final: an epoch reported again (a trial retried from a checkpoint
// that its decision came with) gets the recorded verdict back, not a new one.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aecnn/search/pruner.hpp"
#include "aecnn/store/results_file.hpp"
#include "aecnn/sweep/trial_list.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::sched {

/// The pruner `spec` describes, for an experiment whose longest trial runs `max_epochs` epochs
/// (ASHA's rungs stay below spec.max_epochs, or below that when it is 0). Nothing for "none".
std::unique_ptr<search::Pruner> make_pruner(const sweep::PrunerSpec& spec, int max_epochs);

/// `metric` ("val_accuracy", "val_loss", "accuracy", "loss") of one history row.
double metric_of(const train::EpochRecord& record, const std::string& metric);

class TrialPruning {
 public:
  /// `pruners`: by experiment name, the settings of those that have one enabled.
  TrialPruning(const sweep::TrialList& trials, const std::map<std::string, sweep::PrunerSpec>& pruners);

  /// Whether a pruner watches the trial (its experiment has one).
  bool watches(int trial) const;
  /// Feeds the decisions a results file holds, in their order, to the pruners (a resumed sweep).
  /// Rows naming no watched trial are refused with an Error naming `file`.
  void replay(const std::vector<store::PruningRecord>& records, const std::string& file);

  /// The decision on `trial`'s epoch `record`: a new one (`second` true: commit it) or the one
  /// made before (false). Nothing when no pruner watches the trial.
  std::optional<std::pair<store::PruningRecord, bool>> decide(int trial, const train::EpochRecord& record);
  /// The row that tells the trial's pruner it ran all its epochs (median stopping compares later
  /// trials with completed ones), to commit with the trial's result; nothing if not watched.
  std::optional<store::PruningRecord> completed(int trial);
  /// The epoch at which a committed verdict stopped the trial, if one did.
  std::optional<int> stopped_at(int trial) const;

 private:
  struct Watched {
    search::Pruner* pruner = nullptr;
    std::string metric;
  };
  const Watched* watched(int trial) const;

  std::map<std::string, std::unique_ptr<search::Pruner>> by_experiment_;
  /// One per experiment with a pruner; held by pointer so that `of_trial_` costs 8 bytes a trial.
  std::map<std::string, Watched> watched_;
  std::vector<const Watched*> of_trial_;  ///< by trial index; null: not watched (empty: no pruner at all)
  std::map<std::pair<int, int>, store::PruningRecord> decided_;  ///< (trial, epoch) -> decision
  std::map<int, int> stopped_at_;  ///< trial -> the epoch its stop verdict came at
};

}  // namespace aecnn::sched
