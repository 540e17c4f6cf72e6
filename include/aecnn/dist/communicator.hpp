#pragma once
// Collective operations among the ranks that train one trial together. The training loop sees
// only this interface; the backends are MPI (CPU tensors), NCCL (CUDA tensors) and, for a
// one-rank trial, Solo. No torch, no MPI in this header.
#include <cstddef>

namespace aecnn::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  ///< 0 leads: it reports to the scheduler
  virtual int size() const = 0;

  /// In place, every rank gets the element-wise sum. `data` lives where the backend works:
  /// host memory for MPI and Solo, device memory for NCCL.
  virtual void allreduce_sum(float* data, std::size_t count) = 0;
  /// `count` floats from `root` to every rank, same memory as allreduce_sum.
  virtual void broadcast(float* data, std::size_t count, int root) = 0;
  /// Sums of host values (metrics, failure flags), whatever the backend's device.
  virtual void allreduce_sum_host(double* data, std::size_t count) = 0;
  /// True when allreduce_sum and broadcast take device (CUDA) pointers.
  virtual bool on_device() const = 0;
};

/// A trial on one rank: every collective is the identity.
class SoloCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(float*, std::size_t) override {}
  void broadcast(float*, std::size_t, int) override {}
  void allreduce_sum_host(double*, std::size_t) override {}
  bool on_device() const override { return false; }
};

}  // namespace aecnn::dist
