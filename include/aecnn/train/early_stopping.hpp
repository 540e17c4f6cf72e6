#pragma once
// Keras 3 EarlyStopping(monitor="val_loss", patience=P, restore_best_weights=True), as a pure
// state machine (Keras 3 source: keras/src/callbacks/early_stopping.py in the Keras repository):
// an improvement is a strictly lower value; training stops once `patience` epochs pass without
// one; the best weights are restored at the end of training EVEN IF it never stopped early.
#include <limits>

namespace aecnn::train {

class EarlyStopping {
 public:
  /// `patience` > 0 epochs without improvement stop training.
  explicit EarlyStopping(int patience) : patience_(patience) {}

  /// Feeds the value monitored after `epoch` (0-based). Returns true when training should stop.
  /// take_snapshot() then says whether to keep this epoch's weights as the ones to restore.
  bool update(int epoch, double value) {
    // Keras keeps the first epoch's weights until something beats them, even a NaN epoch's.
    take_snapshot_ = best_epoch_ < 0;
    if (take_snapshot_) best_epoch_ = epoch;
    ++wait_;
    if (value < best_value_) {  // Keras: monitor_op(current - min_delta, best) with min_delta 0
      best_value_ = value;
      best_epoch_ = epoch;
      take_snapshot_ = true;
      wait_ = 0;
      return false;
    }
    return wait_ >= patience_ && epoch > 0;
  }

  bool take_snapshot() const noexcept { return take_snapshot_; }
  int best_epoch() const noexcept { return best_epoch_; }  ///< 0-based; -1 before any update
  double best_value() const noexcept { return best_value_; }
  int patience() const noexcept { return patience_; }
  int wait() const noexcept { return wait_; }

  /// Continues from a checkpoint's state (the values of wait(), best_epoch(), best_value()).
  void restore(int wait, int best_epoch, double best_value) {
    wait_ = wait;
    best_epoch_ = best_epoch;
    best_value_ = best_value;
  }

 private:
  int patience_;
  int wait_ = 0;
  int best_epoch_ = -1;
  bool take_snapshot_ = false;
  double best_value_ = std::numeric_limits<double>::infinity();
};

}  // namespace aecnn::train
