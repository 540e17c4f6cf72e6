#pragma once
// Which trial goes to which workers: a pure state machine, fed events, tested without MPI.
//
// Dispatch is dynamic: free workers take the next trial in queue order. A trial needing k
// workers (a gang, for data parallelism) starts only when k are free at once. While the head of
// the queue waits for its gang, later trials that fit the free workers are started in its place
// (backfilling, so workers do not idle) -- but at most `max_backfill` of them per wait. After
// that, freed workers are held for the head until its gang is complete. Every running trial
// ends, so a waiting gang starts after finitely many events: it is never starved.
//
// An exclusive trial (for clean timing) starts only on whole nodes none of whose workers is
// busy, and keeps the other workers of those nodes idle ("held") until it ends, so that it has
// the node's cores to itself. It waits for such nodes as a gang waits for its workers.
//
// Pipelining, for trials much shorter than a dispatch (search benchmarks, no-op trials): with a
// depth d > 1, a busy worker may be handed up to d trials at once; it runs them in order. Only a
// one-worker, non-exclusive trial at the head of the queue is pipelined, so a waiting gang or
// exclusive trial still sees workers drain and starts.
#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace aecnn::sched {

/// One trial handed to a group of workers; workers.front() leads and reports.
struct Dispatch {
  int trial = 0;
  std::vector<int> workers;
  std::vector<int> held;  ///< idle workers kept off the trial's nodes while it runs (exclusive)
};

/// Where the workers are and which trials want their nodes to themselves.
struct NodeLayout {
  std::map<int, int> node_of_worker;  ///< worker rank -> node index; a worker not listed is on node 0
  std::vector<bool> exclusive;        ///< per trial index; missing = false
};

class Policy {
 public:
  /// `workers_needed[i]` is how many workers trial i needs; `trials` lists the ones to run, in
  /// order. `max_backfill` bounds the trials started past a waiting gang (default: one per worker).
  Policy(std::vector<int> trials, std::vector<int> workers_needed, const std::vector<int>& worker_ranks,
         std::size_t max_backfill = static_cast<std::size_t>(-1))
      : Policy(std::move(trials), std::move(workers_needed), worker_ranks, NodeLayout{}, max_backfill) {}
  Policy(std::vector<int> trials, std::vector<int> workers_needed, const std::vector<int>& worker_ranks,
         NodeLayout layout, std::size_t max_backfill = static_cast<std::size_t>(-1));

  /// The next dispatch the free workers allow, or nothing. Marks those workers busy.
  std::optional<Dispatch> next();
  /// The trial's workers are free again (it finished or failed on all of them).
  void trial_ended(int trial);
  /// Queues an ended trial again, last (a retry after a failure).
  void requeue(int trial) { queue_.push_back(trial); }
  /// How many trials one worker may hold at once (1: one trial per free worker, the default).
  void set_pipeline_depth(std::size_t depth) { depth_ = std::max<std::size_t>(depth, 1); }
  /// Per trial index, whether it may be pipelined at all (missing = yes). A trial whose start or
  /// stop depends on what has ended before it (model-based search, a pruner) must not be.
  void set_pipelinable(std::vector<bool> pipelinable) { pipelinable_ = std::move(pipelinable); }
  std::size_t pipeline_depth() const { return depth_; }

  bool all_done() const { return queue_.empty() && running_.empty(); }
  std::size_t pending() const { return queue_.size(); }
  std::size_t running() const { return running_.size(); }

 private:
  /// The workers (and the held ones) `trial` would get now, or nothing if it cannot start.
  std::optional<Dispatch> fit(int trial) const;
  /// The head of the queue for the least-loaded busy worker, if pipelining allows it.
  std::optional<Dispatch> pipelined() const;
  Dispatch start(std::deque<int>::iterator position, Dispatch dispatch);
  bool exclusive(int trial) const;
  int node_of(int worker) const;

  std::deque<int> queue_;
  std::vector<int> workers_needed_;
  NodeLayout layout_;
  std::map<int, std::size_t> node_size_;  ///< workers per node
  std::set<int> free_;                ///< workers holding no trial (and not held)
  std::map<int, std::size_t> load_;   ///< trials each worker holds (running or pipelined)
  std::size_t depth_ = 1;
  std::vector<bool> pipelinable_;
  std::vector<Dispatch> running_;
  std::size_t max_backfill_;
  std::size_t backfilled_ = 0;  ///< trials started past the current head while it waits
};

}  // namespace aecnn::sched
