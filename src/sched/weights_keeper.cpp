#include "aecnn/sched/weights_keeper.hpp"

#include <cmath>

#include "aecnn/sched/trial_pruning.hpp"

namespace aecnn::sched {

RankBy rank_by_of(const sweep::ExperimentSpec& experiment) {
  if (experiment.search.enabled()) return {experiment.search.metric, experiment.search.maximize};
  if (experiment.pruner.enabled()) return {experiment.pruner.metric, experiment.pruner.maximize};
  return {};
}

bool WeightsKeeper::Ranked::operator<(const Ranked& other) const {
  const bool nan = std::isnan(value), other_nan = std::isnan(other.value);
  if (nan != other_nan) return other_nan;  // a measured value ranks before a NaN
  if (!nan && value != other.value) return value < other.value;
  return trial < other.trial;
}

WeightsKeeper::WeightsKeeper(const sweep::KeepWeights& policy, const sweep::TrialList& trials,
                             std::map<std::string, RankBy> rank_by)
    : policy_(policy), trials_(trials), rank_by_(std::move(rank_by)) {}

std::string WeightsKeeper::reason_not_kept(int trial) const {
  const std::string policy = "keep_weights = \"" + policy_.text() + "\"";
  if (policy_.mode == sweep::KeepWeights::Mode::kNone) return policy;
  const std::string experiment = trials_.at(static_cast<std::size_t>(trial)).experiment;
  const auto it = rank_by_.find(experiment);
  const RankBy by = it == rank_by_.end() ? RankBy{} : it->second;
  return "not among the " + std::to_string(policy_.best) + " best of experiment '" + experiment + "' by " + by.metric +
         " (" + (by.maximize ? "max" : "min") + "; " + policy + ")";
}

std::vector<WeightsDrop> WeightsKeeper::done(int trial, const std::vector<train::EpochRecord>& history,
                                             int final_epoch) {
  using Mode = sweep::KeepWeights::Mode;
  if (policy_.mode == Mode::kAll) return {};
  if (policy_.mode == Mode::kNone) return {{trial, reason_not_kept(trial)}};
  const std::string experiment = trials_.at(static_cast<std::size_t>(trial)).experiment;
  const auto it = rank_by_.find(experiment);
  const RankBy by = it == rank_by_.end() ? RankBy{} : it->second;
  double value = std::nan("");  // no epoch at all (a benchmark trial): ranks last
  if (final_epoch >= 1 && static_cast<std::size_t>(final_epoch) <= history.size())
    value = metric_of(history[static_cast<std::size_t>(final_epoch) - 1], by.metric);
  else if (!history.empty())
    value = metric_of(history.back(), by.metric);
  auto& kept = kept_[experiment];
  kept.insert({by.maximize ? -value : value, trial});
  if (static_cast<int>(kept.size()) <= policy_.best) return {};
  const auto worst = std::prev(kept.end());
  const int out = worst->trial;
  kept.erase(worst);
  return {{out, reason_not_kept(out)}};
}

std::vector<WeightsDrop> WeightsKeeper::pruned(int trial) const {
  if (policy_.mode == sweep::KeepWeights::Mode::kAll) return {};
  return {{trial, "pruned (keep_weights = \"" + policy_.text() + "\" keeps done trials' weights only)"}};
}

}  // namespace aecnn::sched
