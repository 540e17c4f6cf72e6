#include "aecnn/dist/mpi_communicator.hpp"

#include <climits>
#include <stdexcept>
#include <string>

namespace aecnn::dist {
namespace {

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw std::runtime_error(std::string(what) + ": " + std::string(text, static_cast<std::size_t>(length)));
  }
}

int as_count(std::size_t count) {
  if (count > static_cast<std::size_t>(INT_MAX)) throw std::length_error("MPI buffer larger than INT_MAX elements");
  return static_cast<int>(count);
}

}  // namespace

MpiCommunicator::MpiCommunicator(MPI_Comm world, const std::vector<int>& world_ranks, int tag) {
  MPI_Group world_group = MPI_GROUP_NULL, group = MPI_GROUP_NULL;
  check(MPI_Comm_group(world, &world_group), "MPI_Comm_group");
  check(MPI_Group_incl(world_group, static_cast<int>(world_ranks.size()), world_ranks.data(), &group), "MPI_Group_incl");
  const int code = MPI_Comm_create_group(world, group, tag, &comm_);
  MPI_Group_free(&group);
  MPI_Group_free(&world_group);
  check(code, "MPI_Comm_create_group");
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

MpiCommunicator::~MpiCommunicator() {
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void MpiCommunicator::allreduce_sum(float* data, std::size_t count) {
  check(MPI_Allreduce(MPI_IN_PLACE, data, as_count(count), MPI_FLOAT, MPI_SUM, comm_), "MPI_Allreduce");
}

void MpiCommunicator::broadcast(float* data, std::size_t count, int root) {
  check(MPI_Bcast(data, as_count(count), MPI_FLOAT, root, comm_), "MPI_Bcast");
}

void MpiCommunicator::allreduce_sum_host(double* data, std::size_t count) {
  check(MPI_Allreduce(MPI_IN_PLACE, data, as_count(count), MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
}

}  // namespace aecnn::dist
