#include "aecnn/sched/policy.hpp"

#include <algorithm>

namespace aecnn::sched {

Policy::Policy(std::vector<int> trials, std::vector<int> workers_needed, const std::vector<int>& worker_ranks,
               NodeLayout layout, std::size_t max_backfill)
    : queue_(trials.begin(), trials.end()),
      workers_needed_(std::move(workers_needed)),
      layout_(std::move(layout)),
      free_(worker_ranks.begin(), worker_ranks.end()),
      max_backfill_(max_backfill == static_cast<std::size_t>(-1) ? worker_ranks.size() : max_backfill) {
  for (int worker : worker_ranks) ++node_size_[node_of(worker)];
}

bool Policy::exclusive(int trial) const {
  return static_cast<std::size_t>(trial) < layout_.exclusive.size() && layout_.exclusive[static_cast<std::size_t>(trial)];
}

int Policy::node_of(int worker) const {
  const auto it = layout_.node_of_worker.find(worker);
  return it == layout_.node_of_worker.end() ? 0 : it->second;
}

std::optional<Dispatch> Policy::fit(int trial) const {
  const auto needed = static_cast<std::size_t>(workers_needed_.at(trial));
  Dispatch dispatch{trial, {}, {}};
  if (!exclusive(trial)) {
    if (needed > free_.size()) return std::nullopt;
    for (auto it = free_.begin(); dispatch.workers.size() < needed; ++it) dispatch.workers.push_back(*it);
    return dispatch;
  }
  // Whole idle nodes, in node order, until they hold enough workers.
  std::map<int, std::vector<int>> free_on_node;
  for (int worker : free_) free_on_node[node_of(worker)].push_back(worker);
  std::vector<int> taken;
  for (const auto& [node, workers] : free_on_node) {
    if (workers.size() != node_size_.at(node)) continue;  // a worker of this node is busy
    taken.insert(taken.end(), workers.begin(), workers.end());
    if (taken.size() >= needed) break;
  }
  if (taken.size() < needed) return std::nullopt;
  dispatch.workers.assign(taken.begin(), taken.begin() + static_cast<std::ptrdiff_t>(needed));
  dispatch.held.assign(taken.begin() + static_cast<std::ptrdiff_t>(needed), taken.end());
  return dispatch;
}

std::optional<Dispatch> Policy::pipelined() const {
  if (depth_ <= 1 || queue_.empty()) return std::nullopt;
  const int trial = queue_.front();
  if (workers_needed_.at(trial) != 1 || exclusive(trial)) return std::nullopt;
  if (static_cast<std::size_t>(trial) < pipelinable_.size() && !pipelinable_[static_cast<std::size_t>(trial)])
    return std::nullopt;
  // Only busy workers: an idle one with nothing is held for an exclusive trial, or free.
  int worker = -1;
  std::size_t least = depth_;
  for (const auto& [rank, load] : load_)
    if (load > 0 && load < least) {
      worker = rank;
      least = load;
    }
  if (worker < 0) return std::nullopt;
  return Dispatch{trial, {worker}, {}};
}

Dispatch Policy::start(std::deque<int>::iterator position, Dispatch dispatch) {
  for (int worker : dispatch.workers) {
    free_.erase(worker);
    ++load_[worker];
  }
  for (int worker : dispatch.held) free_.erase(worker);
  queue_.erase(position);
  running_.push_back(dispatch);
  return dispatch;
}

std::optional<Dispatch> Policy::next() {
  if (queue_.empty()) return std::nullopt;
  if (free_.empty()) {
    if (auto queued = pipelined()) return start(queue_.begin(), std::move(*queued));
    return std::nullopt;
  }
  if (auto head = fit(queue_.front())) {
    backfilled_ = 0;  // the head starts: a new wait begins with the next head
    return start(queue_.begin(), std::move(*head));
  }
  if (backfilled_ >= max_backfill_) return std::nullopt;  // hold free workers for the head's gang
  for (auto it = std::next(queue_.begin()); it != queue_.end(); ++it) {
    if (auto dispatch = fit(*it)) {
      ++backfilled_;
      return start(it, std::move(*dispatch));
    }
  }
  return std::nullopt;
}

void Policy::trial_ended(int trial) {
  auto it = std::find_if(running_.begin(), running_.end(), [&](const Dispatch& d) { return d.trial == trial; });
  if (it == running_.end()) return;
  for (int worker : it->workers)
    if (--load_[worker] == 0) free_.insert(worker);
  free_.insert(it->held.begin(), it->held.end());
  running_.erase(it);
}

}  // namespace aecnn::sched
