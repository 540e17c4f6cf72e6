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

TrialResult Trainer::run(const sweep::TrialConfig& config, const TrialHooks& hooks, dist::Communicator* comm_in) {
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
  result.provenance = describe_process(device.str());
  torch::manual_seed(static_cast<uint64_t>(config.seed));  // the initial weights

  const Tensors train = impl_->train.first(config.train_images);
  const Tensors validation = impl_->validation.first(config.eval_images);
  const Tensors test = impl_->test.first(config.eval_images);

  model::Aecnn net = build_model(config);
  net->to(device);
  const bool channels_last = !device.is_cuda() && channels_last_on_cpu();
  if (channels_last) use_channels_last(*net);
  // A data-parallel trial normalises with the whole global batch's statistics, summed over the
  // ranks in float64 through the host (model::KerasBatchNormImpl): it trains the model one rank
  // would, and every rank keeps the same running statistics.
  if (ranks > 1)
    net->synchronize_batch_norm({ranks, [&comm](torch::Tensor& t) {
                                   auto host = t.to(torch::kCPU, torch::kDouble).contiguous();
                                   comm.allreduce_sum_host(host.data_ptr<double>(),
                                                           static_cast<std::size_t>(host.numel()));
                                   t.copy_(host);
                                 }});
  const std::vector<std::string> names = weight_names(*net);
  std::vector<torch::Tensor> parameters = net->parameters();
  std::vector<torch::Tensor> all_weights = parameters;
  for (const auto& b : net->buffers()) all_weights.push_back(b);
  dist::broadcast_tensors(comm, all_weights, 0);  // the leader's initial weights, everywhere
  KerasAdam optimizer(parameters, KerasAdam::Options{config.lr});

  // Keras' EarlyStopping bookkeeping runs always: its best weights are the checkpoint's `best`;
  // only with patience > 0 does it stop training and restore them.
  EarlyStopping early_stopping(std::max(1, config.patience));
  std::vector<torch::Tensor> best_weights;
  double lr = config.lr;
  int first_epoch = 0;
  if (hooks.resume != nullptr && !hooks.resume->empty()) {
    // Every rank of the trial loads the same checkpoint; nothing to broadcast.
    const Checkpoint& from = *hooks.resume;
    model::restore_weights(*net, from_named_arrays(*net, from.model));
    if (!from.best_model.empty()) best_weights = from_named_arrays(*net, from.best_model);
    optimizer.load(from.optimizer, device);
    early_stopping.restore(from.stop_wait, from.best_epoch, from.best_val_loss);
    lr = from.lr;
    first_epoch = from.epochs_done;
    result.history = from.history;
  }

  std::vector<torch::Tensor> gradients;
  for (auto& p : parameters) gradients.push_back(torch::zeros_like(p));
  dist::FusedReducer gradient_reducer(comm, gradients);

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
  // A checkpoint taken at the epoch EarlyStopping ended training resumes straight into the end.
  bool stopped = first_epoch > 0 && config.patience > 0 && early_stopping.wait() >= config.patience;
  result.stopped_early = stopped && first_epoch < config.epochs;
  for (int epoch = first_epoch; epoch < config.epochs && !stopped; ++epoch) {
    const auto epoch_start = Clock::now();
    torch::manual_seed(stream_seed(config.seed, epoch, rank, kDropoutStream));
    lr = lr_at(config.schedule, config.lr, lr, epoch, horizon);
    optimizer.set_lr(lr);

    net->train();
    const auto order = shuffled_order(train.size(), config.seed, epoch);
    const auto order_on_device = torch::tensor(order, torch::kInt64).to(device);
    // Sums over this rank's slices, reduced once per epoch: cross-entropy, L2 share, correct.
    double ce_sum = 0, l2_sum = 0, correct = 0;
    for (int64_t start = 0; start < train.size(); start += config.batch_size) {
      // Keras keeps the partial last batch; so do we.
      const int64_t global_n = std::min<int64_t>(config.batch_size, train.size() - start);
      const auto [begin, end] = dist::shard(global_n, rank, ranks);
      bool failed = false, stop_here = false;
      std::string error;
      try {
        if (hooks.alive) hooks.alive();
        // Asked to stop, this rank still runs the step's forward and backward passes: in a gang
        // every rank must reach the same collectives (those of the synchronised BatchNorm), and
        // the stop reaches the others through the gradient all-reduce below.
        stop_here = hooks.should_stop && hooks.should_stop();
        optimizer.zero_grad();
        if (end > begin || ranks > 1) {
          auto index = order_on_device.narrow(0, start + begin, end - begin);
          auto images = network_input(train.images.index_select(0, index), channels_last);
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
        if (fail_here && epoch == 0 && start == config.batch_size)
          throw TrialError("injected failure (AECNN_TEST_FAIL_RANK=" + std::to_string(rank) + ")");
        if (stop_here) throw Interrupted("interrupted");
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
      // A stop or a failure here ends the trial; in a gang, only after the all-reduce that
      // tells every rank (the others then throw PeerFailed from it).
      const bool summed = ranks > 1 && !gradient_reducer.reduce(gradients, failed);
      if (failed && stop_here) throw Interrupted(error);
      if (failed) throw TrialError(error);
      if (summed)
        for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].mutable_grad() = gradients[i];
      optimizer.step();
    }
    const double train_seconds = seconds_since(epoch_start);
    std::vector<double> sums = {ce_sum, l2_sum, correct};
    dist::reduce_host(comm, sums, false);
    const double train_loss = (sums[0] + sums[1]) / static_cast<double>(train.size());
    if (!std::isfinite(train_loss))
      throw TrialError("training loss became " + std::to_string(train_loss) + " in epoch " +
                       std::to_string(epoch + 1) + " (lr " + std::to_string(lr) + ")");

    const Evaluation val = evaluate(net, validation, config.l2, config.batch_size, channels_last, comm, hooks.alive);
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

    const bool stop = early_stopping.update(epoch, val.loss);
    if (early_stopping.take_snapshot()) best_weights = model::snapshot_weights(*net);
    if (config.patience > 0 && stop) {
      result.stopped_early = epoch + 1 < config.epochs;
      stopped = true;
    }
    if (hooks.on_epoch) {
      Checkpoint checkpoint;
      checkpoint.epochs_done = epoch + 1;
      checkpoint.lr = lr;
      checkpoint.history = result.history;
      checkpoint.model = to_named_arrays(names, model::snapshot_weights(*net));
      checkpoint.best_model = to_named_arrays(names, best_weights);
      checkpoint.optimizer = optimizer.save();
      checkpoint.stop_wait = early_stopping.wait();
      checkpoint.best_epoch = early_stopping.best_epoch();
      checkpoint.best_val_loss = early_stopping.best_value();
      hooks.on_epoch(record, checkpoint);
    }
    if (hooks.pruned_after_epoch) {
      std::vector<double> verdict = {hooks.pruned_after_epoch() && rank == 0 ? 1.0 : 0.0};
      dist::reduce_host(comm, verdict, false);
      if (verdict[0] > 0) {
        result.pruned = true;
        break;
      }
    }
  }
  result.epochs_run = static_cast<int>(result.history.size());
  if (result.pruned) {  // its pruner judged it by the history: no final evaluations to spend
    result.peak_memory_bytes = result.memory_baseline_bytes >= 0 ? memory.peak() : -1;
    result.memory_measure = memory.measure(result.memory_baseline_bytes);
    result.wall_seconds = seconds_since(trial_start);
    return result;
  }
  if (config.patience > 0 && !best_weights.empty()) {
    // Keras 3 restores the best weights at the end of training, early stop or not.
    model::restore_weights(*net, best_weights);
    result.best_epoch = early_stopping.best_epoch() + 1;
    result.restored_best = true;
  }

  const Evaluation on_train = evaluate(net, train, config.l2, config.batch_size, channels_last, comm, hooks.alive);
  result.train_eval_loss = on_train.loss;
  result.train_eval_accuracy = on_train.accuracy;

  const Evaluation on_test = evaluate(net, test, config.l2, config.batch_size, channels_last, comm, hooks.alive);
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

void export_model(const sweep::TrialConfig& config, const std::vector<NamedArray>& weights, const std::string& path) {
  model::Aecnn net = build_model(config);
  model::restore_weights(*net, from_named_arrays(*net, weights));
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
  // OpenBLAS reads OPENBLAS_NUM_THREADS only when it loads, before main; its setter is reached
  // through the dynamic linker so that other BLAS builds (reference BLAS, MKL) still link.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

int compute_threads() { return torch::get_num_threads(); }

}  // namespace aecnn::train
