#include "aecnn/train/trainer.hpp"

#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "aecnn/model/aecnn.hpp"
#include "aecnn/train/early_stopping.hpp"
#include "aecnn/train/memory.hpp"
#include "aecnn/train/metrics.hpp"
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

constexpr int64_t kClasses = 10;

struct Evaluation {
  double loss = 0, accuracy = 0;
  std::vector<int64_t> confusion;  ///< kClasses x kClasses, row = true, column = predicted
};

// A full pass in inference mode (BN running statistics, no dropout), as Keras' evaluate().
// In batches of the trial's own size, as Keras validates (validation_batch_size defaults to
// batch_size): larger evaluation batches would be faster, but would set the trial's peak memory,
// which the batch-size study measures.
Evaluation evaluate(model::Aecnn& net, const Tensors& data, double l2, int64_t batch) {
  torch::NoGradGuard no_grad;
  net->eval();
  double loss_sum = 0;
  auto confusion = torch::zeros({kClasses * kClasses}, torch::kInt64);
  for (int64_t start = 0; start < data.size(); start += batch) {
    const int64_t n = std::min(batch, data.size() - start);
    auto logits = net->forward(data.images.narrow(0, start, n));
    auto labels = data.labels.narrow(0, start, n);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    confusion += torch::bincount(labels * kClasses + logits.argmax(1), {}, kClasses * kClasses);
  }
  Evaluation result;
  result.confusion.assign(confusion.data_ptr<int64_t>(), confusion.data_ptr<int64_t>() + kClasses * kClasses);
  int64_t correct = 0;
  for (int64_t c = 0; c < kClasses; ++c) correct += result.confusion[c * kClasses + c];
  const double n = static_cast<double>(data.size());
  const double penalty = l2 > 0 ? model::l2_penalty(*net, l2).item<double>() : 0.0;
  result.loss = loss_sum / n + penalty;
  result.accuracy = static_cast<double>(correct) / n;
  return result;
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
  TrialResult result;
  result.memory_baseline_bytes = start_trial_peak();
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

  const auto counts = model::count_params(*net);
  result.params_trainable = counts.trainable;
  result.params_total = counts.total;
  result.train_images = train.size();
  result.validation_images = validation.size();
  result.test_images = test.size();
  result.threads = compute_threads();

  const int horizon = config.lr_horizon > 0 ? config.lr_horizon : config.epochs;
  EarlyStopping early_stopping(config.patience);
  std::vector<torch::Tensor> best_weights;
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
      if (config.l2 > 0) loss = loss + model::l2_penalty(*net, config.l2);
      loss.backward();
      optimizer.step();

      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
    }
    const double train_seconds = seconds_since(epoch_start);
    const double train_loss = loss_sum / static_cast<double>(train.size());
    if (!std::isfinite(train_loss))
      throw TrialError("training loss became " + std::to_string(train_loss) + " in epoch " +
                       std::to_string(epoch + 1) + " (lr " + std::to_string(lr) + ")");

    const Evaluation val = evaluate(net, validation, config.l2, config.batch_size);
    EpochRecord record;
    record.epoch = epoch + 1;
    record.lr = lr;
    record.loss = train_loss;
    record.accuracy = static_cast<double>(correct) / static_cast<double>(train.size());
    record.val_loss = val.loss;
    record.val_accuracy = val.accuracy;
    record.train_seconds = train_seconds;
    record.epoch_seconds = seconds_since(epoch_start);
    result.history.push_back(record);
    if (on_epoch) on_epoch(record);

    if (config.patience > 0) {
      const bool stop = early_stopping.update(epoch, val.loss);
      if (early_stopping.take_snapshot()) best_weights = model::snapshot_weights(*net);
      if (stop) {
        result.stopped_early = epoch + 1 < config.epochs;
        break;
      }
    }
  }
  result.epochs_run = static_cast<int>(result.history.size());
  if (config.patience > 0 && !best_weights.empty()) {
    // Keras 3 restores the best weights at the end of training, early stop or not.
    model::restore_weights(*net, best_weights);
    result.best_epoch = early_stopping.best_epoch() + 1;
    result.restored_best = true;
  }

  const Evaluation on_train = evaluate(net, train, config.l2, config.batch_size);
  result.train_eval_loss = on_train.loss;
  result.train_eval_accuracy = on_train.accuracy;

  const Evaluation on_test = evaluate(net, test, config.l2, config.batch_size);
  const ClassificationMetrics metrics = classification_metrics(on_test.confusion, kClasses);
  result.test_loss = on_test.loss;
  result.test_accuracy = on_test.accuracy;
  result.test_precision = metrics.precision_weighted;
  result.test_recall = metrics.recall_weighted;
  result.test_f1 = metrics.f1_weighted;
  result.class_precision = metrics.precision;
  result.class_recall = metrics.recall;
  result.class_f1 = metrics.f1;
  result.class_support = metrics.support;
  result.confusion = on_test.confusion;

  result.peak_memory_bytes = result.memory_baseline_bytes >= 0 ? peak_resident_bytes() : -1;
  result.memory_measure = result.memory_baseline_bytes >= 0 ? "cpu_rss_high_water_mark" : "unavailable";
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
