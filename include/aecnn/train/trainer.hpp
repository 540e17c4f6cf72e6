#pragma once
// Trains one trial on one rank. The header hides torch (pimpl) so that the scheduler and the
// apps compile without it; only trainer.cpp pays for <torch/torch.h>.
#include <functional>
#include <memory>
#include <string>

#include "aecnn/data/fashion_mnist.hpp"
#include "aecnn/dist/communicator.hpp"
#include "aecnn/sweep/trial_config.hpp"
#include "aecnn/train/records.hpp"

namespace aecnn::train {

/// A trial that could not finish (diverged, impossible config); what() names the cause.
class TrialError : public Error {
 public:
  using Error::Error;
};

/// The trial was asked to stop (a signal, through TrialHooks::should_stop): not a failure; its
/// latest checkpoint continues it.
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// How a trial talks to whoever runs it. Every member is optional.
struct TrialHooks {
  /// After every epoch: the history row and everything needed to continue from here.
  std::function<void(const EpochRecord&, const Checkpoint&)> on_epoch;
  /// Polled before every training step. True stops the trial with Interrupted, on all its
  /// ranks at the same step (the answer travels with the step's gradient all-reduce).
  std::function<bool()> should_stop;
  /// Continue from this checkpoint instead of from scratch; the result is the same, bit for bit
  /// with one thread, as if the trial had never stopped.
  const Checkpoint* resume = nullptr;
  /// A sign of life, called at every training step and evaluation batch (and so never called
  /// while a rank waits in a collective for a peer that hangs). Must be cheap; the worker turns
  /// it into a rate-limited heartbeat to the scheduler.
  std::function<void()> alive;
  /// After every epoch's on_epoch, on every rank of the trial or on none: whether the
  /// scheduler's pruner stops the trial here. Only the leader's answer (rank 0 of the
  /// communicator) counts; it reaches the other ranks with one small all-reduce. True ends the
  /// trial with TrialResult::pruned set: its history, and no final evaluations.
  std::function<bool()> pruned_after_epoch;
};

/// Holds one data set as tensors on one device, split the study's way, and trains trials on it.
class Trainer {
 public:
  /// Converts the images to float tensors once, on `device` ("cpu" or "cuda:N"), and makes the
  /// train/validation split (sklearn train_test_split, random_state 42, one sixth held out).
  /// Applies the process's freed-memory policy (memory.hpp: freed activations kept for reuse).
  explicit Trainer(const data::FashionMnist& data, const std::string& device = "cpu");
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Trains `config` from scratch: Keras-initialised AE-CNN, Adam (eps 1e-7), cross-entropy on
  /// logits (+ L2), shuffled batches, validation after every epoch, test evaluation at the end.
  /// Deterministic for a given seed and thread count. Throws TrialError if the loss diverges.
  ///
  /// With a communicator of k > 1 ranks (all calling run() with the same config), the trial is
  /// data-parallel (docs/data-parallel.md): the leader's initial weights are broadcast; each
  /// global batch of `batch_size` images is split into k contiguous slices; the gradients are
  /// summed with one fused all-reduce per step, weighted so the sum is the global batch's exact
  /// gradient; BatchNorm normalises with the statistics of the whole global batch, summed over
  /// the ranks (synchronised), so the trial trains the model one rank would, up to rounding, and
  /// every rank keeps the same running statistics; evaluations are sharded and summed. Every rank
  /// returns the same history and metrics. An exception on one rank outside its forward pass
  /// fails the trial on all (PeerFailed on the others) without leaving any rank in a collective;
  /// one inside it leaves the others in a BatchNorm collective, which the scheduler's
  /// worker_timeout ends.
  TrialResult run(const sweep::TrialConfig& config, const TrialHooks& hooks = {},
                  dist::Communicator* comm = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes `weights` (a checkpoint's model or best_model) as the AE-CNN that `config` describes,
/// with torch::save: load it in C++ with torch::load into model::Aecnn(options of the same
/// config), or in Python with torch.jit.load(path).state_dict(). Throws Error if the weights do
/// not fit that model, its message opened by `weights_from` (where they were read: file:/group).
void export_model(const sweep::TrialConfig& config, const std::vector<NamedArray>& weights,
                  const std::string& path, const std::string& weights_from = "");

/// The memory layout of convolutions on CPU: channels-last (the default), faster than NCHW at 1 and
/// at 2 threads on the machines measured (docs/benchmarks.md). Only the memory order changes, not
/// the arithmetic; the setter exists so that the benchmarks can measure both layouts in one run.
enum class CpuLayout { kChannelsLast, kNchw };
void set_cpu_layout(CpuLayout layout);

/// Sets this process's compute threads: LibTorch's intra-op pool gets `threads`, OpenBLAS's own
/// pool one (torch::set_num_threads does not reach OpenBLAS, whose spinning threads beside
/// LibTorch's cost 10-20% when unpinned and still 1.6x at 2 threads when given as many).
void set_compute_threads(int threads);

/// The intra-op thread count in effect.
int compute_threads();

}  // namespace aecnn::train
