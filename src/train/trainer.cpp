#include "aecnn/train/trainer.hpp"

#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "aecnn/model/aecnn.hpp"
#include "aecnn/train/schedule.hpp"

namespace aecnn::train {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Images as [N, 1, 28, 28] floats in [0, 1] (the notebook's x / 255.0), labels as int64.
struct Tensors {
  torch::Tensor images, labels;
  int64_t size() const { return images.size(0); }
  Tensors first(int64_t n) const {
    if (n <= 0 || n >= size()) return *this;
    return {images.narrow(0, 0, n), labels.narrow(0, 0, n)};
  }
};

Tensors to_tensors(const data::LabelledImages& split) {
  auto pixels = torch::from_blob(const_cast<uint8_t*>(split.images.pixels.data()),
                                 {split.images.count, 1, split.images.rows, split.images.cols}, torch::kUInt8);
  auto labels = torch::from_blob(const_cast<uint8_t*>(split.labels.data()),
                                 {static_cast<int64_t>(split.labels.size())}, torch::kUInt8);
  return {pixels.to(torch::kFloat32).div_(255.0), labels.to(torch::kInt64)};
}

Tensors select(const Tensors& all, const std::vector<int64_t>& indices) {
  auto index = torch::tensor(indices, torch::kInt64);
  return {all.images.index_select(0, index), all.labels.index_select(0, index)};
}

// Keras l2(factor): factor * sum(w^2) over the kernels, added to loss and val_loss.
torch::Tensor l2_penalty(const model::AecnnImpl& net, double factor) {
  auto penalty = torch::zeros({});
  for (const auto& kernel : net.kernels()) penalty = penalty + kernel.pow(2).sum();
  return penalty * factor;
}

struct Evaluation {
  double loss = 0, accuracy = 0;
};

// A full pass in inference mode (BN running statistics, no dropout), as Keras' evaluate().
// The batch size does not change the result, so a large one saves per-call overhead.
Evaluation evaluate(model::Aecnn& net, const Tensors& data, double l2) {
  torch::NoGradGuard no_grad;
  net->eval();
  constexpr int64_t kBatch = 1024;
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t start = 0; start < data.size(); start += kBatch) {
    const int64_t n = std::min(kBatch, data.size() - start);
    auto logits = net->forward(data.images.narrow(0, start, n));
    auto labels = data.labels.narrow(0, start, n);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
  }
  const double n = static_cast<double>(data.size());
  double penalty = l2 > 0 ? l2_penalty(*net, l2).item<double>() : 0.0;
  return {loss_sum / n + penalty, static_cast<double>(correct) / n};
}

// A fresh epoch order from the trial's own generator, so shuffling is reproducible per seed
// and independent of torch's generator (which drives init and dropout).
std::vector<int64_t> shuffled_order(int64_t n, std::mt19937_64& rng) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<int64_t> pick(0, i);
    std::swap(order[i], order[pick(rng)]);
  }
  return order;
}

}  // namespace

struct Trainer::Impl {
  Tensors train, validation, test;
};

Trainer::Trainer(const data::FashionMnist& data) : impl_(std::make_unique<Impl>()) {
  Tensors all_train = to_tensors(data.train);
  const int64_t n = all_train.size();
  auto split = data::split_train_validation(n, data::study_validation_count(n));
  impl_->train = select(all_train, split.train);
  impl_->validation = select(all_train, split.validation);
  impl_->test = to_tensors(data.test);
}

Trainer::~Trainer() = default;

TrialResult Trainer::run(const sweep::TrialConfig& config, const EpochCallback& on_epoch) {
  const auto trial_start = Clock::now();
  torch::manual_seed(static_cast<uint64_t>(config.seed));
  std::mt19937_64 shuffle_rng(static_cast<uint64_t>(config.seed));

  const Tensors train = impl_->train.first(config.train_images);
  const Tensors validation = impl_->validation.first(config.eval_images);
  const Tensors test = impl_->test.first(config.eval_images);

  model::Aecnn net(model::AecnnOptions()
                       .attention(config.attention)
                       .channel_ratio(config.channel_ratio)
                       .conv_dropout(config.conv_dropout)
                       .fc_dropout(config.fc_dropout));
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(config.lr).eps(1e-7));

  TrialResult result;
  const auto counts = model::count_params(*net);
  result.params_trainable = counts.trainable;
  result.params_total = counts.total;
  result.train_images = train.size();
  result.validation_images = validation.size();
  result.test_images = test.size();
  result.threads = compute_threads();

  const int horizon = config.lr_horizon > 0 ? config.lr_horizon : config.epochs;
  double lr = config.lr;
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    lr = lr_at(config.schedule, config.lr, lr, epoch, horizon);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);

    net->train();
    const auto order = shuffled_order(train.size(), shuffle_rng);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t start = 0; start < train.size(); start += config.batch_size) {
      // Keras keeps the partial last batch; so do we.
      const int64_t n = std::min<int64_t>(config.batch_size, train.size() - start);
      auto index = torch::from_blob(const_cast<int64_t*>(order.data()) + start, {n}, torch::kInt64);
      auto images = train.images.index_select(0, index);
      auto labels = train.labels.index_select(0, index);

      optimizer.zero_grad();
      auto logits = net->forward(images);
      auto loss = torch::nn::functional::cross_entropy(logits, labels);
      if (config.l2 > 0) loss = loss + l2_penalty(*net, config.l2);
      loss.backward();
      optimizer.step();

      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
    }
    const double train_loss = loss_sum / static_cast<double>(train.size());
    if (!std::isfinite(train_loss))
      throw TrialError("training loss became " + std::to_string(train_loss) + " in epoch " +
                       std::to_string(epoch + 1) + " (lr " + std::to_string(lr) + ")");

    const Evaluation val = evaluate(net, validation, config.l2);
    EpochRecord record;
    record.epoch = epoch + 1;
    record.lr = lr;
    record.loss = train_loss;
    record.accuracy = static_cast<double>(correct) / static_cast<double>(train.size());
    record.val_loss = val.loss;
    record.val_accuracy = val.accuracy;
    record.epoch_seconds = seconds_since(epoch_start);
    result.history.push_back(record);
    if (on_epoch) on_epoch(record);
  }

  const Evaluation final_test = evaluate(net, test, config.l2);
  result.test_loss = final_test.loss;
  result.test_accuracy = final_test.accuracy;
  result.wall_seconds = seconds_since(trial_start);
  return result;
}

void set_compute_threads(int threads) {
  threads = std::max(1, threads);
  torch::set_num_threads(threads);
  // OpenBLAS reads OPENBLAS_NUM_THREADS only when it loads, before main; its setter is reached
  // through the dynamic linker so that other BLAS builds (reference BLAS, MKL) still link.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

int compute_threads() { return torch::get_num_threads(); }

}  // namespace aecnn::train
