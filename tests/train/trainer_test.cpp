#include "aecnn/train/trainer.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "../support/temp_dir.hpp"
#include "aecnn/model/aecnn.hpp"
#include "aecnn/train/schedule.hpp"

namespace aecnn::train {
namespace {

using sweep::Schedule;

TEST(Schedule, MatchesTheStudysFormulas) {
  EXPECT_DOUBLE_EQ(lr_at(Schedule::kConstant, 1e-3, 5e-4, 7, 10), 1e-3);
  EXPECT_DOUBLE_EQ(lr_at(Schedule::kCosine, 1e-3, 0, 0, 10), 1e-3);
  EXPECT_NEAR(lr_at(Schedule::kCosine, 1e-3, 0, 5, 10), 0.5e-3, 1e-15);
  EXPECT_NEAR(lr_at(Schedule::kCosine, 1e-3, 0, 3, 50), 1e-3 * 0.5 * (1 + std::cos(M_PI * 3 / 50)), 1e-15);
  EXPECT_DOUBLE_EQ(lr_at(Schedule::kLinear, 1e-3, 0, 4, 5), 1e-3 * 0.2);
}

TEST(Schedule, StepDecayCompoundsAtMultiplesOf15) {
  double lr = 1e-3;
  std::vector<double> used;
  for (int epoch = 0; epoch < 31; ++epoch) used.push_back(lr = lr_at(Schedule::kStep, 1e-3, lr, epoch, 31));
  EXPECT_DOUBLE_EQ(used[0], 1e-3);
  EXPECT_DOUBLE_EQ(used[14], 1e-3);
  EXPECT_NEAR(used[15], 1e-4, 1e-18);
  EXPECT_NEAR(used[29], 1e-4, 1e-18);
  EXPECT_NEAR(used[30], 1e-5, 1e-18);
}

// Real training on the shipped subset, kept small: 512 images, 2 epochs.
class TrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_compute_threads(1);
    trainer_ = new Trainer(data::load_fashion_mnist(aecnn::testing::subset_dir()));
  }
  static void TearDownTestSuite() { delete trainer_; }
  static sweep::TrialConfig small(int seed) {
    sweep::TrialConfig config;
    config.epochs = 2;
    config.train_images = 512;
    config.eval_images = 256;
    config.seed = seed;
    return config;
  }
  static Trainer* trainer_;
};
Trainer* TrainerTest::trainer_ = nullptr;

TEST_F(TrainerTest, RecordsAFullHistoryAndLearns) {
  std::vector<EpochRecord> seen;
  TrialHooks hooks;
  hooks.on_epoch = [&](const EpochRecord& r, const Checkpoint&) { seen.push_back(r); };
  const TrialResult result = trainer_->run(small(0), hooks);
  ASSERT_EQ(result.history.size(), 2u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].epoch, 2);
  EXPECT_EQ(result.train_images, 512);
  EXPECT_EQ(result.validation_images, 256);
  EXPECT_EQ(result.test_images, 256);
  EXPECT_EQ(result.params_total, 177041);
  EXPECT_DOUBLE_EQ(result.history[0].lr, 1e-3);
  // Training accuracy on real images climbs well above chance (0.1) within two short epochs.
  EXPECT_LT(result.history[1].loss, result.history[0].loss);
  EXPECT_GT(result.history[1].accuracy, 0.5);
  EXPECT_GT(result.test_accuracy, 0.0);
  EXPECT_GT(result.history[0].epoch_seconds, 0.0);
}

TEST_F(TrainerTest, SameSeedGivesBitwiseTheSameHistoryOnOneThread) {
  const TrialResult a = trainer_->run(small(3));
  const TrialResult b = trainer_->run(small(3));
  const TrialResult c = trainer_->run(small(4));
  for (std::size_t e = 0; e < a.history.size(); ++e) {
    EXPECT_EQ(a.history[e].loss, b.history[e].loss);
    EXPECT_EQ(a.history[e].val_loss, b.history[e].val_loss);
    EXPECT_EQ(a.history[e].accuracy, b.history[e].accuracy);
  }
  EXPECT_EQ(a.test_loss, b.test_loss);
  EXPECT_NE(a.history[0].loss, c.history[0].loss);
}

TEST_F(TrainerTest, ReportsTestMetricsFromItsConfusionMatrix) {
  const TrialResult r = trainer_->run(small(0));
  ASSERT_EQ(r.confusion.size(), 100u);
  int64_t total = 0, diagonal = 0;
  for (int t = 0; t < 10; ++t)
    for (int p = 0; p < 10; ++p) {
      total += r.confusion[t * 10 + p];
      if (t == p) diagonal += r.confusion[t * 10 + p];
    }
  EXPECT_EQ(total, r.test_images);
  EXPECT_DOUBLE_EQ(r.test_accuracy, static_cast<double>(diagonal) / static_cast<double>(total));
  EXPECT_NEAR(r.test_recall, r.test_accuracy, 1e-12);  // weighted recall == accuracy
  EXPECT_EQ(r.class_f1.size(), 10u);
  EXPECT_GE(r.train_eval_accuracy, 0.0);
  EXPECT_LE(r.train_eval_accuracy, 1.0);
  EXPECT_EQ(r.epochs_run, 2);
  EXPECT_EQ(r.best_epoch, 0);  // no early stopping configured
  EXPECT_FALSE(r.restored_best);
  EXPECT_GT(r.history[0].train_seconds, 0.0);
  EXPECT_LE(r.history[0].train_seconds, r.history[0].epoch_seconds);
}

TEST_F(TrainerTest, EarlyStoppingRestoresTheBestEpochsWeights) {
  auto config = small(1);
  config.epochs = 6;
  config.patience = 1;
  config.lr = 0.05;  // large steps make val_loss wander, so a stop comes early
  const TrialResult r = trainer_->run(config);
  ASSERT_GE(r.best_epoch, 1);
  EXPECT_TRUE(r.restored_best);
  double lowest = r.history[0].val_loss;
  int lowest_epoch = 1;
  for (const auto& row : r.history)
    if (row.val_loss < lowest) lowest = row.val_loss, lowest_epoch = row.epoch;
  EXPECT_EQ(r.best_epoch, lowest_epoch);
  EXPECT_EQ(r.stopped_early, r.epochs_run < 6);
  if (r.stopped_early) {
    EXPECT_EQ(r.epochs_run, r.best_epoch + 1);  // patience 1
  }
}

TEST_F(TrainerTest, MeasuredPeakMemoryGrowsWithBatchSize) {
  auto config = small(0);
  config.epochs = 1;
  config.batch_size = 16;
  const TrialResult small_batch = trainer_->run(config);
  config.batch_size = 256;
  const TrialResult large_batch = trainer_->run(config);
  ASSERT_EQ(small_batch.memory_measure, "cpu_rss_high_water_mark");
  ASSERT_GT(small_batch.memory_baseline_bytes, 0);
  const int64_t small_own = small_batch.peak_memory_bytes - small_batch.memory_baseline_bytes;
  const int64_t large_own = large_batch.peak_memory_bytes - large_batch.memory_baseline_bytes;
  // Activations scale with the batch: [256, 32, 28, 28] floats alone are 25 MB a layer.
  EXPECT_GT(large_own, small_own + 50 * 1024 * 1024) << small_own << " vs " << large_own;
  // And the small trial that follows a large one is not inflated by it.
  config.batch_size = 16;
  const TrialResult again = trainer_->run(config);
  EXPECT_LT(again.peak_memory_bytes - again.memory_baseline_bytes, large_own / 2);
}

TEST_F(TrainerTest, L2PenaltyIsPartOfTheReportedLosses) {
  auto config = small(5);
  config.epochs = 1;
  const TrialResult plain = trainer_->run(config);
  config.l2 = 1.0;  // large, so the penalty dominates
  const TrialResult penalised = trainer_->run(config);
  EXPECT_GT(penalised.history[0].loss, plain.history[0].loss + 1.0);
  EXPECT_GT(penalised.history[0].val_loss, plain.history[0].val_loss + 1.0);
}

TEST_F(TrainerTest, DivergenceFailsTheTrialWithItsCause) {
  auto config = small(0);
  config.epochs = 1;
  config.lr = 1e12;
  try {
    trainer_->run(config);
    FAIL() << "no error";
  } catch (const TrialError& error) {
    EXPECT_NE(std::string(error.what()).find("training loss became"), std::string::npos) << error.what();
  }
}

// Everything that varies between epochs is exercised: dropout masks, shuffles, a decaying lr
// (cosine), L2, Adam's moments, BatchNorm statistics, and the best weights early stopping keeps.
// Hooks that keep every checkpoint the trial hands out.
TrialHooks keeping(std::vector<Checkpoint>& into) {
  TrialHooks hooks;
  hooks.on_epoch = [&into](const EpochRecord&, const Checkpoint& c) { into.push_back(c); };
  return hooks;
}

void expect_same_history(const std::vector<EpochRecord>& a, const std::vector<EpochRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t e = 0; e < a.size(); ++e) {
    EXPECT_EQ(a[e].epoch, b[e].epoch);
    EXPECT_EQ(a[e].lr, b[e].lr) << "epoch " << e + 1;
    EXPECT_EQ(a[e].loss, b[e].loss) << "epoch " << e + 1;
    EXPECT_EQ(a[e].accuracy, b[e].accuracy) << "epoch " << e + 1;
    EXPECT_EQ(a[e].val_loss, b[e].val_loss) << "epoch " << e + 1;
    EXPECT_EQ(a[e].val_accuracy, b[e].val_accuracy) << "epoch " << e + 1;
  }
}

void expect_same_arrays(const std::vector<NamedArray>& a, const std::vector<NamedArray>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].shape, b[i].shape);
    EXPECT_TRUE(a[i].values == b[i].values) << a[i].name << " differs";
  }
}

TEST_F(TrainerTest, ResumingFromACheckpointGivesBitwiseTheUninterruptedTrial) {
  auto config = small(7);
  config.epochs = 4;
  config.train_images = 256;
  config.conv_dropout = 0.2;
  config.fc_dropout = 0.3;
  config.l2 = 1e-4;
  config.schedule = sweep::Schedule::kCosine;
  config.patience = 3;
  std::vector<Checkpoint> checkpoints;
  TrialHooks record = keeping(checkpoints);
  const TrialResult whole = trainer_->run(config, record);
  ASSERT_EQ(checkpoints.size(), 4u);
  EXPECT_EQ(checkpoints[1].epochs_done, 2);
  EXPECT_EQ(checkpoints[1].history.size(), 2u);
  EXPECT_FALSE(checkpoints[1].optimizer.empty());
  EXPECT_FALSE(checkpoints[1].best_model.empty());

  // A different trial in between, so nothing left over in the process can help the resumed one.
  trainer_->run(small(1));

  for (int after : {1, 2}) {
    std::vector<Checkpoint> resumed_checkpoints;
    TrialHooks resume = keeping(resumed_checkpoints);
    resume.resume = &checkpoints[after - 1];
    const TrialResult resumed = trainer_->run(config, resume);
    SCOPED_TRACE("resumed after epoch " + std::to_string(after));
    expect_same_history(whole.history, resumed.history);
    ASSERT_EQ(resumed_checkpoints.size(), static_cast<std::size_t>(4 - after));
    expect_same_arrays(checkpoints.back().model, resumed_checkpoints.back().model);
    expect_same_arrays(checkpoints.back().best_model, resumed_checkpoints.back().best_model);
    // (The optimizer archives differ as bytes: LibTorch keys them by tensor address. The equal
    // histories after the resume are what show Adam's moments came back exactly.)
    EXPECT_EQ(whole.test_loss, resumed.test_loss);
    EXPECT_EQ(whole.confusion, resumed.confusion);
    EXPECT_EQ(whole.best_epoch, resumed.best_epoch);
  }
}

// A resumed trial's seconds are over every attempt: the earlier attempts' time, carried by the
// checkpoint, plus this one's (not this attempt's alone, which made resumed trials look faster).
TEST_F(TrainerTest, AResumedTrialsSecondsCountItsEarlierAttempts) {
  auto config = small(3);
  std::vector<Checkpoint> checkpoints;
  TrialHooks record = keeping(checkpoints);
  const TrialResult whole = trainer_->run(config, record);
  ASSERT_EQ(checkpoints.size(), 2u);
  EXPECT_GE(checkpoints[0].seconds, checkpoints[0].history[0].epoch_seconds);
  EXPECT_GE(checkpoints[1].seconds, checkpoints[0].seconds);
  EXPECT_GE(whole.wall_seconds, checkpoints[1].seconds);

  Checkpoint earlier = checkpoints[0];
  earlier.seconds = 1000;  // as if the first attempt had taken that long before it was killed
  std::vector<Checkpoint> resumed_checkpoints;
  TrialHooks resume = keeping(resumed_checkpoints);
  resume.resume = &earlier;
  const TrialResult resumed = trainer_->run(config, resume);
  ASSERT_EQ(resumed_checkpoints.size(), 1u);
  EXPECT_GT(resumed_checkpoints[0].seconds, 1000);
  EXPECT_GT(resumed.wall_seconds, 1000);
  EXPECT_LT(resumed.wall_seconds, 1000 + whole.wall_seconds * 100);  // this attempt added, not doubled
}

TEST_F(TrainerTest, ACheckpointTakenWhenEarlyStoppingEndedTrainingResumesIntoTheEnd) {
  auto config = small(1);
  config.epochs = 6;
  config.patience = 1;
  std::vector<Checkpoint> checkpoints;
  TrialHooks record = keeping(checkpoints);
  // Large steps make val_loss wander, so one of these stops early (which one depends on the
  // LibTorch build's arithmetic).
  TrialResult whole;
  for (double lr : {0.05, 0.1, 0.2, 0.4}) {
    config.lr = lr;
    checkpoints.clear();
    whole = trainer_->run(config, record);
    if (whole.stopped_early) break;
  }
  ASSERT_TRUE(whole.stopped_early) << "the test needs a trial that stops early";
  TrialHooks resume;
  resume.resume = &checkpoints.back();
  int epochs_trained = 0;
  resume.on_epoch = [&](const EpochRecord&, const Checkpoint&) { ++epochs_trained; };
  const TrialResult resumed = trainer_->run(config, resume);
  EXPECT_EQ(epochs_trained, 0);
  EXPECT_TRUE(resumed.stopped_early);
  EXPECT_EQ(resumed.best_epoch, whole.best_epoch);
  EXPECT_EQ(resumed.test_loss, whole.test_loss);
}

TEST_F(TrainerTest, ShouldStopInterruptsAtTheNextStepAndTheCheckpointContinuesIt) {
  auto config = small(2);
  config.epochs = 3;
  config.train_images = 256;
  const TrialResult whole = trainer_->run(config);
  std::vector<Checkpoint> checkpoints;
  int steps = 0;
  TrialHooks hooks = keeping(checkpoints);
  hooks.should_stop = [&] { return ++steps > 6; };  // 4 steps an epoch: stops in the second
  EXPECT_THROW(trainer_->run(config, hooks), Interrupted);
  ASSERT_EQ(checkpoints.size(), 1u);
  TrialHooks resume;
  resume.resume = &checkpoints[0];
  const TrialResult resumed = trainer_->run(config, resume);
  expect_same_history(whole.history, resumed.history);
  EXPECT_EQ(whole.test_loss, resumed.test_loss);
}

TEST_F(TrainerTest, APruningVerdictEndsTheTrialAfterThatEpochWithItsHistoryAndNoTestEvaluation) {
  auto config = small(3);
  config.epochs = 4;
  config.train_images = 256;
  const TrialResult whole = trainer_->run(config);
  std::vector<Checkpoint> checkpoints;
  TrialHooks hooks = keeping(checkpoints);
  int asked = 0;
  hooks.pruned_after_epoch = [&] { return ++asked == 2; };  // asked after each epoch: stop after the 2nd
  const TrialResult pruned = trainer_->run(config, hooks);
  EXPECT_TRUE(pruned.pruned);
  EXPECT_FALSE(whole.pruned);
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(pruned.epochs_run, 2);
  ASSERT_EQ(pruned.history.size(), 2u);
  ASSERT_EQ(checkpoints.size(), 2u);  // the verdict comes after the epoch's checkpoint is out
  // The epochs it ran are the uninterrupted trial's; no final evaluation was spent on it.
  expect_same_history({whole.history.begin(), whole.history.begin() + 2}, pruned.history);
  EXPECT_TRUE(pruned.confusion.empty());
  EXPECT_EQ(pruned.test_accuracy, 0.0);
  EXPECT_GT(pruned.wall_seconds, 0.0);
}

TEST_F(TrainerTest, ACheckpointOfAnotherModelIsRefused) {
  auto config = small(0);
  config.epochs = 1;
  std::vector<Checkpoint> checkpoints;
  TrialHooks record = keeping(checkpoints);
  trainer_->run(config, record);
  config.attention = sweep::Attention::kNone;  // fewer arrays
  TrialHooks resume;
  resume.resume = &checkpoints[0];
  EXPECT_THROW(trainer_->run(config, resume), Error);
}

TEST_F(TrainerTest, AnExportedModelLoadsWithTorchLoadAndGivesTheRecordedTestAccuracy) {
  auto config = small(3);
  config.epochs = 1;
  std::vector<Checkpoint> checkpoints;
  TrialHooks record = keeping(checkpoints);
  const TrialResult result = trainer_->run(config, record);
  aecnn::testing::TempDir dir;
  const std::string path = dir.file("model.pt");
  export_model(config, checkpoints.back().model, path);

  model::Aecnn loaded(model::AecnnOptions().attention(config.attention));
  torch::load(loaded, path);
  loaded->eval();
  torch::NoGradGuard no_grad;
  // The test images the trial was evaluated on (the first eval_images), in its batch size.
  const auto data = data::load_fashion_mnist(aecnn::testing::subset_dir());
  const int64_t n = config.eval_images;
  auto images = torch::from_blob(const_cast<uint8_t*>(data.test.images.pixels.data()), {n, 1, 28, 28}, torch::kUInt8)
                    .to(torch::kFloat32)
                    .div_(255.0);
  auto labels = torch::from_blob(const_cast<uint8_t*>(data.test.labels.data()), {n}, torch::kUInt8).to(torch::kInt64);
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += config.batch_size) {
    const int64_t size = std::min<int64_t>(config.batch_size, n - start);
    correct += loaded->forward(images.narrow(0, start, size)).argmax(1).eq(labels.narrow(0, start, size)).sum().item<int64_t>();
  }
  EXPECT_EQ(static_cast<double>(correct) / static_cast<double>(n), result.test_accuracy);
}

}  // namespace
}  // namespace aecnn::train
