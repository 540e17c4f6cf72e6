#include "aecnn/dist/nccl_communicator.hpp"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace aecnn::dist {
namespace {

static_assert(sizeof(ncclUniqueId) == sizeof(NcclId), "NcclId must hold an ncclUniqueId");

void check(ncclResult_t result, const char* what) {
  if (result != ncclSuccess) throw std::runtime_error(std::string(what) + ": " + ncclGetErrorString(result));
}
void check(cudaError_t error, const char* what) {
  if (error != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(error));
}

}  // namespace

struct NcclCommunicator::Handle {
  ncclComm_t comm = nullptr;
};

NcclId NcclCommunicator::new_id() {
  ncclUniqueId id;
  check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  NcclId bytes;
  std::memcpy(bytes.data(), &id, sizeof id);
  return bytes;
}

NcclCommunicator::NcclCommunicator(const NcclId& id, int rank, int size, int device,
                                   std::unique_ptr<Communicator> host)
    : handle_(std::make_unique<Handle>()), host_(std::move(host)), rank_(rank), size_(size), device_(device) {
  ncclUniqueId unique;
  std::memcpy(&unique, id.data(), sizeof unique);
  check(cudaSetDevice(device_), "cudaSetDevice");
  check(ncclCommInitRank(&handle_->comm, size_, unique, rank_), "ncclCommInitRank");
}

NcclCommunicator::~NcclCommunicator() {
  if (handle_ && handle_->comm != nullptr) ncclCommDestroy(handle_->comm);
}

void NcclCommunicator::allreduce_sum(float* device_data, std::size_t count) {
  auto stream = static_cast<cudaStream_t>(stream_);
  // Ordered on torch's stream: the optimiser step queued after it sees the sums; no host sync.
  check(ncclAllReduce(device_data, device_data, count, ncclFloat32, ncclSum, handle_->comm, stream), "ncclAllReduce");
}

void NcclCommunicator::broadcast(float* device_data, std::size_t count, int root) {
  auto stream = static_cast<cudaStream_t>(stream_);
  check(ncclBroadcast(device_data, device_data, count, ncclFloat32, root, handle_->comm, stream), "ncclBroadcast");
}

}  // namespace aecnn::dist
