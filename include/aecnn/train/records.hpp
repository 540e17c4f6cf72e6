#pragma once
// What a trial produces, as plain data: the scheduler sends it over MPI, the store writes it.
// No torch here, so those modules stay free of it.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace aecnn::train {

/// One row of a trial's history (Keras' fit() history plus lr and timing).
struct EpochRecord {
  int epoch = 0;                ///< 1-based, as Keras prints it
  double lr = 0;                ///< learning rate used during this epoch
  double loss = 0;              ///< running mean over the epoch, train mode, incl. L2 penalty
  double accuracy = 0;          ///< running mean over the epoch, train mode
  double val_loss = 0;          ///< full validation pass after the epoch, inference mode, incl. L2
  double val_accuracy = 0;
  double epoch_seconds = 0;     ///< wall time of training plus validation
  double train_seconds = 0;     ///< wall time of the training steps alone (images/s = images / this)
};

/// Where and with what a trial ran (its leading rank's process), so that results that differ
/// in time or in the last bits can be traced to hardware or versions (docs/results-format.md).
struct Provenance {
  std::string host;            ///< gethostname()
  std::string cpu_model;       ///< /proc/cpuinfo "model name"
  int cpus_online = 0;         ///< logical CPUs of the node
  int cpus_allowed = 0;        ///< of those, the ones this rank may run on (its affinity)
  std::string device;          ///< "cpu", or the GPU's name, memory and compute capability
  std::string libtorch;        ///< LibTorch's version
  std::string cpu_capability;  ///< the vector ISA LibTorch's CPU kernels run with (AVX2, AVX512)
  std::string blas;            ///< the BLAS library in use, as it describes itself
  std::string mpi;             ///< the MPI library's version string (first line)
  std::string compiler;        ///< the compiler this tool was built with
  std::string tool_version;    ///< aecnn's version and `git describe` at build time
};

/// Everything a finished trial reports besides its history.
struct TrialResult {
  std::vector<EpochRecord> history;

  int epochs_run = 0;
  int best_epoch = 0;          ///< 1-based epoch of the lowest val_loss (early stopping); 0 without it
  bool stopped_early = false;  ///< EarlyStopping ended training before `epochs`
  bool restored_best = false;  ///< the final weights are those of best_epoch (Keras 3 restores always)
  /// The scheduler's pruner stopped the trial after its last epoch (TrialHooks::prune_after_epoch):
  /// the history is all it has; no final evaluation, no test metrics.
  bool pruned = false;

  /// The final model in inference mode on the whole training split (the notebook's
  /// model.evaluate(x_train)), beside the last epoch's validation figures: the train-val gap.
  double train_eval_loss = 0, train_eval_accuracy = 0;

  double test_loss = 0, test_accuracy = 0;
  double test_precision = 0, test_recall = 0, test_f1 = 0;  ///< support-weighted over classes
  std::vector<double> class_precision, class_recall, class_f1;
  std::vector<std::int64_t> class_support;
  std::vector<std::int64_t> confusion;  ///< classes x classes, row = true class, column = predicted

  std::int64_t params_trainable = 0;
  std::int64_t params_total = 0;   ///< Keras count_params(): trainable + BN moving statistics
  std::int64_t train_images = 0;
  std::int64_t validation_images = 0;
  std::int64_t test_images = 0;
  int threads = 0;                 ///< intra-op threads the trial trained with
  std::string device = "cpu";

  /// Peak memory of the trial and how it was measured (docs/study.md): on CPU the process's
  /// resident-set high-water mark, reset at the trial's start; `memory_baseline_bytes` is the
  /// resident set at that moment (LibTorch, the data set), so peak - baseline is the trial's own.
  std::int64_t peak_memory_bytes = -1;
  std::int64_t memory_baseline_bytes = -1;
  std::string memory_measure = "unavailable";

  /// Whole trial, over every attempt: model build, epochs and final evaluations. A resumed trial
  /// counts its earlier attempts up to their last checkpoint (Checkpoint::seconds) and this one.
  double wall_seconds = 0;
  Provenance provenance;
};

/// One named tensor as plain data (row-major float32), as the checkpoint stores it.
struct NamedArray {
  std::string name;  ///< the module's own name for it, e.g. "conv1.weight", "bn1.running_mean"
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

/// Everything needed to continue a trial after `epochs_done` epochs exactly as if it had not
/// stopped (docs/results-format.md, "Checkpoints"). Random streams need no state of their own:
/// the trainer re-seeds dropout and shuffling at the start of every epoch from (seed, epoch,
/// rank), so `epochs_done` is the random state, on every rank and every device.
struct Checkpoint {
  int epochs_done = 0;  ///< 0: no checkpoint (start from scratch)
  double lr = 0;        ///< lr of the last epoch: step decay compounds from it
  std::vector<EpochRecord> history;  ///< the rows of epochs 1..epochs_done

  std::vector<NamedArray> model;       ///< every parameter and buffer after epoch `epochs_done`
  std::vector<NamedArray> best_model;  ///< the weights of the lowest val_loss so far
  std::vector<std::uint8_t> optimizer;  ///< KerasAdam::save(): moments and step count (opaque)

  /// EarlyStopping's state (see early_stopping.hpp).
  int stop_wait = 0;
  int best_epoch = -1;  ///< 0-based epoch of best_model
  double best_val_loss = std::numeric_limits<double>::infinity();

  /// The trial's wall time when this checkpoint was taken, over every attempt so far: a resumed
  /// trial adds its own to it, so that its seconds are not only its last attempt's.
  double seconds = 0;

  bool empty() const { return epochs_done == 0; }
};

}  // namespace aecnn::train
