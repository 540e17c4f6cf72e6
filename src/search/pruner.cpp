#include "aecnn/search/pruner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace aecnn::search {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool better(double a, double b, Direction direction) { return direction == Direction::kMaximize ? a > b : a < b; }

}  // namespace

AshaPruner::AshaPruner(int grace_epochs, int reduction_factor, int max_epochs, Direction direction)
    : reduction_factor_(reduction_factor), direction_(direction) {
  if (grace_epochs < 1 || reduction_factor < 2 || max_epochs < 1)
    throw std::invalid_argument("ASHA needs grace_epochs >= 1, reduction_factor >= 2, max_epochs >= 1");
  for (long long rung = grace_epochs; rung < max_epochs; rung *= reduction_factor) rungs_.push_back(static_cast<int>(rung));
  recorded_.resize(rungs_.size());
  ascending_.resize(rungs_.size());
}

PruneVerdict AshaPruner::report(int, int epoch, double value) {
  PruneVerdict verdict;
  const auto it = std::find(rungs_.begin(), rungs_.end(), epoch);
  if (std::isnan(value)) {
    verdict.stop = true;
    verdict.cutoff = kNaN;
    if (it != rungs_.end()) verdict.rung = static_cast<int>(it - rungs_.begin());
    return verdict;
  }
  if (it == rungs_.end()) return verdict;
  verdict.rung = static_cast<int>(it - rungs_.begin());
  const auto rung = static_cast<std::size_t>(verdict.rung);
  recorded_[rung].push_back(value);
  auto& ascending = ascending_[rung];
  ascending.insert(std::upper_bound(ascending.begin(), ascending.end(), value), value);
  const std::size_t n = ascending.size();
  const std::size_t keep = std::max<std::size_t>(1, n / static_cast<std::size_t>(reduction_factor_));
  // The keep-th best: from the top when maximising, from the bottom when minimising.
  verdict.cutoff = direction_ == Direction::kMaximize ? ascending[n - keep] : ascending[keep - 1];
  verdict.compared = static_cast<int>(n);
  verdict.stop = better(verdict.cutoff, value, direction_);
  return verdict;
}

std::string AshaPruner::describe() const {
  std::string text = "ASHA: rungs at epoch";
  for (std::size_t k = 0; k < rungs_.size(); ++k) text += (k ? ", " : " ") + std::to_string(rungs_[k]);
  if (rungs_.empty()) text += "s: none (grace_epochs reaches max_epochs: nothing is pruned)";
  text += "; a trial continues past a rung if it is in the best 1/" + std::to_string(reduction_factor_) +
          " of the values recorded there";
  return text;
}

MedianPruner::MedianPruner(int startup_trials, int warmup_epochs, Direction direction)
    : startup_trials_(startup_trials), warmup_epochs_(warmup_epochs), direction_(direction) {}

PruneVerdict MedianPruner::report(int trial, int epoch, double value) {
  auto& values = running_[trial];
  values.resize(static_cast<std::size_t>(std::max<int>(epoch, static_cast<int>(values.size()))), kNaN);
  values[static_cast<std::size_t>(epoch - 1)] = value;
  PruneVerdict verdict;
  verdict.cutoff = kNaN;
  if (completed_count_ == 0 || completed_count_ < startup_trials_ || epoch <= warmup_epochs_) return verdict;
  // The trial's best so far; NaNs are skipped unless there is nothing else (then it stops).
  double best = kNaN;
  for (const double v : values)
    if (!std::isnan(v) && (std::isnan(best) || better(v, best, direction_))) best = v;
  if (std::isnan(best)) {
    verdict.stop = true;
    return verdict;
  }
  const auto at = completed_values_.find(epoch);
  if (at == completed_values_.end() || at->second.empty()) return verdict;
  const std::vector<double>& sorted = at->second;
  const double position = 0.5 * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
  verdict.cutoff = sorted[lower] + (sorted[upper] - sorted[lower]) * (position - static_cast<double>(lower));
  verdict.compared = static_cast<int>(sorted.size());
  verdict.stop = better(verdict.cutoff, best, direction_);
  return verdict;
}

void MedianPruner::completed(int trial) {
  const auto it = running_.find(trial);
  if (it != running_.end()) {
    for (std::size_t e = 0; e < it->second.size(); ++e)
      if (!std::isnan(it->second[e])) {
        auto& sorted = completed_values_[static_cast<int>(e) + 1];
        sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), it->second[e]), it->second[e]);
      }
    running_.erase(it);
  }
  ++completed_count_;
}

std::string MedianPruner::describe() const {
  return "median: after " + std::to_string(startup_trials_) + " completed trial(s) and from epoch " +
         std::to_string(warmup_epochs_ + 1) +
         ", a trial stops when its best value so far is worse than the completed trials' median at that epoch";
}

}  // namespace aecnn::search
