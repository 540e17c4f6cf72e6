#include "aecnn/sched/trial_pruning.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aecnn/error.hpp"

namespace aecnn::sched {

std::unique_ptr<search::Pruner> make_pruner(const sweep::PrunerSpec& spec, int max_epochs) {
  const auto direction = spec.maximize ? search::Direction::kMaximize : search::Direction::kMinimize;
  if (spec.type == "asha")
    return std::make_unique<search::AshaPruner>(spec.grace_epochs, spec.reduction_factor,
                                                spec.max_epochs > 0 ? spec.max_epochs : max_epochs, direction);
  if (spec.type == "median") return std::make_unique<search::MedianPruner>(spec.startup_trials, spec.warmup_epochs, direction);
  return nullptr;
}

double metric_of(const train::EpochRecord& record, const std::string& metric) {
  if (metric == "val_accuracy") return record.val_accuracy;
  if (metric == "val_loss") return record.val_loss;
  if (metric == "accuracy") return record.accuracy;
  if (metric == "loss") return record.loss;
  throw Error("pruner metric '" + metric + "' is not a history column");  // the parser allows no other
}

TrialPruning::TrialPruning(const sweep::TrialList& trials, const std::map<std::string, sweep::PrunerSpec>& pruners) {
  if (pruners.empty()) return;
  std::map<std::string, int> longest;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const std::string& experiment = trials.experiment(i);
    if (pruners.count(experiment) == 0) continue;
    longest[experiment] =
        std::max(longest[experiment], static_cast<int>(std::get<std::int64_t>(trials.value(i, "epochs"))));
  }
  for (const auto& [experiment, spec] : pruners)
    if (auto pruner = make_pruner(spec, std::max(1, longest[experiment]))) {
      watched_[experiment] = Watched{pruner.get(), spec.metric};
      by_experiment_[experiment] = std::move(pruner);
    }
  of_trial_.assign(trials.size(), nullptr);
  for (std::size_t i = 0; i < trials.size(); ++i)
    if (const auto it = watched_.find(trials.experiment(i)); it != watched_.end()) of_trial_[i] = &it->second;
}

const TrialPruning::Watched* TrialPruning::watched(int trial) const {
  if (trial < 0 || static_cast<std::size_t>(trial) >= of_trial_.size()) return nullptr;
  return of_trial_[static_cast<std::size_t>(trial)];
}

bool TrialPruning::watches(int trial) const { return watched(trial) != nullptr; }

void TrialPruning::replay(const std::vector<store::PruningRecord>& records, const std::string& file) {
  for (std::size_t row = 0; row < records.size(); ++row) {
    const auto& record = records[row];
    const int trial = static_cast<int>(record.trial);
    const Watched* w = record.trial == trial ? watched(trial) : nullptr;
    if (w == nullptr)
      throw Error(file + ":/pruning row " + std::to_string(row) + ": trial index " + std::to_string(record.trial) +
                  " is not a trial this sweep prunes");
    if (record.epoch == 0) {
      w->pruner->completed(trial);
      continue;
    }
    // The pruner sees the same calls as when the decision was made; the recorded verdict is
    // the one that took effect, so it is the one kept.
    w->pruner->report(trial, static_cast<int>(record.epoch), record.value);
    decided_[{trial, static_cast<int>(record.epoch)}] = record;
    if (record.stop) stopped_at_[trial] = static_cast<int>(record.epoch);
  }
}

std::optional<std::pair<store::PruningRecord, bool>> TrialPruning::decide(int trial, const train::EpochRecord& record) {
  const Watched* w = watched(trial);
  if (w == nullptr) return std::nullopt;
  const auto earlier = decided_.find({trial, record.epoch});
  if (earlier != decided_.end()) return std::make_pair(earlier->second, false);
  store::PruningRecord decision;
  decision.trial = trial;
  decision.epoch = record.epoch;
  decision.value = metric_of(record, w->metric);
  const search::PruneVerdict verdict = w->pruner->report(trial, record.epoch, decision.value);
  decision.stop = verdict.stop;
  decision.rung = verdict.rung;
  decision.cutoff = verdict.cutoff;
  decision.compared = verdict.compared;
  decided_[{trial, record.epoch}] = decision;
  if (decision.stop) stopped_at_[trial] = record.epoch;
  return std::make_pair(decision, true);
}

std::optional<store::PruningRecord> TrialPruning::completed(int trial) {
  const Watched* w = watched(trial);
  if (w == nullptr) return std::nullopt;
  w->pruner->completed(trial);
  store::PruningRecord row;
  row.trial = trial;
  row.epoch = 0;
  row.value = std::numeric_limits<double>::quiet_NaN();
  row.cutoff = std::numeric_limits<double>::quiet_NaN();
  return row;
}

std::optional<int> TrialPruning::stopped_at(int trial) const {
  const auto it = stopped_at_.find(trial);
  if (it == stopped_at_.end()) return std::nullopt;
  return it->second;
}

}  // namespace aecnn::sched
