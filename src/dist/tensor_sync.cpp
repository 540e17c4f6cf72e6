#include "aecnn/dist/tensor_sync.hpp"

#include <c10/core/GradMode.h>

namespace aecnn::dist {
namespace {

at::Device device_of(const Communicator& comm, const std::vector<at::Tensor>& like) {
  if (comm.on_device() && !like.empty()) return like.front().device();
  return at::kCPU;
}

}  // namespace

FusedReducer::FusedReducer(Communicator& comm, const std::vector<at::Tensor>& like) : comm_(comm) {
  for (const auto& t : like) payload_ += t.numel();
  flat_ = at::zeros({payload_ + 1}, at::TensorOptions(at::kFloat).device(device_of(comm, like)));
}

bool FusedReducer::reduce(std::vector<at::Tensor>& tensors, bool failed_here, double scale) {
  c10::NoGradGuard no_grad;  // c10's: ATen's alias is gone in LibTorch 2.x
  if (failed_here) {
    flat_.zero_();
  } else {
    int64_t offset = 0;
    for (const auto& t : tensors) {
      flat_.narrow(0, offset, t.numel()).copy_(t.reshape({-1}));
      offset += t.numel();
    }
  }
  flat_[payload_].fill_(failed_here ? 1.0 : 0.0);
  comm_.allreduce_sum(flat_.data_ptr<float>(), static_cast<std::size_t>(payload_ + 1));
  const bool any_failed = flat_[payload_].item<float>() > 0;
  if (any_failed) {
    if (failed_here) return true;
    throw PeerFailed("another rank of this trial failed");
  }
  int64_t offset = 0;
  for (auto& t : tensors) {
    auto slice = flat_.narrow(0, offset, t.numel()).view_as(t);
    if (scale == 1.0) t.copy_(slice);
    else t.copy_(slice * scale);
    offset += t.numel();
  }
  return false;
}

void broadcast_tensors(Communicator& comm, const std::vector<at::Tensor>& tensors, int root) {
  if (comm.size() == 1) return;
  c10::NoGradGuard no_grad;  // c10's: ATen's alias is gone in LibTorch 2.x
  std::vector<at::Tensor> flat_parts;
  for (const auto& t : tensors) flat_parts.push_back(t.reshape({-1}));
  auto flat = at::cat(flat_parts).contiguous();
  if (!comm.on_device()) flat = flat.cpu();
  comm.broadcast(flat.data_ptr<float>(), static_cast<std::size_t>(flat.numel()), root);
  int64_t offset = 0;
  for (auto t : tensors) {
    t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

bool reduce_host(Communicator& comm, std::vector<double>& values, bool failed_here) {
  values.push_back(failed_here ? 1.0 : 0.0);
  comm.allreduce_sum_host(values.data(), values.size());
  const bool any_failed = values.back() > 0;
  values.pop_back();
  if (any_failed && !failed_here) throw PeerFailed("another rank of this trial failed");
  return !failed_here;
}

}  // namespace aecnn::dist
