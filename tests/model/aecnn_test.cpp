#include "aecnn/model/aecnn.hpp"

#include <gtest/gtest.h>

namespace aecnn::model {
namespace {

using sweep::Attention;

struct KerasCount {
  Attention attention;
  int64_t total, trainable;
};

void PrintTo(const KerasCount& count, std::ostream* out) { *out << sweep::to_string(count.attention); }

// The counts Keras prints for the notebook's model (its model.summary()).
class ParamCountTest : public ::testing::TestWithParam<KerasCount> {};

TEST_P(ParamCountTest, MatchesKeras) {
  Aecnn net(AecnnOptions().attention(GetParam().attention));
  const ParamCounts counts = count_params(*net);
  EXPECT_EQ(counts.trainable, GetParam().trainable);
  EXPECT_EQ(counts.total, GetParam().total);
}

INSTANTIATE_TEST_SUITE_P(Variants, ParamCountTest,
                         ::testing::Values(KerasCount{Attention::kNone, 176362, 175402},
                                           KerasCount{Attention::kChannel, 176942, 175982},
                                           KerasCount{Attention::kSpatial, 176461, 175501},
                                           KerasCount{Attention::kBoth, 177041, 176081}),
                         [](const auto& info) { return sweep::to_string(info.param.attention); });

TEST(Aecnn, MapsImagesToTenLogits) {
  Aecnn net;
  net->eval();
  EXPECT_EQ(net->forward(torch::rand({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
}

TEST(KerasDropout, KeepsOneMinusPOfTheElementsScaledAndIsTheIdentityOutsideTraining) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::rand({64, 128, 7, 7}) + 1;  // no zeros of its own
  const double p = 0.25;
  EXPECT_TRUE(torch::equal(keras_dropout(x, p, false), x));
  const torch::Tensor y = keras_dropout(x, p, true);
  const torch::Tensor kept = y != 0;
  const double n = static_cast<double>(x.numel());
  const double kept_share = kept.sum().item<double>() / n;
  // 401,408 draws: the kept share's standard deviation is sqrt(p (1 - p) / n) = 0.0007.
  EXPECT_NEAR(kept_share, 1 - p, 0.004);
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.masked_select(kept) / (1 - p)));
  // Another draw is another mask, and masks are not correlated position by position.
  const torch::Tensor kept_again = keras_dropout(x, p, true) != 0;
  EXPECT_FALSE(torch::equal(kept, kept_again));
  EXPECT_NEAR((kept & kept_again).sum().item<double>() / n, (1 - p) * (1 - p), 0.004);
}

TEST(KerasDropout, TheSameSeedGivesTheSameMaskAtAnyThreadCount) {
  const torch::Tensor x = torch::ones({256, 256});
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  torch::manual_seed(11);
  const torch::Tensor one_thread = keras_dropout(x, 0.5, true);
  at::set_num_threads(2);
  torch::manual_seed(11);
  const torch::Tensor two_threads = keras_dropout(x, 0.5, true);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one_thread, two_threads));
  const double kept_share = (one_thread != 0).sum().item<double>() / x.numel();
  EXPECT_NEAR(kept_share, 0.5, 0.01);  // 65,536 draws: standard deviation 0.002
}

TEST(KerasDropout, GradientFlowsOnlyThroughTheKeptElements) {
  torch::manual_seed(5);
  const torch::Tensor x = torch::rand({32, 256}).requires_grad_();
  const torch::Tensor y = keras_dropout(x, 0.5, true);
  y.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad() != 0, y != 0));
  EXPECT_TRUE(torch::allclose(x.grad().masked_select(y != 0), torch::full({1}, 2.0f)));
}

TEST(Aecnn, RegularizedKernelsAreTheSevenTheNotebookNames) {
  Aecnn net(AecnnOptions().attention(Attention::kBoth));
  int64_t numel = 0;
  for (const auto& k : net->regularized_kernels()) numel += k.numel();
  // 5 convs 3x3 (288+9216+18432+36864+73728) + Dense(256) 32768 + Dense(10) 2560; the attention
  // kernels (256 + 256 + 98 = 610 weights) are not regularized in the notebook.
  EXPECT_EQ(net->regularized_kernels().size(), 7u);
  EXPECT_EQ(numel, 288 + 9216 + 18432 + 36864 + 73728 + 32768 + 2560);
}

TEST(L2Penalty, IsFactorTimesSumOfSquaresOverTheSevenKernelsOnly) {
  torch::manual_seed(3);
  Aecnn net(AecnnOptions().attention(Attention::kBoth));
  // Written out by name, independently of regularized_kernels().
  const char* kernel_names[] = {"conv1.weight", "conv2.weight", "conv3.weight", "conv4.weight",
                                "conv5.weight", "fc1.weight",   "fc2.weight"};
  auto params = net->named_parameters();
  double expected = 0;
  for (const char* name : kernel_names) expected += params[name].pow(2).sum().item<double>();
  // Make biases, BN parameters and the attention blocks' kernels large: they must not count.
  {
    torch::NoGradGuard no_grad;
    for (auto& item : params)
      if (item.key().find("bias") != std::string::npos || item.key().rfind("bn", 0) == 0 ||
          item.key().find("attention") != std::string::npos)
        item.value().fill_(5.0);
  }
  // float32 sums: relative 1e-6. A counted bias, BN or attention value would add 1e-4 * 25 each.
  EXPECT_NEAR(l2_penalty(*net, 1e-4).item<double>(), 1e-4 * expected, 1e-6 * 1e-4 * expected);
}

TEST(Weights, SnapshotAndRestoreIncludeBatchNormStatistics) {
  Aecnn net;
  const auto before = snapshot_weights(*net);
  net->train();
  net->forward(torch::rand({8, 1, 28, 28}));  // moves the BN running statistics
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.add_(1.0);
  }
  const auto running_mean = net->named_buffers()["bn1.running_mean"];
  EXPECT_GT(running_mean.abs().sum().item<double>(), 0.0);
  restore_weights(*net, before);
  EXPECT_EQ(net->named_buffers()["bn1.running_mean"].abs().sum().item<double>(), 0.0);
  std::size_t i = 0;
  for (const auto& p : net->parameters()) EXPECT_TRUE(p.equal(before[i++]));
}

TEST(Init, BiasesAreZeroAndKernelsGlorotUniform) {
  torch::manual_seed(0);
  Aecnn net(AecnnOptions().attention(Attention::kNone));
  for (const auto& item : net->named_parameters()) {
    if (item.key().find(".bias") != std::string::npos && item.key().find("bn") == std::string::npos)
      EXPECT_EQ(item.value().abs().max().item<float>(), 0.0f) << item.key();
  }
  // conv5: fan_in 64*9, fan_out 128*9 -> limit sqrt(6 / 1728)
  const auto conv5 = net->named_parameters()["conv5.weight"];
  const double limit = std::sqrt(6.0 / (64 * 9 + 128 * 9));
  EXPECT_LE(conv5.abs().max().item<double>(), limit);
  EXPECT_GT(conv5.abs().max().item<double>(), 0.95 * limit);
}

TEST(Init, HeNormalIsTruncatedAtTwoStddev) {
  torch::manual_seed(1);
  auto w = torch::empty({200000});
  truncated_he_normal_(w, 98);
  const double stddev = std::sqrt(2.0 / 98) / 0.87962566103423978;
  EXPECT_LE(w.abs().max().item<double>(), 2 * stddev);
  // The truncated distribution's stddev is 0.8796 of the underlying one: sqrt(2 / fan_in).
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 98), 0.002);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.002);
}

TEST(KerasBatchNorm, DenseRunningVarianceIsTheBiasedOne) {
  KerasBatchNorm bn(3, /*biased_running_var=*/true);
  bn->train();
  auto x = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).view({2, 3});  // column variance (biased) 2.25
  bn->forward(x);
  EXPECT_NEAR(bn->running_var[0].item<double>(), 0.99 * 1.0 + 0.01 * 2.25, 1e-6);
  EXPECT_NEAR(bn->running_mean[0].item<double>(), 0.01 * 2.5, 1e-6);
}

}  // namespace
}  // namespace aecnn::model
