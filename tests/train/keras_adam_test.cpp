#include "aecnn/train/keras_adam.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "aecnn/error.hpp"

namespace aecnn::train {
namespace {

// Three steps on four weights, the lr lowered before the third. Gradients of 1e-8 and 2e-7 are
// where the two placements of epsilon part: small gradients late in training, or dead units.
const std::vector<std::vector<float>> kGradients = {
    {1e-8f, -0.5f, 2e-7f, 0.1f}, {3e-8f, 0.25f, -1e-7f, 0.1f}, {-2e-8f, -0.125f, 5e-8f, -0.3f}};
const double kLrs[] = {1e-3, 1e-3, 5e-4};

// Computed independently in float64 with numpy from Keras 3's update (keras/src/optimizers/adam.py):
//   alpha = lr*sqrt(1-b2^t)/(1-b1^t); m += (g-m)*(1-b1); v += (g^2-v)*(1-b2); w -= alpha*m/(sqrt(v)+eps)
const std::vector<std::vector<double>> kKerasAfterStep = {
    {0.009996847690835838, -0.01900000632451532, -5.9483487805756596e-05, 0.004000031621776162},
    {0.009987761199183041, -0.01873367079207922, -7.70660486467192e-05, 0.003000053987547639},
    {0.009986253847480371, -0.018563457158449252, -8.855682314643278e-05, 0.0031243029040734583}};
// LibTorch's placement of epsilon (after the bias correction), same inputs, after step 3: the
// first and third weights move 30 and 10 times further. The test must be able to tell them apart.
const std::vector<double> kLibTorchAfterStep3 = {0.009718434399197333, -0.01856344870511002,
                                                 -0.0009267304941303698, 0.003124252036488351};

torch::Tensor initial_weights() { return torch::tensor({0.01f, -0.02f, 0.0f, 0.005f}).requires_grad_(); }

void set_gradient(torch::Tensor& w, const std::vector<float>& g) { w.mutable_grad() = torch::tensor(g); }

TEST(KerasAdam, FollowsKerasUpdateStepByStep) {
  auto w = initial_weights();
  KerasAdam adam({w}, KerasAdam::Options{});
  for (std::size_t step = 0; step < kGradients.size(); ++step) {
    adam.set_lr(kLrs[step]);
    set_gradient(w, kGradients[step]);
    adam.step();
    EXPECT_EQ(adam.iterations(), static_cast<int64_t>(step + 1));
    for (int64_t i = 0; i < 4; ++i)  // float32 weights near 0.01: a few ulp is 1e-9
      EXPECT_NEAR(w[i].item<double>(), kKerasAfterStep[step][static_cast<std::size_t>(i)], 5e-9)
          << "step " << step + 1 << ", weight " << i;
  }
  EXPECT_GT(std::abs(w[0].item<double>() - kLibTorchAfterStep3[0]), 1e-4);
  EXPECT_GT(std::abs(w[2].item<double>() - kLibTorchAfterStep3[2]), 1e-4);
}

TEST(KerasAdam, DiffersFromLibTorchAdamWhereGradientsAreSmall) {
  auto w = initial_weights();
  torch::optim::Adam adam({w}, torch::optim::AdamOptions(1e-3).eps(1e-7));
  for (std::size_t step = 0; step < kGradients.size(); ++step) {
    static_cast<torch::optim::AdamOptions&>(adam.param_groups()[0].options()).lr(kLrs[step]);
    set_gradient(w, kGradients[step]);
    adam.step();
  }
  // The reference values above for LibTorch are right, so the Keras ones are a real distinction.
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_NEAR(w[i].item<double>(), kLibTorchAfterStep3[static_cast<std::size_t>(i)], 5e-9) << "weight " << i;
}

TEST(KerasAdam, SavedStateResumesBitwise) {
  auto straight = initial_weights(), resumed = initial_weights();
  KerasAdam first({straight}, KerasAdam::Options{});
  for (std::size_t step = 0; step < 2; ++step) {
    set_gradient(straight, kGradients[step]);
    first.step();
  }
  const auto bytes = first.save();
  {
    torch::NoGradGuard no_grad;
    resumed.copy_(straight);
  }
  KerasAdam second({resumed}, KerasAdam::Options{});
  second.load(bytes, torch::kCPU);
  EXPECT_EQ(second.iterations(), 2);
  set_gradient(straight, kGradients[2]);
  set_gradient(resumed, kGradients[2]);
  first.step();
  second.step();
  EXPECT_TRUE(straight.equal(resumed));
}

TEST(KerasAdam, RefusesLibTorchAdamStateAndOtherShapes) {
  auto w = initial_weights();
  torch::optim::Adam libtorch_adam({w}, torch::optim::AdamOptions(1e-3));
  set_gradient(w, kGradients[0]);
  libtorch_adam.step();
  torch::serialize::OutputArchive archive;
  libtorch_adam.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  const std::string text = out.str();
  KerasAdam adam({w}, KerasAdam::Options{});
  EXPECT_THROW(adam.load({text.begin(), text.end()}, torch::kCPU), Error);

  auto other = torch::zeros({3}).requires_grad_();
  KerasAdam wrong_shape({other}, KerasAdam::Options{});
  EXPECT_THROW(wrong_shape.load(adam.save(), torch::kCPU), Error);
  EXPECT_THROW(adam.load({'n', 'o', 't'}, torch::kCPU), Error);
}

}  // namespace
}  // namespace aecnn::train
