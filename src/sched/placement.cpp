#include "aecnn/sched/placement.hpp"

#include <mpi.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace aecnn::sched {

int default_threads(const boost::mpi::communicator& world) {
  // The ranks that share this node, from MPI itself (works under mpirun and srun alike).
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(static_cast<MPI_Comm>(world), MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  const int is_trainer = (world.size() == 1 || world.rank() != 0) ? 1 : 0;
  int trainers_on_node = 0;
  MPI_Allreduce(&is_trainer, &trainers_on_node, 1, MPI_INT, MPI_SUM, node);
  MPI_Comm_free(&node);

  const int node_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // A launcher that binds this rank to fewer cores (mpirun's default for -np <= 2, Slurm's
  // --cpus-per-task) caps it further: threads beyond the bound cores only contend.
  cpu_set_t allowed;
  const int bound_cores = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : node_cores;
  const int share = node_cores / std::max(1, trainers_on_node);
  return std::max(1, std::min(share, bound_cores));
}

int node_local_rank(const boost::mpi::communicator& world) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(static_cast<MPI_Comm>(world), MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  int local = 0;
  MPI_Comm_rank(node, &local);
  MPI_Comm_free(&node);
  return local;
}

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 0;
}

}  // namespace aecnn::sched
