// Data parallelism under mpiexec -n 2 (ctest: dist.data_parallel): one SGD step of a small
// BatchNorm-free network split over 2 ranks gives the same parameters as one step on 1 rank with
// the same global batch: the split (dist::shard), the loss scaling and the fused reduction, each
// alone, with SGD, which unlike Adam shows a wrongly scaled gradient. The trainer's own path (the
// AE-CNN with synchronised BatchNorm, Adam and L2) is tests/dist/trainer_parallel_test.cpp.
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/torch.h>

#include "../support/temp_dir.hpp"
#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/dist/mpi_communicator.hpp"
#include "aecnn/dist/tensor_sync.hpp"

namespace aecnn::dist {
namespace {

torch::nn::Sequential small_net() {
  torch::manual_seed(7);  // identical initial weights on every rank
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 3).padding(1)), torch::nn::ReLU(),
                               torch::nn::MaxPool2d(2), torch::nn::Flatten(), torch::nn::Linear(8 * 14 * 14, 10));
}

struct Batch {
  torch::Tensor images, labels;
};

// 64 real images and labels from the shipped subset.
Batch real_batch() {
  const auto data = data::load_fashion_mnist(aecnn::testing::subset_dir());
  const int64_t n = 64;
  auto images = torch::from_blob(const_cast<uint8_t*>(data.train.images.pixels.data()), {n, 1, 28, 28}, torch::kUInt8)
                    .to(torch::kFloat32)
                    .div(255.0);
  auto labels = torch::from_blob(const_cast<uint8_t*>(data.train.labels.data()), {n}, torch::kUInt8).to(torch::kInt64);
  return {images, labels};
}

// One SGD step on `net` with this rank's slice of the global batch, gradients summed over comm.
// SGD, not Adam: Adam's first step is lr * g / |g|, blind to a wrongly scaled gradient.
// Returns the gradients the step applied.
std::vector<torch::Tensor> step(torch::nn::Sequential& net, const Batch& batch, Communicator& comm) {
  torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(0.5));
  const int64_t global_n = batch.images.size(0);
  const auto [begin, end] = shard(global_n, comm.rank(), comm.size());
  optimizer.zero_grad();
  auto logits = net->forward(batch.images.narrow(0, begin, end - begin));
  auto ce = torch::nn::functional::cross_entropy(logits, batch.labels.narrow(0, begin, end - begin),
                                                 torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  (ce / static_cast<double>(global_n)).backward();
  std::vector<torch::Tensor> grads;
  for (auto& p : net->parameters()) grads.push_back(p.grad());
  FusedReducer reducer(comm, grads);
  EXPECT_FALSE(reducer.reduce(grads, false));
  optimizer.step();
  std::vector<torch::Tensor> applied;
  for (auto& g : grads) applied.push_back(g.clone());
  return applied;
}

TEST(DataParallel, TwoRanksMatchOneRankOnTheSameGlobalBatch) {
  int world_size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  ASSERT_EQ(world_size, 2) << "run under mpiexec -n 2";
  const Batch batch = real_batch();

  auto reference = small_net();
  SoloCommunicator solo;
  const auto reference_grads = step(reference, batch, solo);

  auto parallel = small_net();
  MpiCommunicator pair(MPI_COMM_WORLD, {0, 1}, 1);
  const auto parallel_grads = step(parallel, batch, pair);

  const auto ref = reference->parameters(), par = parallel->parameters();
  double max_difference = 0, max_grad_difference = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    max_difference = std::max(max_difference, (ref[i] - par[i]).abs().max().item<double>());
    max_grad_difference = std::max(max_grad_difference, (reference_grads[i] - parallel_grads[i]).abs().max().item<double>());
  }
  EXPECT_LT(max_difference, 1e-5);
  EXPECT_LT(max_grad_difference, 1e-6);
  // And the step moved the weights (a no-op would also "match").
  const auto initial = small_net()->parameters();
  EXPECT_GT((initial[0] - par[0]).abs().max().item<double>(), 1e-4);
}

TEST(DataParallel, BroadcastGivesEveryRankTheLeadersWeights) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MpiCommunicator pair(MPI_COMM_WORLD, {0, 1}, 2);
  torch::manual_seed(100 + rank);  // different weights on each rank
  auto t = torch::rand({5, 3});
  std::vector<torch::Tensor> tensors = {t};
  torch::manual_seed(100);
  const auto leaders = torch::rand({5, 3});
  broadcast_tensors(pair, tensors, 0);
  EXPECT_TRUE(t.equal(leaders));
}

TEST(DataParallel, AFailedRankFailsEveryRankInTheSameCollective) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MpiCommunicator pair(MPI_COMM_WORLD, {0, 1}, 3);
  std::vector<torch::Tensor> grads = {torch::ones({4})};
  FusedReducer reducer(pair, grads);
  if (rank == 1) {
    EXPECT_TRUE(reducer.reduce(grads, /*failed_here=*/true));  // its own failure: the caller rethrows
  } else {
    EXPECT_THROW(reducer.reduce(grads, false), PeerFailed);
  }
  // Both ranks are past the collective and can go on.
  std::vector<double> values = {1.0};
  EXPECT_TRUE(reduce_host(pair, values, false));
  EXPECT_EQ(values[0], 2.0);
}

TEST(DataParallel, ShardsCoverTheBatchOnceInOrder) {
  for (int ranks = 1; ranks <= 5; ++ranks)
    for (int64_t n : {0, 1, 3, 64, 65}) {
      int64_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        const auto [begin, end] = shard(n, r, ranks);
        EXPECT_EQ(begin, next);
        EXPECT_LE(end - begin, n / ranks + 1);
        next = end;
      }
      EXPECT_EQ(next, n);
    }
}

}  // namespace
}  // namespace aecnn::dist
