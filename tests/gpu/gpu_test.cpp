// The GPU parts, on a machine with an NVIDIA GPU and a CUDA LibTorch: device binding, training on
// CUDA, the CUDA allocator's peak memory, and the NCCL backend with torch's CUDA tensors. Built by
// tests/gpu/CMakeLists.txt (docs/gpu.md); the CPU test suite cannot run these.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "aecnn/dist/nccl_communicator.hpp"
#include "aecnn/dist/tensor_sync.hpp"
#include "aecnn/train/device.hpp"
#include "aecnn/train/trainer.hpp"

namespace aecnn {
namespace {

const std::string kSubset = std::string(AECNN_SOURCE_DIR) + "/data/fashion-mnist-subset";

class Gpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!train::cuda_build()) GTEST_SKIP() << "CPU-only LibTorch";
    if (train::cuda_device_count() == 0) GTEST_SKIP() << "no GPU visible";
  }
};

TEST_F(Gpu, WorkersBindToLocalRankModuloGpus) {
  const int gpus = train::cuda_device_count();
  EXPECT_EQ(train::resolve_device("cuda", 0), "cuda:0");
  EXPECT_EQ(train::resolve_device("auto", gpus + 1), "cuda:" + std::to_string((gpus + 1) % gpus));
  EXPECT_EQ(train::resolve_device("cpu", 3), "cpu");
}

TEST_F(Gpu, TrainsOnCudaAndMeasuresTheAllocatorsPeak) {
  train::Trainer trainer(data::load_fashion_mnist(kSubset), "cuda:0");
  sweep::TrialConfig config;
  config.epochs = 3;
  config.train_images = 2048;
  config.eval_images = 1024;
  const train::TrialResult small = trainer.run(config);
  EXPECT_EQ(small.device, "cuda:0");
  EXPECT_EQ(small.memory_measure, "cuda_caching_allocator_peak");
  ASSERT_EQ(small.history.size(), 3u);
  EXPECT_LT(small.history[2].loss, small.history[0].loss);
  EXPECT_GT(small.history[2].accuracy, 0.6);
  EXPECT_GT(small.peak_memory_bytes, small.memory_baseline_bytes);
  int64_t total = 0;
  for (auto n : small.confusion) total += n;
  EXPECT_EQ(total, small.test_images);

  config.batch_size = 512;
  const train::TrialResult large = trainer.run(config);
  EXPECT_GT(large.peak_memory_bytes - large.memory_baseline_bytes,
            2 * (small.peak_memory_bytes - small.memory_baseline_bytes));
  std::printf("GPU peak (allocated, above baseline): batch 64: %.1f MiB, batch 512: %.1f MiB; epoch %.2f s / %.2f s\n",
              (small.peak_memory_bytes - small.memory_baseline_bytes) / 1048576.0,
              (large.peak_memory_bytes - large.memory_baseline_bytes) / 1048576.0, small.history[1].epoch_seconds,
              large.history[1].epoch_seconds);
}

TEST_F(Gpu, NcclBackendReducesTorchCudaTensorsOnTorchsStream) {
  // One GPU allows one NCCL rank (NCCL refuses two ranks on one device); the path through the
  // glue, the unique id, the communicator and torch's stream is the one a k-GPU gang takes.
  auto host = std::make_unique<dist::SoloCommunicator>();
  dist::NcclCommunicator nccl(dist::NcclCommunicator::new_id(), 0, 1, 0, std::move(host));
  nccl.set_stream(train::cuda_current_stream(0));
  EXPECT_TRUE(nccl.on_device());
  auto a = torch::arange(1000, torch::TensorOptions(torch::kFloat32).device(torch::kCUDA));
  std::vector<torch::Tensor> tensors = {a * 2, torch::ones({3, 3}, a.options())};
  const auto expected = tensors[0].clone();
  dist::FusedReducer reducer(nccl, tensors);
  EXPECT_FALSE(reducer.reduce(tensors, false, 0.5));
  EXPECT_TRUE(tensors[0].allclose(expected * 0.5));
  EXPECT_TRUE(tensors[1].allclose(torch::full({3, 3}, 0.5, a.options())));
  dist::broadcast_tensors(nccl, tensors, 0);
  EXPECT_TRUE(tensors[0].allclose(expected * 0.5));
  double host_values[2] = {1.5, 2.5};
  nccl.allreduce_sum_host(host_values, 2);
  EXPECT_EQ(host_values[1], 2.5);
}

TEST_F(Gpu, CpuAndGpuLearnAlike) {
  // Same trial on both devices: different kernels, so not bitwise equal, but the same model.
  sweep::TrialConfig config;
  config.epochs = 2;
  config.train_images = 1024;
  config.eval_images = 512;
  train::Trainer gpu(data::load_fashion_mnist(kSubset), "cuda:0");
  train::Trainer cpu(data::load_fashion_mnist(kSubset), "cpu");
  const auto on_gpu = gpu.run(config);
  const auto on_cpu = cpu.run(config);
  EXPECT_EQ(on_gpu.params_total, on_cpu.params_total);
  EXPECT_NEAR(on_gpu.history[0].loss, on_cpu.history[0].loss, 0.05);
}

}  // namespace
}  // namespace aecnn
