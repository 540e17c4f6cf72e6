#include "aecnn/train/trainer.hpp"

#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

#include "aecnn/dist/tensor_sync.hpp"
#include "aecnn/model/aecnn.hpp"
#include "aecnn/train/device.hpp"
#include "aecnn/train/early_stopping.hpp"
#include "aecnn/train/keras_adam.hpp"
#include "aecnn/train/memory.hpp"
#include "aecnn/train/metrics.hpp"
#include "aecnn/train/provenance.hpp"
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

// A batch as the network's first convolution should see it. A one-channel NCHW batch already is
// channels-last in memory, but LibTorch reads such ambiguous strides as NCHW, so conv1 and
// everything after it ran NCHW and every later convolution converted its input (and, in
// backward, its gradient) to channels-last and back. Restriding the same memory, no copy, lets
// the whole network run channels-last: a 1-thread trial 13.1 -> 11.3 s, the copies (0.45 s) gone
// and BatchNorm's backward twice as fast (bench/profile_trainer.cpp).
torch::Tensor network_input(const torch::Tensor& images, bool channels_last) {
  if (!channels_last) return images;
  if (images.size(1) == 1 && images.is_contiguous())
    return images.as_strided(images.sizes(), {images.stride(0), 1, images.size(3), 1});
  return images.contiguous(torch::MemoryFormat::ChannelsLast);
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
Evaluation evaluate(model::Aecnn& net, const Tensors& data, double l2, int64_t batch, bool channels_last,
                    dist::Communicator& comm, const std::function<void()>& alive) {
  torch::NoGradGuard no_grad;
  net->eval();
  std::vector<double> sums(1 + kClasses * kClasses, 0.0);  // loss sum, confusion
  bool failed = false;
  std::string error;
  try {
    const auto [begin, end] = dist::shard(data.size(), comm.rank(), comm.size());
    auto confusion = torch::zeros({kClasses * kClasses}, torch::TensorOptions(torch::kInt64).device(data.images.device()));
    for (int64_t start = begin; start < end; start += batch) {
      if (alive) alive();
      const int64_t n = std::min(batch, end - start);
      auto logits = net->forward(network_input(data.images.narrow(0, start, n), channels_last));
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

// The seed of one random stream of one epoch (splitmix64 over the parts). Every stream is
// re-seeded at each epoch's start from this, so a checkpoint's epoch number is the whole random
// state: a resumed trial draws exactly what the uninterrupted one would have, on every rank.
uint64_t stream_seed(int64_t seed, int epoch, int rank, uint64_t stream) {
  uint64_t x = static_cast<uint64_t>(seed);
  for (uint64_t part : {static_cast<uint64_t>(epoch), static_cast<uint64_t>(rank), stream}) {
    x += 0x9e3779b97f4a7c15ULL + part;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
  }
  return x;
}
constexpr uint64_t kDropoutStream = 1, kShuffleStream = 2;

// The epoch's order of the training images, from the trial's own generator (not torch's), so it
// is the same on every rank of a data-parallel trial and on every device.
std::vector<int64_t> shuffled_order(int64_t n, int64_t seed, int epoch) {
  std::mt19937_64 rng(stream_seed(seed, epoch, 0, kShuffleStream));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<int64_t> pick(0, i);
    std::swap(order[i], order[pick(rng)]);
  }
  return order;
}

// Parameters then buffers, by their module names: the order snapshot_weights() uses.
std::vector<std::string> weight_names(const model::AecnnImpl& net) {
  std::vector<std::string> names;
  for (const auto& item : net.named_parameters()) names.push_back(item.key());
  for (const auto& item : net.named_buffers()) names.push_back(item.key());
  return names;
}

std::vector<NamedArray> to_named_arrays(const std::vector<std::string>& names, const std::vector<torch::Tensor>& weights) {
  std::vector<NamedArray> arrays;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    auto t = weights[i].detach().to(torch::kCPU, torch::kFloat32).contiguous();
    const float* data = t.data_ptr<float>();
    arrays.push_back({names.at(i), t.sizes().vec(), std::vector<float>(data, data + t.numel())});
  }
  return arrays;
}

// The tensors of `arrays` in the model's own order, on its device; throws if they do not fit.
std::vector<torch::Tensor> from_named_arrays(const model::AecnnImpl& net, const std::vector<NamedArray>& arrays) {
  const auto names = weight_names(net);
  // The live tensors, in the same order (shapes and devices to match; no copies).
  std::vector<torch::Tensor> current = net.parameters();
  for (const auto& b : net.buffers()) current.push_back(b);
  if (arrays.size() != names.size())
    throw Error("the checkpoint holds " + std::to_string(arrays.size()) + " arrays, the model has " +
                std::to_string(names.size()));
  std::vector<torch::Tensor> weights;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const NamedArray& a = arrays[i];
    if (a.name != names[i] || a.shape != current[i].sizes().vec())
      throw Error("the checkpoint's array " + a.name + " does not fit the model's " + names[i]);
    weights.push_back(torch::from_blob(const_cast<float*>(a.values.data()), a.shape, torch::kFloat32)
                          .to(current[i].device(), current[i].scalar_type(), /*non_blocking=*/false, /*copy=*/true));
  }
  return weights;
}

// The memory layout of the convolution kernels (and so of the activations) on CPU. Channels-last
// (NHWC) lets oneDNN skip reordering activations between layers and makes max-pooling and
// BatchNorm cheaper. Measured side by side by bench/train_speed.sh (docs/benchmarks.md): faster
// at 1 and at 2 threads once the input batch is channels-last too (network_input); before that
// fix it lost at 1 thread. Only the memory order changes, not the arithmetic.
CpuLayout cpu_layout = CpuLayout::kChannelsLast;

bool channels_last_on_cpu() { return cpu_layout == CpuLayout::kChannelsLast; }

void use_channels_last(model::AecnnImpl& net) {
  torch::NoGradGuard no_grad;
  for (auto& p : net.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
}

model::Aecnn build_model(const sweep::TrialConfig& config) {
  return model::Aecnn(model::AecnnOptions()
                          .attention(config.attention)
                          .channel_ratio(config.channel_ratio)
                          .conv_dropout(config.conv_dropout)
                          .fc_dropout(config.fc_dropout));
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

// One trial's training, as named steps: setting up (the model, its optimizer, the checkpoint it
// continues from), one epoch (train, validate), the checkpoint after it, and the final
// evaluation. Trainer::run strings them together; each step runs on every rank of the trial.
class TrialRun {
 public:
  TrialRun(const sweep::TrialConfig& config, const TrialHooks& hooks, dist::Communicator& comm, torch::Device device,
           const Tensors& train, const Tensors& validation, TrialResult& result, Clock::time_point attempt_start)
      : attempt_start_(attempt_start), config_(config), hooks_(hooks), comm_(comm), rank_(comm.rank()), ranks_(comm.size()), device_(device),
        train_(train), validation_(validation), result_(result), net_(build_model(config)),
        optimizer_(set_up_model(), KerasAdam::Options{config.lr}),
        // Keras' EarlyStopping bookkeeping runs always: its best weights are the checkpoint's
        // `best`; only with patience > 0 does it stop training and restore them.
        early_stopping_(std::max(1, config.patience)), lr_(config.lr) {
    if (hooks.resume != nullptr && !hooks.resume->empty()) continue_from(*hooks.resume);
    for (auto& p : parameters_) gradients_.push_back(torch::zeros_like(p));
    gradient_reducer_ = std::make_unique<dist::FusedReducer>(comm_, gradients_);
    const auto counts = model::count_params(*net_);
    result.params_trainable = counts.trainable;
    result.params_total = counts.total;
    // A test aid, documented in docs/data-parallel.md: the trial rank named here throws in its
    // second training step, so the suite can check that a gang fails as a whole and nothing hangs.
    const char* fail_rank = std::getenv("AECNN_TEST_FAIL_RANK");
    fail_here_ = fail_rank != nullptr && std::atoi(fail_rank) == rank_;
    // A checkpoint taken at the epoch EarlyStopping ended training resumes straight into the end.
    stopped_ = first_epoch_ > 0 && config.patience > 0 && early_stopping_.wait() >= config.patience;
    result.stopped_early = stopped_ && first_epoch_ < config.epochs;
  }

  int first_epoch() const { return first_epoch_; }
  /// The trial's wall time so far, over every attempt: earlier ones up to their last checkpoint.
  double seconds() const { return seconds_before_ + seconds_since(attempt_start_); }
  /// EarlyStopping has ended training.
  bool stopped() const { return stopped_; }

  /// Epoch `epoch` (0-based): every training batch once, then validation. Returns its history row.
  EpochRecord run_epoch(int epoch) {
    const auto epoch_start = Clock::now();
    torch::manual_seed(stream_seed(config_.seed, epoch, rank_, kDropoutStream));
    const int horizon = config_.lr_horizon > 0 ? config_.lr_horizon : config_.epochs;
    lr_ = lr_at(config_.schedule, config_.lr, lr_, epoch, horizon);
    optimizer_.set_lr(lr_);
    std::vector<double> sums = train_epoch(epoch);
    const double train_seconds = seconds_since(epoch_start);
    dist::reduce_host(comm_, sums, false);  // over the ranks: cross-entropy, L2 share, correct
    const double train_loss = (sums[0] + sums[1]) / static_cast<double>(train_.size());
    if (!std::isfinite(train_loss))
      throw TrialError("training loss became " + std::to_string(train_loss) + " in epoch " +
                       std::to_string(epoch + 1) + " (lr " + std::to_string(lr_) + ")");

    const Evaluation val = evaluate(net_, validation_, config_.l2, config_.batch_size, channels_last_, comm_, hooks_.alive);
    EpochRecord record;
    record.epoch = epoch + 1;
    record.lr = lr_;
    record.loss = train_loss;
    record.accuracy = sums[2] / static_cast<double>(train_.size());
    record.val_loss = val.loss;
    record.val_accuracy = val.accuracy;
    record.train_seconds = train_seconds;
    record.epoch_seconds = seconds_since(epoch_start);

    const bool stop = early_stopping_.update(epoch, val.loss);
    if (early_stopping_.take_snapshot()) best_weights_ = model::snapshot_weights(*net_);
    if (config_.patience > 0 && stop) {
      result_.stopped_early = epoch + 1 < config_.epochs;
      stopped_ = true;
    }
    return record;
  }

  /// Everything the trial's future depends on, after `epochs_done` epochs with `history`.
  Checkpoint checkpoint(int epochs_done, const std::vector<EpochRecord>& history) const {
    Checkpoint checkpoint;
    checkpoint.epochs_done = epochs_done;
    checkpoint.lr = lr_;
    checkpoint.history = history;
    checkpoint.model = to_named_arrays(names_, model::snapshot_weights(*net_));
    checkpoint.best_model = to_named_arrays(names_, best_weights_);
    checkpoint.optimizer = optimizer_.save();
    checkpoint.stop_wait = early_stopping_.wait();
    checkpoint.best_epoch = early_stopping_.best_epoch();
    checkpoint.best_val_loss = early_stopping_.best_value();
    checkpoint.seconds = seconds();
    return checkpoint;
  }

  /// Whether the scheduler's pruner stops the trial here: the leader's answer, on every rank.
  bool pruned_here() const {
    if (!hooks_.pruned_after_epoch) return false;
    std::vector<double> verdict = {hooks_.pruned_after_epoch() && rank_ == 0 ? 1.0 : 0.0};
    dist::reduce_host(comm_, verdict, false);
    return verdict[0] > 0;
  }

  /// The final model (with early stopping, the best epoch's weights, as Keras 3 restores them)
  /// on the training split in inference mode and on the test split.
  void evaluate_final(const Tensors& test) {
    if (config_.patience > 0 && !best_weights_.empty()) {
      model::restore_weights(*net_, best_weights_);
      result_.best_epoch = early_stopping_.best_epoch() + 1;
      result_.restored_best = true;
    }
    const Evaluation on_train = evaluate(net_, train_, config_.l2, config_.batch_size, channels_last_, comm_, hooks_.alive);
    result_.train_eval_loss = on_train.loss;
    result_.train_eval_accuracy = on_train.accuracy;

    const Evaluation on_test = evaluate(net_, test, config_.l2, config_.batch_size, channels_last_, comm_, hooks_.alive);
    const ClassificationMetrics metrics = classification_metrics(on_test.confusion, kClasses);
    result_.test_loss = on_test.loss;
    result_.test_accuracy = on_test.accuracy;
    result_.test_precision = metrics.precision_weighted;
    result_.test_recall = metrics.recall_weighted;
    result_.test_f1 = metrics.f1_weighted;
    result_.class_precision = metrics.precision;
    result_.class_recall = metrics.recall;
    result_.class_f1 = metrics.f1;
    result_.class_support = metrics.support;
    result_.confusion = on_test.confusion;
  }

 private:
  // Places the model, makes a data-parallel trial's BatchNorm synchronised and its weights the
  // leader's; returns the parameters, for the optimizer.
  std::vector<torch::Tensor> set_up_model() {
    net_->to(device_);
    channels_last_ = !device_.is_cuda() && channels_last_on_cpu();
    if (channels_last_) use_channels_last(*net_);
    // A data-parallel trial normalises with the whole global batch's statistics, summed over the
    // ranks in float64 through the host (model::KerasBatchNormImpl): it trains the model one rank
    // would, and every rank keeps the same running statistics.
    if (ranks_ > 1)
      net_->synchronize_batch_norm({ranks_, [this](torch::Tensor& t) {
                                      auto host = t.to(torch::kCPU, torch::kDouble).contiguous();
                                      comm_.allreduce_sum_host(host.data_ptr<double>(),
                                                               static_cast<std::size_t>(host.numel()));
                                      t.copy_(host);
                                    }});
    names_ = weight_names(*net_);
    parameters_ = net_->parameters();
    std::vector<torch::Tensor> all_weights = parameters_;
    for (const auto& b : net_->buffers()) all_weights.push_back(b);
    dist::broadcast_tensors(comm_, all_weights, 0);  // the leader's initial weights, everywhere
    return parameters_;
  }

  // Every rank of the trial loads the same checkpoint; nothing to broadcast.
  void continue_from(const Checkpoint& from) {
    model::restore_weights(*net_, from_named_arrays(*net_, from.model));
    if (!from.best_model.empty()) best_weights_ = from_named_arrays(*net_, from.best_model);
    optimizer_.load(from.optimizer, device_);
    early_stopping_.restore(from.stop_wait, from.best_epoch, from.best_val_loss);
    lr_ = from.lr;
    first_epoch_ = from.epochs_done;
    seconds_before_ = from.seconds;
    result_.history = from.history;
  }

  // Every batch of the epoch's shuffled order once; this rank's slice of each global batch, the
  // gradients summed over the ranks. Returns this rank's sums: cross-entropy, L2 share, correct
  // predictions.
  std::vector<double> train_epoch(int epoch) {
    net_->train();
    const auto order = shuffled_order(train_.size(), config_.seed, epoch);
    const auto order_on_device = torch::tensor(order, torch::kInt64).to(device_);
    double ce_sum = 0, l2_sum = 0, correct = 0;
    for (int64_t start = 0; start < train_.size(); start += config_.batch_size) {
      // Keras keeps the partial last batch; so do we.
      const int64_t global_n = std::min<int64_t>(config_.batch_size, train_.size() - start);
      const auto [begin, end] = dist::shard(global_n, rank_, ranks_);
      bool failed = false, stop_here = false;
      std::string error;
      try {
        if (hooks_.alive) hooks_.alive();
        // Asked to stop, this rank still runs the step's forward and backward passes: in a gang
        // every rank must reach the same collectives (those of the synchronised BatchNorm), and
        // the stop reaches the others through the gradient all-reduce below.
        stop_here = hooks_.should_stop && hooks_.should_stop();
        optimizer_.zero_grad();
        if (end > begin || ranks_ > 1) {
          auto index = order_on_device.narrow(0, start + begin, end - begin);
          auto images = network_input(train_.images.index_select(0, index), channels_last_);
          auto labels = train_.labels.index_select(0, index);
          auto logits = net_->forward(images);
          auto ce = torch::nn::functional::cross_entropy(
              logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
          // Scaled so that the ranks' gradients SUM to the global batch's mean-loss gradient.
          auto loss = ce / static_cast<double>(global_n);
          if (config_.l2 > 0) {
            auto penalty = model::l2_penalty(*net_, config_.l2);
            loss = loss + penalty / static_cast<double>(ranks_);
            l2_sum += penalty.item<double>() * static_cast<double>(global_n) / ranks_;
          }
          loss.backward();
          ce_sum += ce.item<double>();
          correct += static_cast<double>(logits.argmax(1).eq(labels).sum().item<int64_t>());
        }
        if (fail_here_ && epoch == 0 && start == config_.batch_size)
          throw TrialError("injected failure (AECNN_TEST_FAIL_RANK=" + std::to_string(rank_) + ")");
        if (stop_here) throw Interrupted("interrupted");
        if (ranks_ > 1)
          for (std::size_t i = 0; i < parameters_.size(); ++i) {
            const auto& g = parameters_[i].grad();
            if (g.defined()) gradients_[i].copy_(g);
            else gradients_[i].zero_();  // an empty slice (global batch smaller than the ranks)
          }
      } catch (const std::exception& e) {
        failed = true;
        error = e.what();
      }
      // A stop or a failure here ends the trial; in a gang, only after the all-reduce that
      // tells every rank (the others then throw PeerFailed from it).
      const bool summed = ranks_ > 1 && !gradient_reducer_->reduce(gradients_, failed);
      if (failed && stop_here) throw Interrupted(error);
      if (failed) throw TrialError(error);
      if (summed)
        for (std::size_t i = 0; i < parameters_.size(); ++i) parameters_[i].mutable_grad() = gradients_[i];
      optimizer_.step();
    }
    return {ce_sum, l2_sum, correct};
  }

  const Clock::time_point attempt_start_;
  double seconds_before_ = 0;  ///< earlier attempts' time, from the checkpoint resumed
  const sweep::TrialConfig& config_;
  const TrialHooks& hooks_;
  dist::Communicator& comm_;
  const int rank_, ranks_;
  const torch::Device device_;
  const Tensors& train_;
  const Tensors& validation_;
  TrialResult& result_;
  model::Aecnn net_;
  bool channels_last_ = false;
  std::vector<std::string> names_;
  std::vector<torch::Tensor> parameters_;
  KerasAdam optimizer_;
  EarlyStopping early_stopping_;
  std::vector<torch::Tensor> best_weights_;
  double lr_;
  int first_epoch_ = 0;
  std::vector<torch::Tensor> gradients_;
  std::unique_ptr<dist::FusedReducer> gradient_reducer_;
  bool fail_here_ = false;
  bool stopped_ = false;
};

}  // namespace

struct Trainer::Impl {
  torch::Device device = torch::kCPU;
  Tensors train, validation, test;
};

Trainer::Trainer(const data::FashionMnist& data, const std::string& device) : impl_(std::make_unique<Impl>()) {
  apply_freed_memory_policy();
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

TrialResult Trainer::run(const sweep::TrialConfig& config, const TrialHooks& hooks, dist::Communicator* comm_in) {
  const auto trial_start = Clock::now();
  dist::SoloCommunicator solo;
  dist::Communicator& comm = comm_in ? *comm_in : solo;
  const torch::Device device = impl_->device;
  if (device.is_cuda()) torch::cuda::synchronize(device.index());

  TrialResult result;
  MemoryProbe memory{device};
  result.memory_baseline_bytes = memory.start();
  result.device = device.str();
  result.provenance = describe_process(device.str());
  torch::manual_seed(static_cast<uint64_t>(config.seed));  // the initial weights

  const Tensors train = impl_->train.first(config.train_images);
  const Tensors validation = impl_->validation.first(config.eval_images);
  const Tensors test = impl_->test.first(config.eval_images);
  TrialRun trial(config, hooks, comm, device, train, validation, result, trial_start);
  result.train_images = train.size();
  result.validation_images = validation.size();
  result.test_images = test.size();
  result.threads = compute_threads();

  for (int epoch = trial.first_epoch(); epoch < config.epochs && !trial.stopped(); ++epoch) {
    result.history.push_back(trial.run_epoch(epoch));
    if (hooks.on_epoch) hooks.on_epoch(result.history.back(), trial.checkpoint(epoch + 1, result.history));
    if (trial.pruned_here()) {
      result.pruned = true;
      break;
    }
  }
  result.epochs_run = static_cast<int>(result.history.size());
  // A pruned trial was judged by its history: no final evaluations to spend on it.
  if (!result.pruned) trial.evaluate_final(test);
  result.peak_memory_bytes = result.memory_baseline_bytes >= 0 ? memory.peak() : -1;
  result.memory_measure = memory.measure(result.memory_baseline_bytes);
  result.wall_seconds = trial.seconds();
  return result;
}

void export_model(const sweep::TrialConfig& config, const std::vector<NamedArray>& weights, const std::string& path,
                  const std::string& weights_from) {
  model::Aecnn net = build_model(config);
  try {
    model::restore_weights(*net, from_named_arrays(*net, weights));
  } catch (const Error& error) {
    if (weights_from.empty()) throw;
    throw Error(weights_from + ": " + error.what());
  }
  net->eval();
  try {
    torch::save(net, path);
  } catch (const c10::Error& e) {
    throw Error(path + ": cannot write the model: " + std::string(e.what_without_backtrace()));
  }
}

void set_cpu_layout(CpuLayout layout) { cpu_layout = layout; }

void set_compute_threads(int threads) {
  threads = std::max(1, threads);
  torch::set_num_threads(threads);
  // OpenBLAS gets one thread whatever `threads` is: its only work here is the dense layers'
  // small matrices, and its own thread pool, which spins after each call, took a core from
  // LibTorch's OpenMP threads: at 2 threads the whole step ran 1.6x faster with OpenBLAS at 1
  // (bench/profile_trainer.cpp: relu, batch norm and sums had slowed down beside it).
  // OpenBLAS reads OPENBLAS_NUM_THREADS only when it loads, before main; its setter is reached
  // through the dynamic linker so that other BLAS builds (reference BLAS, MKL) still link.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

int compute_threads() { return torch::get_num_threads(); }

}  // namespace aecnn::train
