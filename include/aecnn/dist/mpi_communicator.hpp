#pragma once
// The MPI backend: host buffers, one MPI_Allreduce per call, over a communicator made for one
// trial's ranks alone (MPI_Comm_create_group: collective over the group only, so idle and busy
// workers take no part) and freed with the object.
#include <mpi.h>

#include <vector>

#include "aecnn/dist/communicator.hpp"

namespace aecnn::dist {

class MpiCommunicator final : public Communicator {
 public:
  /// Creates a communicator among `world_ranks` of `world` (ranks in this order: the first
  /// becomes rank 0, the leader). Every rank in the list, and only those, must call this with the
  /// same list and `tag` (e.g. the trial's index, so concurrent gangs cannot mix).
  MpiCommunicator(MPI_Comm world, const std::vector<int>& world_ranks, int tag);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float* data, std::size_t count) override;
  void broadcast(float* data, std::size_t count, int root) override;
  void allreduce_sum_host(double* data, std::size_t count) override;
  bool on_device() const override { return false; }
  MPI_Comm get() const noexcept { return comm_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

}  // namespace aecnn::dist
