#pragma once
// What a trial produces, as plain data: the scheduler sends it over MPI, the store writes it.
// No torch here, so those modules stay free of it.
#include <cstdint>
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
};

/// Everything a finished trial reports besides its history.
struct TrialResult {
  std::vector<EpochRecord> history;
  double test_loss = 0;
  double test_accuracy = 0;
  std::int64_t params_trainable = 0;
  std::int64_t params_total = 0;   ///< Keras count_params(): trainable + BN moving statistics
  std::int64_t train_images = 0;
  std::int64_t validation_images = 0;
  std::int64_t test_images = 0;
  int threads = 0;                 ///< intra-op threads the trial trained with
  double wall_seconds = 0;         ///< whole trial: model build, epochs and test evaluation
};

}  // namespace aecnn::train
