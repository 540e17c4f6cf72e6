#pragma once
// Where ranks run and how many cores each may use.
#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

namespace aecnn::sched {

/// This rank's place in the job, from MPI itself (so mpirun and srun agree).
struct Placement {
  int local_rank = 0;             ///< index among the ranks on its node: a worker binds to GPU local_rank % GPUs
  int local_size = 1;             ///< ranks on its node
  int trainers_on_node = 1;       ///< of those, the ones that train (all but rank 0 when there are workers)
  std::vector<int> node_of_rank;  ///< per world rank, its node: 0, 1, ... in order of each node's lowest rank
  /// Compute threads while the node's trainer ranks share its cores: the cores this rank may run
  /// on, shared among them (rank 0 only schedules when there are workers, so it takes no share).
  int shared_threads = 1;
  /// Compute threads when this rank's trial has the node to itself (an exclusive trial): every
  /// core it may run on. A launcher that binds the rank to fewer cores (mpirun's default for
  /// -np <= 2, Slurm's --cpus-per-task) caps both: threads beyond the bound cores only contend.
  int node_threads = 1;
  /// The CPUs this rank may run on (its affinity mask): what a launcher's binding left it.
  int cpus_allowed = 1;
};

/// Collective over `world`: every rank must call it, before the roles split.
Placement describe_placement(const boost::mpi::communicator& world);

/// Collective over `world`, after the threads are settled (`--threads` may have raised
/// shared_threads past the binding): on rank 0, one warning line naming the training ranks that
/// run more compute threads than the CPUs they may run on, or "" (always "" on other ranks).
/// mpirun binds each rank to one core when it starts two or fewer, so `mpirun -np 2 ... --threads
/// 2` trains its 2 threads on one core, at half the speed, unless told `--bind-to none`.
std::string oversubscribed_threads_warning(const boost::mpi::communicator& world, const Placement& placement);

/// One line saying where this rank runs and what it would use (`aecnn-sweep --placement`):
/// "placement: rank 2 of 5 on HOST: node 1, local rank 0 of 2 (2 training), worker, 1 thread(s)
/// (2 for an exclusive trial), device cpu". `device` is what --device resolves to on this rank.
std::string placement_line(const Placement& placement, int rank, int size, const std::string& host,
                           const std::string& device);

/// Threads for a trial on this rank: all of node_threads for an exclusive trial, shared among
/// the members of its group on this node (`group` holds world ranks); shared_threads otherwise.
int trial_threads(const Placement& placement, bool exclusive, const std::vector<int>& group, int this_rank);

/// This process's rank as the launcher (mpirun, srun) set it, before MPI is initialised;
/// 0 when not launched by one. Lets a command-line error be printed once, not once per rank.
int launcher_rank();

/// The command that runs this job again, for the "resume with" line: under mpirun its whole
/// line as typed (read from the launcher, rank 0's parent process), not only this process's
/// `own_command`; where the launcher's line cannot be read (srun), `own_command` behind the
/// launcher and rank count. Arguments are quoted for a POSIX shell where they need it.
std::string launch_command(const std::vector<std::string>& own_command, int world_size);

/// `argument` as a POSIX shell reads it back: as is when it holds only safe characters, else
/// in single quotes.
std::string shell_quoted(const std::string& argument);

}  // namespace aecnn::sched
