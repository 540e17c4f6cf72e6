#include "aecnn/model/aecnn.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace aecnn::model {
namespace {

namespace nn = torch::nn;

// SplitMix64's finaliser: a well-mixed 64-bit value from a counter.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

// LibTorch's CPU bernoulli_ draws one element at a time from one generator under a lock: 6% of a
// two-thread training step, on one core. Here one seed is drawn from the default generator (which
// the trainer reseeds every epoch, so a resumed trial draws the same masks), and each element's
// fate is a hash of (seed, its position in memory): the same mask whatever the thread count.
torch::Tensor keras_dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat || p >= 1) return torch::dropout(x, p, true);
  const auto seed = static_cast<std::uint64_t>(
      torch::randint(std::numeric_limits<std::int64_t>::max(), {1}, torch::kLong).item<std::int64_t>());
  torch::Tensor mask = torch::empty_like(x);  // x's memory layout: x * mask stays in it
  float* cells = mask.data_ptr<float>();
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  // Kept when the hash's top 53 bits, read as a fraction of 2^53, fall below 1 - p.
  const auto keep_below = static_cast<std::uint64_t>(std::ldexp(1.0 - p, 53));
  at::parallel_for(0, mask.numel(), 1 << 14, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      cells[i] = (mix(seed + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ull) >> 11) < keep_below ? scale : 0.0f;
  });
  return x * mask;
}

namespace {

using sweep::Attention;

constexpr double kBnMomentum = 0.01;  // Keras momentum 0.99 is the weight of the OLD value
constexpr double kBnEpsilon = 1e-3;

nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1));  // Keras padding='same'
}

// Keras defaults: glorot_uniform kernels, zero biases (LibTorch's defaults differ).
template <typename Layer>
void glorot_(Layer& layer) {
  torch::NoGradGuard no_grad;
  nn::init::xavier_uniform_(layer->weight);
  nn::init::zeros_(layer->bias);
}

// y = the sum of x over the trial's ranks. Its gradient is the sum of the ranks' gradients:
// each rank's loss depends on the sum through every rank's outputs (the total loss is the sum of
// the ranks' losses), so dL/dx_r = sum over s of dL_s/dy.
class CrossRankSum : public torch::autograd::Function<CrossRankSum> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x,
                               const RankGroup* group) {
    context->saved_data["group"] = reinterpret_cast<int64_t>(group);
    auto sum = x.clone();
    group->sum(sum);
    return sum;
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* context,
                                               torch::autograd::tensor_list gradients) {
    const auto* group = reinterpret_cast<const RankGroup*>(context->saved_data["group"].toInt());
    auto sum = gradients[0].clone();
    group->sum(sum);
    return {sum, torch::Tensor()};
  }
};

bool has_channel(Attention a) { return a == Attention::kChannel || a == Attention::kBoth; }
bool has_spatial(Attention a) { return a == Attention::kSpatial || a == Attention::kBoth; }

}  // namespace

void truncated_he_normal_(torch::Tensor& weight, int64_t fan_in) {
  torch::NoGradGuard no_grad;
  const double stddev = std::sqrt(2.0 / static_cast<double>(fan_in)) / 0.87962566103423978;
  weight.normal_(0.0, stddev);
  for (auto outside = weight.abs() > 2 * stddev; outside.any().item<bool>(); outside = weight.abs() > 2 * stddev)
    weight.masked_scatter_(outside, torch::empty_like(weight).normal_(0.0, stddev));
}

KerasBatchNormImpl::KerasBatchNormImpl(int64_t features, bool biased_running_var)
    : biased_running_var_(biased_running_var) {
  weight = register_parameter("weight", torch::ones({features}));
  bias = register_parameter("bias", torch::zeros({features}));
  running_mean = register_buffer("running_mean", torch::zeros({features}));
  running_var = register_buffer("running_var", torch::ones({features}));
}

torch::Tensor KerasBatchNormImpl::forward(const torch::Tensor& x) {
  if (is_training() && group_.size > 1) return synchronized_forward(x);
  if (!is_training() || !biased_running_var_)
    return torch::batch_norm(x, weight, bias, running_mean, running_var, is_training(), kBnMomentum,
                             kBnEpsilon, /*cudnn_enabled=*/true);
  // Dense input [N, F]: normalise with the batch statistics, keep the biased variance.
  auto [variance, mean] = torch::var_mean(x, {0}, /*unbiased=*/false);
  {
    torch::NoGradGuard no_grad;
    running_mean.mul_(1 - kBnMomentum).add_(mean, kBnMomentum);
    running_var.mul_(1 - kBnMomentum).add_(variance, kBnMomentum);
  }
  return (x - mean) * torch::rsqrt(variance + kBnEpsilon) * weight + bias;
}

// The global batch's mean and biased variance per feature from sums over the ranks, taken in
// float64: E[x^2] - E[x]^2 in float32 would lose digits where the mean is large against the
// spread. The running statistics get the same update on every rank, as one rank would make it.
torch::Tensor KerasBatchNormImpl::synchronized_forward(const torch::Tensor& x) {
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  const int64_t features = x.size(1);
  const auto as_double = x.to(torch::kDouble);
  const auto count = torch::full({1}, static_cast<double>(x.numel() / std::max<int64_t>(features, 1)),
                                 as_double.options());
  auto sums = CrossRankSum::apply(torch::cat({as_double.sum(dims), (as_double * as_double).sum(dims), count}), &group_);
  const double n = sums[2 * features].item<double>();
  const auto mean = sums.narrow(0, 0, features) / n;
  const auto variance = sums.narrow(0, features, features) / n - mean * mean;
  {
    torch::NoGradGuard no_grad;
    const auto for_running = biased_running_var_ ? variance : variance * (n / std::max(n - 1, 1.0));
    running_mean.mul_(1 - kBnMomentum).add_(mean.to(running_mean.dtype()), kBnMomentum);
    running_var.mul_(1 - kBnMomentum).add_(for_running.to(running_var.dtype()), kBnMomentum);
  }
  std::vector<int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[1] = features;
  const auto scale = (torch::rsqrt(variance + kBnEpsilon).to(x.scalar_type()) * weight).view(shape);
  return (x - mean.to(x.scalar_type()).view(shape)) * scale + bias.view(shape);
}

ChannelAttentionImpl::ChannelAttentionImpl(int64_t channels, int64_t ratio) {
  squeeze = register_module("squeeze", nn::Linear(channels, channels / ratio));
  excite = register_module("excite", nn::Linear(channels / ratio, channels));
  glorot_(squeeze);
  glorot_(excite);
}

torch::Tensor ChannelAttentionImpl::forward(const torch::Tensor& x) {
  auto scale = torch::sigmoid(excite(torch::relu(squeeze(x.mean({2, 3})))));
  return x * scale.unsqueeze(-1).unsqueeze(-1);
}

SpatialAttentionImpl::SpatialAttentionImpl() {
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(2, 1, 7).padding(3)));
  truncated_he_normal_(conv->weight, 7 * 7 * 2);
  torch::NoGradGuard no_grad;
  nn::init::zeros_(conv->bias);
}

torch::Tensor SpatialAttentionImpl::forward(const torch::Tensor& x) {
  auto pooled = torch::cat({x.mean(1, /*keepdim=*/true), std::get<0>(x.max(1, /*keepdim=*/true))}, 1);
  return x * torch::sigmoid(conv(pooled));
}

AecnnImpl::AecnnImpl(const AecnnOptions& options) : options_(options) {
  conv1_ = register_module("conv1", conv3x3(1, 32));
  bn1_ = register_module("bn1", KerasBatchNorm(32, false));
  conv2_ = register_module("conv2", conv3x3(32, 32));
  conv3_ = register_module("conv3", conv3x3(32, 64));
  bn2_ = register_module("bn2", KerasBatchNorm(64, false));
  conv4_ = register_module("conv4", conv3x3(64, 64));
  if (has_channel(options.attention()))
    channel_ = register_module("channel_attention", ChannelAttention(64, options.channel_ratio()));
  if (has_spatial(options.attention())) spatial_ = register_module("spatial_attention", SpatialAttention());
  conv5_ = register_module("conv5", conv3x3(64, 128));
  bn3_ = register_module("bn3", KerasBatchNorm(128, false));
  conv_dropout_ = options.conv_dropout();
  fc1_ = register_module("fc1", nn::Linear(128, 256));
  bn4_ = register_module("bn4", KerasBatchNorm(256, true));
  fc_dropout_ = options.fc_dropout();
  fc2_ = register_module("fc2", nn::Linear(256, 10));
  for (auto* conv : {&conv1_, &conv2_, &conv3_, &conv4_, &conv5_}) glorot_(*conv);
  glorot_(fc1_);
  glorot_(fc2_);
}

torch::Tensor AecnnImpl::forward(torch::Tensor x) {
  x = bn1_(torch::relu(conv1_(x)));
  x = torch::max_pool2d(torch::relu(conv2_(x)), 2);
  x = bn2_(torch::relu(conv3_(x)));
  x = torch::max_pool2d(torch::relu(conv4_(x)), 2);
  if (channel_) x = channel_(x);
  if (spatial_) x = spatial_(x);
  x = keras_dropout(bn3_(torch::relu(conv5_(x))), conv_dropout_, is_training());
  x = x.mean({2, 3});
  x = keras_dropout(bn4_(torch::relu(fc1_(x))), fc_dropout_, is_training());
  return fc2_(x);
}

std::vector<torch::Tensor> AecnnImpl::regularized_kernels() const {
  // Named one by one: the notebook builds the attention blocks without a kernel_regularizer, so
  // their Dense and Conv kernels, although of rank >= 2 like these, are left out.
  return {conv1_->weight, conv2_->weight, conv3_->weight, conv4_->weight, conv5_->weight, fc1_->weight, fc2_->weight};
}

void AecnnImpl::synchronize_batch_norm(const RankGroup& group) {
  for (auto* bn : {&bn1_, &bn2_, &bn3_, &bn4_}) (*bn)->synchronize(group);
}

torch::Tensor l2_penalty(const AecnnImpl& model, double factor) {
  auto penalty = torch::zeros({});
  for (const auto& kernel : model.regularized_kernels()) penalty = penalty + kernel.pow(2).sum();
  return penalty * factor;
}

std::vector<torch::Tensor> snapshot_weights(const AecnnImpl& model) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> weights;
  for (const auto& p : model.parameters()) weights.push_back(p.detach().clone());
  for (const auto& b : model.buffers()) weights.push_back(b.clone());
  return weights;
}

void restore_weights(AecnnImpl& model, const std::vector<torch::Tensor>& weights) {
  torch::NoGradGuard no_grad;
  std::size_t i = 0;
  for (auto& p : model.parameters()) p.copy_(weights.at(i++));
  for (auto& b : model.buffers()) b.copy_(weights.at(i++));
}

ParamCounts count_params(const AecnnImpl& model) {
  ParamCounts counts;
  for (const auto& p : model.parameters()) counts.trainable += p.numel();
  counts.total = counts.trainable;
  for (const auto& item : model.named_buffers())
    if (item.key().find("running_") != std::string::npos) counts.total += item.value().numel();
  return counts;
}

}  // namespace aecnn::model
