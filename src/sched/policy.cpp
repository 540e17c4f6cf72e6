#include "aecnn/sched/policy.hpp"

#include <algorithm>

namespace aecnn::sched {

Policy::Policy(std::vector<int> trials, std::vector<int> workers_needed, const std::vector<int>& worker_ranks,
               std::size_t max_backfill)
    : queue_(trials.begin(), trials.end()),
      workers_needed_(std::move(workers_needed)),
      free_(worker_ranks.begin(), worker_ranks.end()),
      max_backfill_(max_backfill == static_cast<std::size_t>(-1) ? worker_ranks.size() : max_backfill) {}

Dispatch Policy::start(std::deque<int>::iterator position) {
  const int trial = *position;
  const auto needed = static_cast<std::size_t>(workers_needed_.at(trial));
  Dispatch dispatch{trial, {}};
  for (auto it = free_.begin(); dispatch.workers.size() < needed;) {
    dispatch.workers.push_back(*it);
    it = free_.erase(it);
  }
  queue_.erase(position);
  running_.push_back(dispatch);
  return dispatch;
}

std::optional<Dispatch> Policy::next() {
  if (queue_.empty() || free_.empty()) return std::nullopt;
  if (static_cast<std::size_t>(workers_needed_.at(queue_.front())) <= free_.size()) {
    backfilled_ = 0;  // the head starts: a new wait begins with the next head
    return start(queue_.begin());
  }
  if (backfilled_ >= max_backfill_) return std::nullopt;  // hold free workers for the head's gang
  for (auto it = std::next(queue_.begin()); it != queue_.end(); ++it) {
    if (static_cast<std::size_t>(workers_needed_.at(*it)) <= free_.size()) {
      ++backfilled_;
      return start(it);
    }
  }
  return std::nullopt;
}

void Policy::trial_ended(int trial) {
  auto it = std::find_if(running_.begin(), running_.end(), [&](const Dispatch& d) { return d.trial == trial; });
  if (it == running_.end()) return;
  free_.insert(it->workers.begin(), it->workers.end());
  running_.erase(it);
}

}  // namespace aecnn::sched
