#pragma once
// Which trial goes to which workers: a pure state machine, fed events, tested without MPI.
// Dispatch is dynamic: whichever workers are free take the next trial in queue order. A trial
// names how many workers it needs (1 for now), so a data-parallel trial can later take several.
#include <deque>
#include <optional>
#include <set>
#include <vector>

namespace aecnn::sched {

/// One trial handed to a group of workers; workers.front() leads and reports.
struct Dispatch {
  int trial = 0;
  std::vector<int> workers;
};

class Policy {
 public:
  /// `workers_needed[i]` is how many workers trial i needs; `trials` lists the ones to run, in order.
  Policy(std::vector<int> trials, std::vector<int> workers_needed, const std::vector<int>& worker_ranks);

  /// The next dispatch the free workers allow, or nothing. Marks those workers busy.
  std::optional<Dispatch> next();
  /// The trial on `worker` ended (done or failed): its workers are free again.
  void trial_ended(int trial);

  bool all_done() const { return queue_.empty() && running_.empty(); }
  std::size_t pending() const { return queue_.size(); }
  std::size_t running() const { return running_.size(); }

 private:
  std::deque<int> queue_;
  std::vector<int> workers_needed_;
  std::set<int> free_;
  std::vector<Dispatch> running_;
};

}  // namespace aecnn::sched
