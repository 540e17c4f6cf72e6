#pragma once
// Runs a sweep's trials: on rank 0 the scheduler, on ranks 1..N-1 the workers (protocol in
// messages.hpp); with one process, the same trials in turn without MPI messages.
#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

#include "aecnn/sched/trial_log.hpp"
#include "aecnn/sweep/expand.hpp"

namespace aecnn::sched {

/// How busy the workers were: busy rank-seconds over available rank-seconds.
struct Utilisation {
  double busy_rank_seconds = 0;
  double available_rank_seconds = 0;
  double fraction() const { return available_rank_seconds > 0 ? busy_rank_seconds / available_rank_seconds : 0; }
};

/// Rank 0: hands `to_run` (indices into `trials`) to free workers, k at once for a k-rank trial
/// (Policy), commits every report through `log`, then stops the workers. Waits without spinning.
/// `device` is the --device request (auto, cpu, cuda) passed on to the workers.
Utilisation run_scheduler(const boost::mpi::communicator& world, const std::vector<sweep::TrialSpec>& trials,
                          const std::vector<int>& to_run, const std::string& data_dir, const std::string& device,
                          TrialLog& log);

/// Ranks 1..N-1: trains what rank 0 assigns, alone or with the other ranks of a trial's group,
/// until told to stop. `local_rank` (the rank's index on its node) picks its GPU. Any exception
/// inside a trial is reported as that trial's failure; the worker goes on.
void run_worker(const boost::mpi::communicator& world, int local_rank);

/// One process: trains `to_run` in order (every trial must need one rank).
void run_serial(const std::vector<sweep::TrialSpec>& trials, const std::vector<int>& to_run,
                const std::string& data_dir, const std::string& device, TrialLog& log);

/// Blocks until a message from `source` (or any) is waiting, sleeping between probes. Open
/// MPI's blocking receive busy-polls, which would take a core from the trainers on a small node.
boost::mpi::status wait_for_message(const boost::mpi::communicator& comm, int source = boost::mpi::any_source);

}  // namespace aecnn::sched
