#include "aecnn/train/early_stopping.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace aecnn::train {
namespace {

struct Outcome {
  int epochs_run = 0;
  int best_epoch = -1;  // 0-based
  std::vector<int> snapshots;
};

// Feeds a scripted val_loss sequence as Keras' fit() loop would, up to `max_epochs`.
Outcome run(int patience, const std::vector<double>& val_loss) {
  EarlyStopping stopping(patience);
  Outcome r;
  for (int epoch = 0; epoch < static_cast<int>(val_loss.size()); ++epoch) {
    ++r.epochs_run;
    const bool stop = stopping.update(epoch, val_loss[epoch]);
    if (stopping.take_snapshot()) r.snapshots.push_back(epoch);
    if (stop) break;
  }
  r.best_epoch = stopping.best_epoch();
  return r;
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  // Best at epoch 2; epochs 3..7 are five without improvement: Keras stops after epoch 7.
  const Outcome r = run(5, {1.0, 0.8, 0.5, 0.6, 0.55, 0.7, 0.51, 0.9, 0.1, 0.1});
  EXPECT_EQ(r.epochs_run, 8);
  EXPECT_EQ(r.best_epoch, 2);
  EXPECT_EQ(r.snapshots, (std::vector<int>{0, 1, 2}));
}

TEST(EarlyStopping, EqualIsNotAnImprovement) {
  const Outcome r = run(2, {0.5, 0.5, 0.5, 0.4});
  EXPECT_EQ(r.epochs_run, 3);
  EXPECT_EQ(r.best_epoch, 0);
}

TEST(EarlyStopping, WithoutAnEarlyStopTheBestIsStillKnownForRestoring) {
  // Keras 3 restores the best weights at the end even when training ran its full length.
  const Outcome r = run(5, {0.9, 0.7, 0.4, 0.6, 0.5});
  EXPECT_EQ(r.epochs_run, 5);
  EXPECT_EQ(r.best_epoch, 2);
}

TEST(EarlyStopping, ANaNFirstEpochIsKeptUntilBeaten) {
  const Outcome r = run(3, {std::nan(""), 0.7, 0.8});
  EXPECT_EQ(r.snapshots, (std::vector<int>{0, 1}));
  EXPECT_EQ(r.best_epoch, 1);
}

TEST(EarlyStopping, NeverStopsAtTheFirstEpoch) {
  const Outcome r = run(1, {0.5, 0.6, 0.7});
  EXPECT_EQ(r.epochs_run, 2);  // wait reaches 1 at epoch 1 (epoch 0 is never a stop, in Keras)
}

}  // namespace
}  // namespace aecnn::train
