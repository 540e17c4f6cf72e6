#include "aecnn/sched/placement.hpp"

#include <mpi.h>
#include <sched.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>

namespace aecnn::sched {
namespace {

// Rank 0 only schedules and writes when there are workers; alone, it trains too.
bool trains(int rank, int size) { return size == 1 || rank != 0; }

}  // namespace

Placement describe_placement(const boost::mpi::communicator& world) {
  Placement placement;
  // The ranks that share this node, from MPI itself (works under mpirun and srun alike).
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(static_cast<MPI_Comm>(world), MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &placement.local_rank);
  MPI_Comm_size(node, &placement.local_size);
  const int is_trainer = trains(world.rank(), world.size()) ? 1 : 0;
  int trainers_on_node = 0, lowest_rank_on_node = 0;
  MPI_Allreduce(&is_trainer, &trainers_on_node, 1, MPI_INT, MPI_SUM, node);
  placement.trainers_on_node = trainers_on_node;
  const int rank = world.rank();
  MPI_Allreduce(&rank, &lowest_rank_on_node, 1, MPI_INT, MPI_MIN, node);
  MPI_Comm_free(&node);

  std::vector<int> lowest(static_cast<std::size_t>(world.size()));
  MPI_Allgather(&lowest_rank_on_node, 1, MPI_INT, lowest.data(), 1, MPI_INT, static_cast<MPI_Comm>(world));
  std::map<int, int> index_of_node;
  for (int id : lowest) {
    index_of_node.emplace(id, static_cast<int>(index_of_node.size()));
    placement.node_of_rank.push_back(index_of_node.at(id));
  }

  const int node_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t allowed;
  const int bound_cores = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : node_cores;
  placement.cpus_allowed = std::max(1, bound_cores);
  placement.node_threads = std::max(1, std::min(node_cores, bound_cores));
  placement.shared_threads = std::max(1, std::min(node_cores / std::max(1, trainers_on_node), bound_cores));
  return placement;
}

std::string oversubscribed_threads_warning(const boost::mpi::communicator& world, const Placement& placement) {
  const int mine[2] = {trains(world.rank(), world.size()) ? placement.shared_threads : 0, placement.cpus_allowed};
  std::vector<int> all(2 * static_cast<std::size_t>(world.size()));
  MPI_Gather(mine, 2, MPI_INT, all.data(), 2, MPI_INT, 0, static_cast<MPI_Comm>(world));
  if (world.rank() != 0) return "";
  std::string ranks;
  int threads = 0, cpus = 0;
  for (int r = 0; r < world.size(); ++r) {
    const int t = all[2 * static_cast<std::size_t>(r)], c = all[2 * static_cast<std::size_t>(r) + 1];
    if (t <= c) continue;
    ranks += (ranks.empty() ? "" : ",") + std::to_string(r);
    threads = std::max(threads, t);
    cpus = cpus == 0 ? c : std::min(cpus, c);
  }
  if (ranks.empty()) return "";
  return "aecnn-sweep: warning: rank(s) " + ranks + " train with " + std::to_string(threads) +
         " compute thread(s) but may run on only " + std::to_string(cpus) +
         " CPU(s): the threads share them and train slower than fewer would (the launcher bound the ranks; "
         "mpirun binds each rank to one core when it starts 2 or fewer: add --bind-to none, or leave "
         "--threads to its default)";
}

std::string placement_line(const Placement& placement, int rank, int size, const std::string& host,
                           const std::string& device) {
  const auto node = static_cast<std::size_t>(rank) < placement.node_of_rank.size()
                        ? placement.node_of_rank[static_cast<std::size_t>(rank)] : 0;
  const bool trainer = trains(rank, size);
  return "placement: rank " + std::to_string(rank) + " of " + std::to_string(size) + " on " + host + ": node " +
         std::to_string(node) + ", local rank " + std::to_string(placement.local_rank) + " of " +
         std::to_string(placement.local_size) + " (" + std::to_string(placement.trainers_on_node) + " training), " +
         (trainer ? (rank == 0 ? "trains alone" : "worker") : "scheduler and writer") + ", " +
         std::to_string(placement.shared_threads) + " thread(s) (" + std::to_string(placement.node_threads) +
         " for an exclusive trial), device " + (trainer ? device : "none");
}

int trial_threads(const Placement& placement, bool exclusive, const std::vector<int>& group, int this_rank) {
  if (!exclusive) return placement.shared_threads;
  const auto node_of = [&](int rank) {
    return static_cast<std::size_t>(rank) < placement.node_of_rank.size() ? placement.node_of_rank[static_cast<std::size_t>(rank)] : -1;
  };
  const auto here = std::count_if(group.begin(), group.end(), [&](int r) { return node_of(r) == node_of(this_rank); });
  return std::max(1, placement.node_threads / static_cast<int>(std::max<std::ptrdiff_t>(1, here)));
}

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 0;
}

std::string shell_quoted(const std::string& argument) {
  const bool safe = !argument.empty() && std::all_of(argument.begin(), argument.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string("/._-=:,+@%").find(c) != std::string::npos;
  });
  if (safe) return argument;
  std::string quoted = "'";
  for (char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

namespace {

std::string joined(const std::vector<std::string>& arguments) {
  std::string line;
  for (const auto& argument : arguments) line += (line.empty() ? "" : " ") + shell_quoted(argument);
  return line;
}

// The parent's argument vector when the parent is Open MPI's launcher (it starts the ranks of
// its own node itself); empty otherwise.
std::vector<std::string> mpirun_command() {
  std::ifstream in("/proc/" + std::to_string(getppid()) + "/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> arguments;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\0', start), text.size());
    arguments.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (arguments.empty()) return {};
  const std::string program = arguments.front().substr(arguments.front().rfind('/') + 1);
  for (const char* launcher : {"mpirun", "mpiexec", "orterun", "prterun"})
    if (program == launcher) return arguments;
  return {};
}

}  // namespace

std::string launch_command(const std::vector<std::string>& own_command, int world_size) {
  if (world_size <= 1) return joined(own_command);
  const auto launcher = mpirun_command();
  if (!launcher.empty()) return joined(launcher);
  const bool srun = std::getenv("SLURM_STEP_ID") != nullptr;
  return std::string(srun ? "srun -n " : "mpirun -np ") + std::to_string(world_size) + " " + joined(own_command);
}

}  // namespace aecnn::sched

