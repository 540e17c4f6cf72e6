#include "aecnn/train/trainer.hpp"

#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <numeric>
#include <random>

#include "aecnn/dist/tensor_sync.hpp"
#include "aecnn/model/aecnn.hpp"
#include "aecnn/train/device.hpp"
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

// A full pass in inference mode (BN running statistics, no dropout), as Keras' evaluate(),
// sharded over the trial's ranks and summed. In batches of the trial's own size, as Keras
// validates (validation_batch_size defaults to batch_size): larger evaluation batches would be
// faster, but would set the trial's peak memory, which the batch-size study measures.
Evaluation evaluate(model::Aecnn& net, const Tensors& data, double l2, int64_t batch, dist::Communicator& comm) {
  torch::NoGradGuard no_grad;
  net->eval();
  std::vector<double> sums(1 + kClasses * kClasses, 0.0);  // loss sum, confusion
  bool failed = false;
  std::string error;
  try {
    const auto [begin, end] = dist::shard(data.size(), comm.rank(), comm.size());
    auto confusion = torch::zeros({kClasses * kClasses}, torch::TensorOptions(torch::kInt64).device(data.images.device()));
    for (int64_t start = begin; start < end; start += batch) {
      const int64_t n = std::min(batch, end - start);
      auto logits = net->forward(data.images.narrow(0, start, n));
      auto labels = data.labels.narrow(0, start, n);
      sums[0] += torch::nn::functional::cross_entropy(
                     logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                     .item<double>();
      confusion += torch::bincount(labels * kClasses + logits.argmax(1), {}, kClasses * kClasses);
    }
    confusion = confusion.cpu().contiguous();
    const int64_t* counts = confusion.data_ptr<int64_t>();
    for (int64_t i = 0; i < kClasses * kClasses; ++i) sums[1 + i] = static_cast<double>(counts[i]);
  } catch (const std::exception& e) {
    failed = true;
    error = e.what();
  }
  if (!dist::reduce_host(comm, sums, failed)) throw TrialError(error);

  Evaluation result;
  int64_t correct = 0;
  for (int64_t i = 0; i < kClasses * kClasses; ++i) {
    result.confusion.push_back(static_cast<int64_t>(sums[1 + i]));
    if (i / kClasses == i % kClasses) correct += result.confusion.back();
  }
  const double n = static_cast<double>(data.size());
  const double penalty = l2 > 0 ? model::l2_penalty(*net, l2).item<double>() : 0.0;
  result.loss = sums[0] / n + penalty;
  result.accuracy = static_cast<double>(correct) / n;
  return result;
}

// A fresh epoch order from the trial's own generator, so shuffling is reproducible per seed,
// the same on every rank of a data-parallel trial, and independent of torch's generator.
std::vector<int64_t> shuffled_order(int64_t n, std::mt19937_64& rng) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<int64_t> pick(0, i);
    std::swap(order[i], order[pick(rng)]);
  }
  return order;
}

std::vector<torch::Tensor> running_statistics(model::AecnnImpl& net) {
  std::vector<torch::Tensor> stats;
  for (const auto& item : net.named_buffers())
    if (item.key().find("running_") != std::string::npos) stats.push_back(item.value());
  return stats;
}

// Peak memory of the trial on its device (docs/study.md).
struct MemoryProbe {
  torch::Device device;
  int64_t start() {
    if (device.is_cuda()) {
      cuda_reset_peak(device.index());
      return cuda_allocated_bytes(device.index());
    }
    return start_trial_peak();
  }
  int64_t peak() const { return device.is_cuda() ? cuda_peak_bytes(device.index()) : peak_resident_bytes(); }
  std::string measure(int64_t baseline) const {
    if (device.is_cuda()) return "cuda_caching_allocator_peak";
    return baseline >= 0 ? "cpu_rss_high_water_mark" : "unavailable";
  }
};

}  // namespace

struct Trainer::Impl {
  torch::Device device = torch::kCPU;
  Tensors train, validation, test;
};

Trainer::Trainer(const data::FashionMnist& data, const std::string& device) : impl_(std::make_unique<Impl>()) {
  impl_->device = torch::Device(device);
  Tensors all_train = to_tensors(data.train);
  const int64_t n = all_train.size();
  auto split = data::split_train_validation(n, data::study_validation_count(n));
  auto to_device = [&](Tensors t) { return Tensors{t.images.to(impl_->device), t.labels.to(impl_->device)}; };
  impl_->train = to_device(select(all_train, split.train));
  impl_->validation = to_device(select(all_train, split.validation));
  impl_->test = to_device(to_tensors(data.test));
}

Trainer::~Trainer() = default;

TrialResult Trainer::run(const sweep::TrialConfig& config, const EpochCallback& on_epoch, dist::Communicator* comm_in) {
  const auto trial_start = Clock::now();
  dist::SoloCommunicator solo;
  dist::Communicator& comm = comm_in ? *comm_in : solo;
  const int rank = comm.rank(), ranks = comm.size();
  const torch::Device device = impl_->device;
  if (device.is_cuda()) torch::cuda::synchronize(device.index());

  TrialResult result;
  MemoryProbe memory{device};
  result.memory_baseline_bytes = memory.start();
  result.device = device.str();
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
  net->to(device);
  std::vector<torch::Tensor> parameters = net->parameters();
  std::vector<torch::Tensor> all_weights = parameters;
  for (const auto& b : net->buffers()) all_weights.push_back(b);
  dist::broadcast_tensors(comm, all_weights, 0);  // the leader's initial weights, everywhere
  if (ranks > 1) torch::manual_seed(static_cast<uint64_t>(config.seed) * 1000003u + static_cast<uint64_t>(rank));  // own dropout masks
  torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(config.lr).eps(1e-7));

  std::vector<torch::Tensor> gradients;
  for (auto& p : parameters) gradients.push_back(torch::zeros_like(p));
  dist::FusedReducer gradient_reducer(comm, gradients);
  std::vector<torch::Tensor> bn_statistics = running_statistics(*net);
  dist::FusedReducer statistics_reducer(comm, bn_statistics);

  const auto counts = model::count_params(*net);
  result.params_trainable = counts.trainable;
  result.params_total = counts.total;
  result.train_images = train.size();
  result.validation_images = validation.size();
  result.test_images = test.size();
  result.threads = compute_threads();

  // A test aid, documented in docs/data-parallel.md: the trial rank named here throws in its
  // second training step, so the suite can check that a gang fails as a whole and nothing hangs.
  const char* fail_rank = std::getenv("AECNN_TEST_FAIL_RANK");
  const bool fail_here = fail_rank != nullptr && std::atoi(fail_rank) == rank;

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
    const auto order_on_device = torch::tensor(order, torch::kInt64).to(device);
    // Sums over this rank's slices, reduced once per epoch: cross-entropy, L2 share, correct.
    double ce_sum = 0, l2_sum = 0, correct = 0;
    for (int64_t start = 0; start < train.size(); start += config.batch_size) {
      // Keras keeps the partial last batch; so do we.
      const int64_t global_n = std::min<int64_t>(config.batch_size, train.size() - start);
      const auto [begin, end] = dist::shard(global_n, rank, ranks);
      bool failed = false;
      std::string error;
      try {
        if (fail_here && epoch == 0 && start == config.batch_size)
          throw TrialError("injected failure (AECNN_TEST_FAIL_RANK=" + std::to_string(rank) + ")");
        optimizer.zero_grad();
        if (end > begin) {
          auto index = order_on_device.narrow(0, start + begin, end - begin);
          auto images = train.images.index_select(0, index);
          auto labels = train.labels.index_select(0, index);
          auto logits = net->forward(images);
          auto ce = torch::nn::functional::cross_entropy(
              logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
          // Scaled so that the ranks' gradients SUM to the global batch's mean-loss gradient.
          auto loss = ce / static_cast<double>(global_n);
          if (config.l2 > 0) {
            auto penalty = model::l2_penalty(*net, config.l2);
            loss = loss + penalty / static_cast<double>(ranks);
            l2_sum += penalty.item<double>() * static_cast<double>(global_n) / ranks;
          }
          loss.backward();
          ce_sum += ce.item<double>();
          correct += static_cast<double>(logits.argmax(1).eq(labels).sum().item<int64_t>());
        }
        if (ranks > 1)
          for (std::size_t i = 0; i < parameters.size(); ++i) {
            const auto& g = parameters[i].grad();
            if (g.defined()) gradients[i].copy_(g);
            else gradients[i].zero_();  // an empty slice (global batch smaller than the ranks)
          }
      } catch (const std::exception& e) {
        failed = true;
        error = e.what();
      }
      if (ranks > 1) {
        // One fused all-reduce: every rank joins it, failed or not, so none is left waiting.
        if (gradient_reducer.reduce(gradients, failed)) throw TrialError(error);
        for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].mutable_grad() = gradients[i];
      } else if (failed) {
        throw TrialError(error);
      }
      optimizer.step();
    }
    const double train_seconds = seconds_since(epoch_start);
    std::vector<double> sums = {ce_sum, l2_sum, correct};
    dist::reduce_host(comm, sums, false);
    const double train_loss = (sums[0] + sums[1]) / static_cast<double>(train.size());
    if (!std::isfinite(train_loss))
      throw TrialError("training loss became " + std::to_string(train_loss) + " in epoch " +
                       std::to_string(epoch + 1) + " (lr " + std::to_string(lr) + ")");
    if (ranks > 1) statistics_reducer.reduce(bn_statistics, false, 1.0 / ranks);

    const Evaluation val = evaluate(net, validation, config.l2, config.batch_size, comm);
    EpochRecord record;
    record.epoch = epoch + 1;
    record.lr = lr;
    record.loss = train_loss;
    record.accuracy = sums[2] / static_cast<double>(train.size());
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

  const Evaluation on_train = evaluate(net, train, config.l2, config.batch_size, comm);
  result.train_eval_loss = on_train.loss;
  result.train_eval_accuracy = on_train.accuracy;

  const Evaluation on_test = evaluate(net, test, config.l2, config.batch_size, comm);
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

  result.peak_memory_bytes = result.memory_baseline_bytes >= 0 ? memory.peak() : -1;
  result.memory_measure = memory.measure(result.memory_baseline_bytes);
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
