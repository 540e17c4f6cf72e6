#pragma once
// The attention-enhanced CNN of the seed study, built to match Keras 3 (docs/study.md):
//   Conv3x3(32) relu -> BN -> Conv3x3(32) relu -> MaxPool2
//   Conv3x3(64) relu -> BN -> Conv3x3(64) relu -> MaxPool2      (64 maps of 7x7)
//   [channel attention] [spatial attention]                       (per variant)
//   Conv3x3(128) relu -> BN -> Dropout(conv) -> GlobalAvgPool
//   Dense(256) relu -> BN -> Dropout(fc) -> Dense(10)             (logits; softmax is in the loss)
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "aecnn/sweep/trial_config.hpp"

namespace aecnn::model {

/// Options for one AE-CNN. Example: `Aecnn net(AecnnOptions().attention(Attention::kBoth));`
struct AecnnOptions {
  TORCH_ARG(sweep::Attention, attention) = sweep::Attention::kBoth;
  TORCH_ARG(int64_t, channel_ratio) = 16;  ///< channel attention: Dense(64 / ratio) bottleneck
  TORCH_ARG(double, conv_dropout) = 0.25;  ///< after the last conv block
  TORCH_ARG(double, fc_dropout) = 0.5;     ///< after Dense(256)
};

/// The ranks that train one data-parallel trial, as a BatchNorm layer sees them: how many, and an
/// element-wise sum of a tensor over all of them, in place (every rank gets the sum). The model
/// knows nothing of MPI: the trainer fills this in from the trial's communicator.
struct RankGroup {
  int size = 1;
  std::function<void(torch::Tensor&)> sum;
};

/// Keras BatchNormalization(momentum=0.99, epsilon=1e-3). With `biased_running_var` the running
/// variance is updated with the biased batch variance, as Keras 3 does; LibTorch's kernel uses the
/// unbiased one, which matters only where a batch holds few values per feature (after Dense(256):
/// factor 64/63 at batch 64; after a conv it is B*H*W/(B*H*W-1) < 1.0004, so the fused kernel is kept).
///
/// In a data-parallel trial (synchronize() with a group of k > 1 ranks) training normalises with
/// the statistics of the whole global batch, summed over the ranks (a synchronised BatchNorm), so
/// that k ranks train the model one rank would: the same outputs, gradients and running
/// statistics, up to rounding. Every rank must then run every training forward pass (an empty
/// slice included), as each holds a collective.
class KerasBatchNormImpl : public torch::nn::Module {
 public:
  KerasBatchNormImpl(int64_t features, bool biased_running_var);
  torch::Tensor forward(const torch::Tensor& x);
  void synchronize(RankGroup group) { group_ = std::move(group); }

  torch::Tensor weight, bias, running_mean, running_var;

 private:
  torch::Tensor synchronized_forward(const torch::Tensor& x);

  bool biased_running_var_;
  RankGroup group_;
};
TORCH_MODULE(KerasBatchNorm);

/// GlobalAvgPool -> Dense(C/ratio, relu) -> Dense(C, sigmoid) -> scale each map.
class ChannelAttentionImpl : public torch::nn::Module {
 public:
  ChannelAttentionImpl(int64_t channels, int64_t ratio);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear squeeze{nullptr}, excite{nullptr};
};
TORCH_MODULE(ChannelAttention);

/// mean and max over channels -> Conv7x7(2 -> 1, sigmoid, he_normal) -> scale every position.
class SpatialAttentionImpl : public torch::nn::Module {
 public:
  SpatialAttentionImpl();
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(SpatialAttention);

/// Dropout as Keras applies it in training: each element kept with probability 1 - p and scaled by
/// 1 / (1 - p), zeroed otherwise; `x` itself outside training. On CPU floats the mask is drawn in
/// parallel from one value of LibTorch's default generator, so a seed gives the same mask at any
/// thread count; elsewhere it is torch::dropout.
torch::Tensor keras_dropout(const torch::Tensor& x, double p, bool training);

class AecnnImpl : public torch::nn::Module {
 public:
  explicit AecnnImpl(const AecnnOptions& options = {});
  /// x: [N, 1, 28, 28] floats in [0, 1]; returns [N, 10] logits.
  torch::Tensor forward(torch::Tensor x);
  /// The kernels the notebook gives kernel_regularizer=l2(): conv1-conv5, Dense(256) and Dense(10).
  /// Not the attention blocks' kernels, nor any bias or BN parameter.
  std::vector<torch::Tensor> regularized_kernels() const;
  /// Makes every BatchNorm layer normalise with the statistics of the whole global batch of a
  /// data-parallel trial (KerasBatchNormImpl).
  void synchronize_batch_norm(const RankGroup& group);
  const AecnnOptions& options() const noexcept { return options_; }

 private:
  AecnnOptions options_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr}, conv4_{nullptr}, conv5_{nullptr};
  KerasBatchNorm bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr}, bn4_{nullptr};
  ChannelAttention channel_{nullptr};
  SpatialAttention spatial_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  double conv_dropout_ = 0, fc_dropout_ = 0;  ///< rates of the two dropout layers (keras_dropout() in aecnn.cpp)
};
TORCH_MODULE(Aecnn);

/// Keras' l2(factor) kernel_regularizer summed over the model: factor * sum(w^2) over the
/// regularized_kernels() (no 0.5). Keras adds it to loss AND val_loss.
torch::Tensor l2_penalty(const AecnnImpl& model, double factor);

/// Every parameter and buffer (BN moving statistics too), copied: what Keras' get_weights()
/// holds, and so what EarlyStopping(restore_best_weights=True) restores.
std::vector<torch::Tensor> snapshot_weights(const AecnnImpl& model);
/// Copies a snapshot_weights() result back into `model`.
void restore_weights(AecnnImpl& model, const std::vector<torch::Tensor>& weights);

/// Parameter counts as Keras prints them: total = trainable + BN moving mean and variance.
struct ParamCounts {
  int64_t trainable = 0;
  int64_t total = 0;
};
ParamCounts count_params(const AecnnImpl& model);

/// Keras' truncated he_normal: N(0, s) with s = sqrt(2 / fan_in) / 0.87962566103423978, values
/// beyond two s redrawn (keras.initializers.HeNormal -> TruncatedNormal).
void truncated_he_normal_(torch::Tensor& weight, int64_t fan_in);

}  // namespace aecnn::model
