#include "aecnn/sched/policy.hpp"

#include <algorithm>

namespace aecnn::sched {

Policy::Policy(std::vector<int> trials, std::vector<int> workers_needed, const std::vector<int>& worker_ranks)
    : queue_(trials.begin(), trials.end()),
      workers_needed_(std::move(workers_needed)),
      free_(worker_ranks.begin(), worker_ranks.end()) {}

std::optional<Dispatch> Policy::next() {
  if (queue_.empty()) return std::nullopt;
  const int trial = queue_.front();
  const auto needed = static_cast<std::size_t>(workers_needed_.at(trial));
  if (free_.size() < needed) return std::nullopt;
  Dispatch dispatch{trial, {}};
  for (auto it = free_.begin(); dispatch.workers.size() < needed;) {
    dispatch.workers.push_back(*it);
    it = free_.erase(it);
  }
  queue_.pop_front();
  running_.push_back(dispatch);
  return dispatch;
}

void Policy::trial_ended(int trial) {
  auto it = std::find_if(running_.begin(), running_.end(), [&](const Dispatch& d) { return d.trial == trial; });
  if (it == running_.end()) return;
  free_.insert(it->workers.begin(), it->workers.end());
  running_.erase(it);
}

}  // namespace aecnn::sched
