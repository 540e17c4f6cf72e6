#pragma once
// Where ranks run and how many cores each may use.
#include <boost/mpi/communicator.hpp>

namespace aecnn::sched {

/// Compute threads for this rank (collective over `world`: every rank must call it): the cores it may run on, shared among the trainer ranks on its
/// node (rank 0 only schedules when there are workers, so it takes no share), at least 1.
int default_threads(const boost::mpi::communicator& world);

/// This rank's index among the ranks on its node (from MPI, so mpirun and srun agree): a worker
/// binds to GPU local_rank % GPUs on the node. Collective over `world`: every rank must call it.
int node_local_rank(const boost::mpi::communicator& world);

/// This process's rank as the launcher (mpirun, srun) set it, before MPI is initialised;
/// 0 when not launched by one. Lets a command-line error be printed once, not once per rank.
int launcher_rank();

}  // namespace aecnn::sched
