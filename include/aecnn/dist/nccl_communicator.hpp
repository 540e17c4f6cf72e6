#pragma once
// The NCCL backend: device buffers, reduced on a CUDA stream. This file and its .cpp need only
// nccl.h and the CUDA runtime (raw device pointers), so they compile wherever CUDA and NCCL are
// installed, whatever LibTorch is; the glue to torch's CUDA tensors and streams is separate.
// Host reductions (metrics, failure flags) go through a host communicator of the same ranks.
#include <array>
#include <memory>

#include "aecnn/dist/communicator.hpp"

namespace aecnn::dist {

/// NCCL's unique id as plain bytes, so it can travel over MPI without nccl.h.
using NcclId = std::array<char, 128>;

class NcclCommunicator final : public Communicator {
 public:
  /// A new id; made on the leader and broadcast to the other ranks of the trial.
  static NcclId new_id();

  /// Joins the communicator `id` as `rank` of `size` on CUDA device `device`. `host` carries the
  /// host-side sums and must span the same ranks. Throws std::runtime_error on a CUDA/NCCL error.
  NcclCommunicator(const NcclId& id, int rank, int size, int device, std::unique_ptr<Communicator> host);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  /// The CUDA stream (a cudaStream_t) the collectives are ordered on: torch's current stream,
  /// so a reduction sees the gradients the backward pass wrote. Default: the legacy stream.
  void set_stream(void* stream) noexcept { stream_ = stream; }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float* device_data, std::size_t count) override;
  void broadcast(float* device_data, std::size_t count, int root) override;
  void allreduce_sum_host(double* data, std::size_t count) override { host_->allreduce_sum_host(data, count); }
  bool on_device() const override { return true; }

 private:
  struct Handle;  // the ncclComm_t, kept out of this header
  std::unique_ptr<Handle> handle_;
  std::unique_ptr<Communicator> host_;
  void* stream_ = nullptr;
  int rank_ = 0, size_ = 1, device_ = 0;
};

}  // namespace aecnn::dist
