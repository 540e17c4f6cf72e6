#pragma once
// The glue between torch tensors and a Communicator: fused reductions over one flat buffer.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "aecnn/dist/communicator.hpp"
#include "aecnn/error.hpp"

namespace aecnn::dist {

/// [begin, end) of `n` items that `rank` of `ranks` takes: contiguous slices whose sizes differ
/// by one at most, the same split every run (a global batch, an evaluation set).
inline std::pair<int64_t, int64_t> shard(int64_t n, int rank, int ranks) {
  return {n * rank / ranks, n * (rank + 1) / ranks};
}

/// Another rank of the trial failed; this rank stops too (its own message is on that rank).
class PeerFailed : public Error {
 public:
  using Error::Error;
};

/// Sums a fixed list of tensors (gradients, BN statistics) across the trial's ranks with ONE
/// all-reduce over a flat buffer (Horovod's fusion idea), reused step after step. The buffer's
/// last element carries a failure count, so a rank whose step threw still joins the collective
/// and every rank learns of the failure at the same point: nothing waits forever.
class FusedReducer {
 public:
  FusedReducer(Communicator& comm, const std::vector<at::Tensor>& like);

  /// Sums `tensors` (same shapes as `like`) in place across ranks, scaled by `scale` afterwards.
  /// `failed_here` says this rank's contribution is invalid. Throws PeerFailed when another rank
  /// failed; returns normally on this rank's own failure (the caller rethrows its own error).
  /// Returns whether any rank failed.
  bool reduce(std::vector<at::Tensor>& tensors, bool failed_here, double scale = 1.0);

 private:
  Communicator& comm_;
  at::Tensor flat_;  ///< numel of all tensors + 1, on the communicator's device
  int64_t payload_ = 0;
};

/// Copies rank `root`'s `tensors` to every rank (initial weights), through one flat buffer.
void broadcast_tensors(Communicator& comm, const std::vector<at::Tensor>& tensors, int root);

/// Sums host values across ranks after a local step that may have failed: the last element is
/// the failure flag. Throws PeerFailed if another rank failed; returns false if this one did.
bool reduce_host(Communicator& comm, std::vector<double>& values, bool failed_here);

}  // namespace aecnn::dist
