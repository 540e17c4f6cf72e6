#pragma once
// Runs a sweep's trials: on rank 0 the scheduler, on ranks 1..N-1 the workers (protocol in
// messages.hpp); with one process, the same trials in turn without MPI messages.
#include <boost/mpi/communicator.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aecnn/sched/placement.hpp"
#include "aecnn/sched/trial_log.hpp"
#include "aecnn/sched/weights_keeper.hpp"
#include "aecnn/sweep/trial_list.hpp"

namespace aecnn::sched {

/// How busy the workers were: busy rank-seconds over available rank-seconds.
struct Utilisation {
  double busy_rank_seconds = 0;
  double available_rank_seconds = 0;
  double fraction() const { return available_rank_seconds > 0 ? busy_rank_seconds / available_rank_seconds : 0; }
};

/// What rank 0 runs: the trials still to do, and how often a failing one may be tried.
struct SweepJob {
  /// The whole expansion. A searched trial's keys are filled in here when it starts.
  sweep::TrialList* trials = nullptr;
  std::vector<int> to_run;    ///< indices into trials, in order
  std::vector<int> failures;  ///< per trial index: failed attempts in earlier runs
  int max_attempts = 3;       ///< a trial that failed this often is not tried again
  std::string data_dir;
  std::string device;         ///< the --device request (auto, cpu, cuda), resolved by each worker
  /// A benchmark aid, never a result (benchmark_trials.hpp): "" trains; "noop", "sleep=S", or a
  /// test function evaluated at each trial's searched keys.
  std::string benchmark_trials;
  /// For a test function: by experiment name, the keys whose values are a trial's point.
  std::map<std::string, std::vector<sweep::SearchedKey>> benchmark_keys;
  /// A running trial whose ranks say nothing for this long is lost (messages.hpp, step 3b).
  double worker_timeout_seconds = 300;
  /// Per world rank, its node (Placement::node_of_rank): where exclusive trials may run alone.
  std::vector<int> node_of_rank;
  /// By experiment name, the pruners of the experiments that have one (TrialPruning).
  std::map<std::string, sweep::PrunerSpec> pruners;
  /// The pruning decisions the results file holds, replayed before anything runs (a resume).
  std::vector<store::PruningRecord> pruning_history;
  /// By experiment name, the model-based searches (TrialSearch).
  std::map<std::string, sweep::SearchSpec> searches;
  /// The observations the results file holds, replayed before anything runs; the trials they
  /// name must have their recorded configs in `trials`.
  std::vector<store::ObservationRecord> observation_history;
  std::string results_file;  ///< its path, for messages
  /// Which ended trials keep their weights, each experiment's ranked by its own metric (by name).
  sweep::KeepWeights keep_weights;
  std::map<std::string, RankBy> rank_weights_by;
  /// Done trials whose weights the file holds (a resume), with the epoch of their final model:
  /// the keeper starts from them and drops what the policy does not keep.
  std::vector<std::pair<int, int>> weights_in_file;
};

/// How a run ended.
struct SweepOutcome {
  Utilisation utilisation;
  int stop_signal = 0;  ///< the signal that stopped the sweep early, or 0
  /// Trials whose ranks stopped answering, with why ("lost-0003: ranks 1,2 silent for 12 s").
  /// Their ranks can take part in no MPI_Finalize: the caller ends the job with MPI_Abort.
  std::vector<std::string> lost;
  bool stopped_early() const { return stop_signal != 0 || !lost.empty(); }
};

/// Rank 0: hands the job's trials to free workers, k at once for a k-rank trial (Policy),
/// commits every report through `log`, retries failed trials up to the budget, then stops the
/// workers. A trial that has a checkpoint continues from it. On a stop signal, or when a running
/// trial's ranks fall silent for the job's worker timeout (lost), no new trial starts, running
/// ones are recorded interrupted at once and stop at their next step, and the run returns once
/// every rank still answering has reported. Waits without spinning; never blocks on a send.
SweepOutcome run_scheduler(const boost::mpi::communicator& world, const SweepJob& job, TrialLog& log);

/// Ranks 1..N-1: trains what rank 0 assigns, alone or with the other ranks of a trial's group,
/// until told to stop. The placement's local rank picks its GPU, and its threads are set per
/// trial (all of the node's cores for an exclusive one). Any exception inside a trial is
/// reported as that trial's failure; the worker goes on.
void run_worker(const boost::mpi::communicator& world, const Placement& placement);

/// One process: the same as run_scheduler, training the trials itself in turn (every trial
/// must need one rank).
SweepOutcome run_serial(const SweepJob& job, TrialLog& log);

/// Blocks until a message from `source` (or any) is waiting, sleeping between probes, or until
/// `give_up` says so (then nothing). Open MPI's blocking receive busy-polls, which would take a
/// core from the trainers on a small node.
std::optional<boost::mpi::status> wait_for_message(const boost::mpi::communicator& comm, int source,
                                                   const std::function<bool()>& give_up = {});

}  // namespace aecnn::sched
