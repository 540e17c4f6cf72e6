// The NCCL backend on whatever machine runs the suite (ctest: dist.nccl; built where CUDA and
// NCCL are found). Without a GPU -- CI -- joining a communicator must fail with a clear error,
// not crash; with one, a one-rank communicator must sum and broadcast device memory.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "aecnn/dist/nccl_communicator.hpp"

namespace aecnn::dist {
namespace {

bool have_gpu() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

TEST(Nccl, WithoutAGpuJoiningFailsWithACudaError) {
  if (have_gpu()) GTEST_SKIP() << "a GPU is present: see SumsDeviceMemoryOnOneRank";
  try {
    NcclCommunicator comm(NcclId{}, 0, 1, 0, std::make_unique<SoloCommunicator>());
    FAIL() << "joined an NCCL communicator without a GPU";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("cudaSetDevice"), std::string::npos) << error.what();
  }
}

TEST(Nccl, SumsDeviceMemoryOnOneRank) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU on this machine";
  NcclCommunicator comm(NcclCommunicator::new_id(), 0, 1, 0, std::make_unique<SoloCommunicator>());
  const std::vector<float> values = {1.5f, -2.0f, 3.25f};
  float* device = nullptr;
  ASSERT_EQ(cudaMalloc(&device, sizeof(float) * values.size()), cudaSuccess);
  cudaMemcpy(device, values.data(), sizeof(float) * values.size(), cudaMemcpyHostToDevice);
  comm.allreduce_sum(device, values.size());
  comm.broadcast(device, values.size(), 0);
  std::vector<float> back(values.size());
  cudaMemcpy(back.data(), device, sizeof(float) * values.size(), cudaMemcpyDeviceToHost);
  cudaFree(device);
  EXPECT_EQ(back, values);  // one rank: the sum is the value itself
}

}  // namespace
}  // namespace aecnn::dist
