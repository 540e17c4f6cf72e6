#include <gmock/gmock.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <iterator>
#include <gtest/gtest.h>

#include "../support/error_message.hpp"
#include "../support/temp_dir.hpp"
#include "store_support.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/store/upgrade.hpp"
#include "aecnn/store/writer.hpp"
#include "aecnn/sweep/expand.hpp"

namespace aecnn::store {
namespace {

using ::testing::HasSubstr;

using Fixture = testing::ThreeTrialSweep;

train::EpochRecord row(int epoch) {
  return {epoch, 1e-3 / epoch, 1.0 / epoch, 0.5 + 0.01 * epoch, 2.0 / epoch, 0.4 + 0.02 * epoch, 10.0 + epoch};
}

train::TrialResult result_of(int epochs) {
  train::TrialResult r;
  for (int e = 1; e <= epochs; ++e) r.history.push_back(row(e));
  r.test_loss = 0.25;
  r.test_accuracy = 0.875;
  r.params_trainable = 176081;
  r.params_total = 177041;
  r.train_images = 6855;
  r.validation_images = 1371;
  r.test_images = 4443;
  r.threads = 1;
  r.wall_seconds = 42.5;
  r.epochs_run = epochs;
  r.best_epoch = epochs > 1 ? epochs - 1 : 1;
  r.restored_best = true;
  r.train_eval_accuracy = 0.9;
  r.test_precision = 0.8;
  r.test_recall = 0.875;
  r.test_f1 = 0.83;
  r.class_precision = {0.5, 1.0};
  r.class_recall = {1.0, 0.75};
  r.class_f1 = {0.66, 0.85};
  r.class_support = {3, 4};
  r.confusion = {3, 0, 1, 3};
  r.peak_memory_bytes = 500 << 20;
  r.memory_baseline_bytes = 300 << 20;
  r.memory_measure = "cpu_rss_high_water_mark";
  return r;
}

// A checkpoint after `epochs` epochs whose every value says which epoch wrote it.
train::Checkpoint checkpoint_after(int epochs) {
  train::Checkpoint c;
  c.epochs_done = epochs;
  c.lr = 1e-3 / epochs;
  for (int e = 1; e <= epochs; ++e) c.history.push_back(row(e));
  const float v = static_cast<float>(epochs);
  c.model = {{"conv1.weight", {2, 1, 3, 3}, std::vector<float>(18, v)}, {"bn1.running_mean", {2}, {v, -v}}};
  c.best_model = {{"conv1.weight", {2, 1, 3, 3}, std::vector<float>(18, v - 0.5f)}, {"bn1.running_mean", {2}, {0, 0}}};
  c.optimizer = std::vector<std::uint8_t>(100 + epochs, static_cast<std::uint8_t>(epochs));
  c.stop_wait = epochs % 2;
  c.best_epoch = epochs - 2;
  c.best_val_loss = 0.5 / epochs;
  return c;
}

std::string error_of(const std::function<void()>& action) { return aecnn::testing::error_message<Error>(action); }

TEST(Results, WhatIsWrittenIsReadBack) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  {
    ResultsWriter writer(path, f.info);
    writer.begin_trial(f.trials[0], {1});
    for (int e = 1; e <= 3; ++e) writer.append_epoch(f.trials[0].id, row(e));
    writer.finish_trial(f.trials[0].id, result_of(3));
    writer.begin_trial(f.trials[1], {2});
    writer.append_epoch(f.trials[1].id, row(1));
    writer.fail_trial(f.trials[1].id, "training loss became nan");
    writer.begin_trial(f.trials[2], {1});
  }
  const ResultsContents contents = read_results(path);
  EXPECT_EQ(contents.sweep_name, "r");
  EXPECT_EQ(contents.sweep_hash, f.info.hash);
  EXPECT_EQ(contents.sweep_toml, f.spec.text);
  ASSERT_EQ(contents.trials.size(), 3u);

  const TrialRecord& done = contents.trials[0];
  EXPECT_EQ(done.id, "r-0000");
  EXPECT_EQ(done.status, kStatusDone);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(done.config, f.trials[0].config);
  EXPECT_EQ(done.varying, std::vector<std::string>{"seed"});
  ASSERT_EQ(done.history.size(), 3u);
  EXPECT_EQ(done.history[2].epoch, 3);
  EXPECT_DOUBLE_EQ(done.history[2].val_accuracy, row(3).val_accuracy);
  EXPECT_DOUBLE_EQ(done.history[1].lr, row(2).lr);
  ASSERT_TRUE(done.result.has_value());
  EXPECT_DOUBLE_EQ(done.result->test_accuracy, 0.875);
  EXPECT_EQ(done.result->params_total, 177041);
  EXPECT_EQ(done.result->best_epoch, 2);
  EXPECT_TRUE(done.result->restored_best);
  EXPECT_FALSE(done.result->stopped_early);
  EXPECT_DOUBLE_EQ(done.result->test_f1, 0.83);
  EXPECT_DOUBLE_EQ(done.result->train_eval_accuracy, 0.9);
  EXPECT_EQ(done.result->class_precision, (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(done.result->confusion, (std::vector<std::int64_t>{3, 0, 1, 3}));
  EXPECT_EQ(done.result->class_support, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(done.result->peak_memory_bytes, 500 << 20);
  EXPECT_EQ(done.result->memory_measure, "cpu_rss_high_water_mark");
  EXPECT_EQ(done.history[2].train_seconds, 0.0);

  EXPECT_EQ(contents.trials[1].status, kStatusFailed);
  EXPECT_EQ(contents.trials[1].error, "training loss became nan");
  EXPECT_EQ(contents.trials[1].history.size(), 1u);
  EXPECT_EQ(contents.trials[2].status, kStatusRunning);
  EXPECT_FALSE(contents.trials[2].result.has_value());
}

TEST(Results, PruningDecisionsAndAPrunedTrialAreReadBackInOrder) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const PruningRecord first{0, 1, 0.42, false, 0, 0.42, 1};
  const PruningRecord stop{1, 1, 0.40, true, 0, 0.42, 2};
  const PruningRecord completion{0, 0, nan, false, -1, nan, 0};
  {
    ResultsWriter writer(path, f.info);
    EXPECT_TRUE(writer.pruning_records().empty());  // no table until the first decision
    writer.begin_trial(f.trials[0], {1});
    auto c = checkpoint_after(1);
    writer.append_epoch(f.trials[0].id, row(1), &c, &first);
    writer.begin_trial(f.trials[1], {2});
    writer.append_epoch(f.trials[1].id, row(1), &c, &stop);
    auto pruned = result_of(1);
    pruned.pruned = true;
    writer.prune_trial(f.trials[1].id, 1, &pruned);
    writer.finish_trial(f.trials[0].id, result_of(1), SearchRows{&completion, nullptr});
    writer.begin_trial(f.trials[2], {1});
    writer.append_epoch(f.trials[2].id, row(1), &c);
    writer.prune_trial(f.trials[2].id, 1, nullptr);  // a resumed sweep acting on an old verdict
    EXPECT_EQ(writer.pruning_records().size(), 3u);
  }
  const ResultsContents contents = read_results(path);
  ASSERT_EQ(contents.pruning.size(), 3u);
  const auto& back = contents.pruning;
  EXPECT_EQ(back[0].trial, 0);
  EXPECT_EQ(back[0].epoch, 1);
  EXPECT_DOUBLE_EQ(back[0].value, 0.42);
  EXPECT_FALSE(back[0].stop);
  EXPECT_EQ(back[0].rung, 0);
  EXPECT_EQ(back[1].trial, 1);
  EXPECT_TRUE(back[1].stop);
  EXPECT_DOUBLE_EQ(back[1].cutoff, 0.42);
  EXPECT_EQ(back[1].compared, 2);
  EXPECT_EQ(back[2].epoch, 0);
  EXPECT_TRUE(std::isnan(back[2].value));
  EXPECT_EQ(back[2].rung, -1);

  EXPECT_EQ(contents.trials[0].status, kStatusDone);
  EXPECT_EQ(contents.trials[1].status, kStatusPruned);
  EXPECT_FALSE(contents.trials[1].result.has_value());  // no test metrics: never evaluated
  EXPECT_EQ(contents.trials[1].history.size(), 1u);
  EXPECT_EQ(contents.trials[2].status, kStatusPruned);
  // A pruned trial keeps its weights for export, as a done one does.
  const auto weights = read_checkpoint(path, f.trials[1].id);
  ASSERT_TRUE(weights.has_value());
  EXPECT_EQ(weights->epochs_done, 1);
  // The writer's view agrees, and a pruned trial is final.
  ResultsWriter reopened(path, f.info);
  EXPECT_EQ(reopened.trial_states().at(f.trials[1].id).status, kStatusPruned);
}

// aecnn-analyze reads per-class metrics only for the trials it tables them for.
TEST(Results, PerClassMetricsAreReadForTheTrialsAsked) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  auto second = result_of(2);
  second.class_precision = {0.25, 0.5};
  second.confusion = {7, 1, 2, 9};
  {
    ResultsWriter writer(path, f.info);
    writer.begin_trial(f.trials[0], {1});
    writer.finish_trial(f.trials[0].id, result_of(2));
    writer.begin_trial(f.trials[1], {1});
    writer.finish_trial(f.trials[1].id, second);
    writer.begin_trial(f.trials[2], {1});
    writer.append_epoch(f.trials[2].id, row(1));  // running: no metrics
  }
  const auto whole = read_results(path);
  auto lean = read_results(path, {/*class_metrics=*/false});
  ASSERT_EQ(lean.trials.size(), 3u);
  for (const auto& t : lean.trials)
    if (t.result) EXPECT_TRUE(t.result->class_precision.empty() && t.result->confusion.empty()) << t.id;
  EXPECT_EQ(lean.trials[1].result->test_accuracy, second.test_accuracy);  // the rest is read

  read_class_metrics(path, lean, {1, 2});  // 2 is not done: skipped
  const auto& back = *lean.trials[1].result;
  EXPECT_EQ(back.class_precision, second.class_precision);
  EXPECT_EQ(back.class_recall, whole.trials[1].result->class_recall);
  EXPECT_EQ(back.class_support, whole.trials[1].result->class_support);
  EXPECT_EQ(back.confusion, second.confusion);
  EXPECT_TRUE(lean.trials[0].result->class_precision.empty());  // not asked for
}

TEST(Results, ReopeningTheSameSweepResumesAndCountsAttempts) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  {
    ResultsWriter writer(path, f.info);
    writer.begin_trial(f.trials[0], {1});
    writer.finish_trial(f.trials[0].id, result_of(2));
    writer.begin_trial(f.trials[1], {1});
    writer.append_epoch(f.trials[1].id, row(1));
  }
  {
    ResultsWriter writer(path, f.info);
    const auto states = writer.trial_states();
    ASSERT_EQ(states.size(), 2u);
    EXPECT_EQ(states.at("r-0000").status, kStatusDone);
    EXPECT_EQ(states.at("r-0001").status, kStatusRunning);
    EXPECT_FALSE(writer.checkpoint(f.trials[1].id).has_value());
    writer.begin_trial(f.trials[1], {2});  // the interrupted one, without a checkpoint, starts over
    writer.append_epoch(f.trials[1].id, row(1));
  }
  const auto contents = read_results(path);
  EXPECT_EQ(contents.trials[1].attempts, 2);
  EXPECT_EQ(contents.trials[1].history.size(), 1u);
}

TEST(Results, TheLatestCheckpointIsReadBackWholeAndAlternatesBetweenTwoSlots) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  std::optional<train::Checkpoint> back;
  {
    ResultsWriter writer(path, f.info);
    writer.begin_trial(f.trials[0], {1});
    for (int e = 1; e <= 3; ++e) {
      const auto c = checkpoint_after(e);
      writer.append_epoch(f.trials[0].id, row(e), &c);
    }
    back = writer.checkpoint(f.trials[0].id);
  }
  ASSERT_TRUE(back.has_value());
  const auto expected = checkpoint_after(3);
  EXPECT_EQ(back->epochs_done, 3);
  EXPECT_EQ(back->lr, expected.lr);
  EXPECT_EQ(back->stop_wait, 1);
  EXPECT_EQ(back->best_epoch, 1);
  EXPECT_EQ(back->best_val_loss, expected.best_val_loss);
  EXPECT_EQ(back->optimizer, expected.optimizer);
  ASSERT_EQ(back->model.size(), 2u);
  EXPECT_EQ(back->model[0].name, "conv1.weight");  // the model's order, not HDF5's alphabetical one
  EXPECT_EQ(back->model[0].shape, (std::vector<std::int64_t>{2, 1, 3, 3}));
  EXPECT_EQ(back->model[0].values, expected.model[0].values);
  EXPECT_EQ(back->model[1].values, expected.model[1].values);
  EXPECT_EQ(back->best_model[0].values, expected.best_model[0].values);
  ASSERT_EQ(back->history.size(), 3u);
  EXPECT_EQ(back->history[2].val_loss, row(3).val_loss);
  // Weights only, for export, through the reader a user would use.
  const auto weights = read_checkpoint(path, f.trials[0].id);
  ASSERT_TRUE(weights.has_value());
  EXPECT_TRUE(weights->optimizer.empty());
  EXPECT_EQ(weights->model[0].values, expected.model[0].values);
  EXPECT_THAT(error_of([&] { read_checkpoint(path, "nope"); }), HasSubstr("has no trial 'nope'"));
}

// A checkpoint whose weights take `megabytes` (float32), so that dropping it frees real space.
train::Checkpoint big_checkpoint_after(int epochs, int megabytes) {
  train::Checkpoint c = checkpoint_after(epochs);
  const std::int64_t floats = static_cast<std::int64_t>(megabytes) * (1 << 20) / 4;
  c.model[0] = {"conv1.weight", {floats}, std::vector<float>(static_cast<std::size_t>(floats), static_cast<float>(epochs))};
  c.best_model[0] = c.model[0];
  return c;
}

TEST(Results, DroppedWeightsLeaveWithTheirReasonAndAFinishedRunGivesTheirSpaceBack) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  std::string compacted;
  std::uintmax_t size_before = 0;
  {
    ResultsWriter writer(path, f.info);
    for (int t = 0; t < 3; ++t) {
      writer.begin_trial(f.trials[t], {1});
      for (int e = 1; e <= 2; ++e) {
        const auto c = big_checkpoint_after(e, 2);
        writer.append_epoch(f.trials[t].id, row(e), &c);
      }
    }
    writer.finish_trial(f.trials[0].id, result_of(2));
    // Trial 1's end pushes trial 2 out of the kept, trial 2's own end drops nothing more.
    writer.finish_trial(f.trials[1].id, result_of(2), {}, {{f.trials[2].id, "pushed out"}, {f.trials[1].id, "not kept"}});
    writer.finish_trial(f.trials[2].id, result_of(2), {}, {{f.trials[2].id, "again"}});
    const auto states = writer.trial_states();
    EXPECT_TRUE(states.at(f.trials[0].id).has_weights);
    EXPECT_FALSE(states.at(f.trials[1].id).has_weights);
    EXPECT_FALSE(states.at(f.trials[2].id).has_weights);
    EXPECT_EQ(states.at(f.trials[0].id).final_epoch, 1);  // result_of: best epoch 1 restored
    size_before = std::filesystem::file_size(path);
    compacted = writer.close_and_compact();
  }
  EXPECT_THAT(compacted, HasSubstr(path + ": compacted from "));
  EXPECT_LT(std::filesystem::file_size(path) * 3, size_before) << compacted;
  EXPECT_FALSE(std::filesystem::exists(path + ".compacting"));
  // The copy holds everything: statuses, histories, reasons, the kept weights bit for bit.
  const auto contents = read_results(path);
  ASSERT_EQ(contents.trials.size(), 3u);
  for (const auto& t : contents.trials) {
    EXPECT_EQ(t.status, kStatusDone);
    EXPECT_EQ(t.history.size(), 2u);
    ASSERT_TRUE(t.result.has_value());
    EXPECT_EQ(t.result->confusion, result_of(2).confusion);
  }
  EXPECT_EQ(contents.sweep_hash, f.info.hash);
  EXPECT_EQ(contents.trials[0].weights_dropped, "");
  EXPECT_EQ(contents.trials[1].weights_dropped, "not kept");
  EXPECT_EQ(contents.trials[2].weights_dropped, "pushed out");  // the first reason stays
  const auto kept = read_checkpoint(path, f.trials[0].id);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->model[0].values, big_checkpoint_after(2, 2).model[0].values);
  EXPECT_TRUE(kept->optimizer.empty());
  EXPECT_FALSE(read_checkpoint(path, f.trials[1].id).has_value());

  // A run that frees little leaves the file as it is; a copy a crash left behind is removed by
  // the next writer, and the file resumes.
  std::ofstream(path + ".compacting") << "a crashed compaction's copy";
  const auto size = std::filesystem::file_size(path);
  {
    ResultsWriter writer(path, f.info);
    EXPECT_FALSE(std::filesystem::exists(path + ".compacting"));
    EXPECT_EQ(writer.trial_states().at(f.trials[0].id).status, kStatusDone);
    EXPECT_EQ(writer.close_and_compact(), "");
  }
  EXPECT_EQ(std::filesystem::file_size(path), size);
}

// Three trials, each checkpoint dropped once its trial is done, and the run stopped: each
// checkpoint reuses the space of the one before; the last one's stays free, and HDF5 forgets it
// when the file closes (the file counts it in space_not_reused).
void write_three_trials_dropping_their_weights(const std::string& path, const Fixture& f) {
  ResultsWriter writer(path, f.info);
  for (int t = 0; t < 3; ++t) {
    writer.begin_trial(f.trials[t], {1});
    const auto c = big_checkpoint_after(1, 2);
    writer.append_epoch(f.trials[t].id, row(1), &c);
    writer.finish_trial(f.trials[t].id, result_of(1), {}, {{f.trials[t].id, "not kept"}});
  }
  writer.close();
}

TEST(Results, SpaceAStoppedRunFreedIsGivenBackByTheRunThatFinishes) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  write_three_trials_dropping_their_weights(path, f);
  const auto size_stopped = std::filesystem::file_size(path);
  std::string compacted;
  {
    ResultsWriter writer(path, f.info);  // frees nothing itself
    compacted = writer.close_and_compact();
  }
  EXPECT_THAT(compacted, HasSubstr(path + ": compacted from "));
  EXPECT_LT(std::filesystem::file_size(path) * 3, size_stopped) << compacted;
  EXPECT_EQ(read_results(path).trials.size(), 3u);
  {
    ResultsWriter writer(path, f.info);  // the copy counts no dead space
    EXPECT_EQ(writer.close_and_compact(), "");
  }
}

// A run killed with SIGKILL never records what it freed; nor does HDF5 track all it frees (a
// 10,000-trial run: 1.4 MB tracked of 12 MB dead). The run that finishes measures the file's
// dead space as its size less what live objects take, and gives it back.
TEST(Results, DeadSpaceNoRunRecordedIsGivenBackByTheRunThatFinishes) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  write_three_trials_dropping_their_weights(path, f);
  {  // as a killed run leaves it: no count of the space it freed
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    if (H5Aexists(file, "space_not_reused") > 0) {
      EXPECT_GE(H5Adelete(file, "space_not_reused"), 0);
    }
    H5Fclose(file);
  }
  const auto size_killed = std::filesystem::file_size(path);
  std::string compacted;
  {
    ResultsWriter writer(path, f.info);
    compacted = writer.close_and_compact();
  }
  EXPECT_THAT(compacted, HasSubstr(path + ": compacted from "));
  EXPECT_LT(std::filesystem::file_size(path) * 3, size_killed) << compacted;
  EXPECT_EQ(read_results(path).trials.size(), 3u);
}

TEST(Results, AResumedTrialContinuesFromItsCheckpointWithItsHistoryCutThere) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  {
    ResultsWriter writer(path, f.info);
    writer.begin_trial(f.trials[0], {1});
    const auto c = checkpoint_after(1);
    writer.append_epoch(f.trials[0].id, row(1), &c);
    writer.append_epoch(f.trials[0].id, row(2));  // a row whose checkpoint never made it
    writer.fail_trial(f.trials[0].id, "boom");
  }
  std::optional<train::Checkpoint> resume;
  {
    ResultsWriter writer(path, f.info);
    EXPECT_EQ(writer.trial_states().at(f.trials[0].id).failures, 1);
    resume = writer.checkpoint(f.trials[0].id);
    ASSERT_TRUE(resume.has_value());
    writer.begin_trial(f.trials[0], {2}, &*resume);
  }
  auto contents = read_results(path);
  EXPECT_EQ(contents.trials[0].status, kStatusRunning);
  EXPECT_EQ(contents.trials[0].attempts, 2);
  EXPECT_EQ(contents.trials[0].failures, 1);
  ASSERT_EQ(contents.trials[0].history.size(), 1u);
  const auto c2 = checkpoint_after(2);
  {
    ResultsWriter writer(path, f.info);
    writer.append_epoch(f.trials[0].id, row(2), &c2);
    writer.finish_trial(f.trials[0].id, result_of(2));
  }
  contents = read_results(path);
  EXPECT_EQ(contents.trials[0].status, kStatusDone);
  EXPECT_EQ(contents.trials[0].history.size(), 2u);
  // Done: the weights stay for export, the optimizer state goes.
  const auto kept = read_checkpoint(path, f.trials[0].id);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->epochs_done, 2);
  EXPECT_EQ(kept->model[0].values, c2.model[0].values);
}

TEST(Results, AnotherSweepsFileIsRefusedAndLeftIntact) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  {
    ResultsWriter writer(path, f.info);
    writer.begin_trial(f.trials[0], {1});
    writer.finish_trial(f.trials[0].id, result_of(1));
  }
  SweepInfo other = f.info;
  other.hash = "0123456789abcdef";
  EXPECT_THAT(error_of([&] { ResultsWriter(path, other); }), HasSubstr("holds results of another sweep ('r'"));
  EXPECT_EQ(read_results(path).trials.size(), 1u);
}

TEST(Results, NonHdf5FileIsRefusedByWriterAndReader) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.write("notes.h5", "just text\n");
  EXPECT_THAT(error_of([&] { ResultsWriter(path, f.info); }), HasSubstr("notes.h5: exists and is not an HDF5 file"));
  EXPECT_THAT(error_of([&] { read_results(path); }), HasSubstr("notes.h5: not an HDF5 file"));
  EXPECT_THAT(error_of([&] { read_results(dir.file("absent.h5")); }), HasSubstr("absent.h5: no such file"));
}

// A results file cut short (a full disk, a copy that did not finish) or with its metadata
// overwritten gets one clear error from the writer and the reader, never a crash.
TEST(Results, ADamagedFileGetsAClearErrorNotACrash) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto good = dir.file("good.h5");
  {
    ResultsWriter writer(good, f.info);
    writer.begin_trial(f.trials[0], {1});
    writer.finish_trial(f.trials[0].id, result_of(3));
  }
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto truncated = dir.write("truncated.h5", bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(error_of([&] { read_results(truncated); }), HasSubstr("truncated.h5: cannot open: truncated file"));
  EXPECT_THAT(error_of([&] { ResultsWriter(truncated, f.info); }), HasSubstr("truncated.h5: cannot open for writing"));
  // The superblock intact, everything after it scrambled.
  std::string scrambled = bytes;
  for (std::size_t i = 96; i < scrambled.size(); i += 7) scrambled[i] = static_cast<char>(scrambled[i] ^ 0x5a);
  const auto garbled = dir.write("garbled.h5", scrambled);
  EXPECT_THAT(error_of([&] { read_results(garbled); }), HasSubstr("garbled.h5"));
  EXPECT_THAT(error_of([&] { ResultsWriter(garbled, f.info); }), HasSubstr("garbled.h5"));
}

TEST(Results, AFileOfANewerFormatIsRefusedByWriterAndReader) {
  aecnn::testing::TempDir dir;
  Fixture f;
  const auto path = dir.file("r.h5");
  { ResultsWriter writer(path, f.info); }
  {
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const std::int64_t newer = kFormatVersion + 1;
    hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    H5Awrite(attr, H5T_NATIVE_INT64, &newer);
    H5Aclose(attr);
    H5Fclose(file);
  }
  EXPECT_THAT(error_of([&] { read_results(path); }), HasSubstr("format version 3 is newer than this tool reads (2)"));
  EXPECT_THAT(error_of([&] { ResultsWriter(path, f.info); }), HasSubstr("format version 3"));
  EXPECT_THAT(error_of([&] { upgrade_results(path); }), HasSubstr("format version 3 is newer"));
}

// The file an earlier release wrote (format 1, tests/data/format-v1): 2 done trials (one keeps
// its weights, one had them dropped), 2 pruned by ASHA, 1 failed.
const std::string kFormatV1File = std::string(AECNN_SOURCE_DIR) + "/tests/data/format-v1/results.h5";

std::string copy_of_v1_file(const aecnn::testing::TempDir& dir) {
  const auto path = dir.file("v1.h5");
  std::filesystem::copy_file(kFormatV1File, path);
  return path;
}

TEST(Results, AFileOfFormat1IsReadAndTheWriterAsksForAnUpgrade) {
  aecnn::testing::TempDir dir;
  const auto path = copy_of_v1_file(dir);
  const auto contents = read_results(path);
  EXPECT_EQ(contents.format_version, 1);
  EXPECT_EQ(contents.trials.size(), 5u);
  SweepInfo info;
  info.hash = contents.sweep_hash;
  EXPECT_THAT(error_of([&] { ResultsWriter(path, info); }),
              HasSubstr("format version 1 (an earlier aecnn-sweep); convert it with `aecnn-sweep upgrade " + path));
}

// Everything format 1 held reads back the same from the upgraded file, weights included.
TEST(Results, UpgradeKeepsEveryTrialItsHistoryMetricsAndWeights) {
  aecnn::testing::TempDir dir;
  const auto path = copy_of_v1_file(dir);
  const auto before = read_results(path);
  const auto weights_before = read_checkpoint(path, "search-0000");
  EXPECT_THAT(upgrade_results(path), HasSubstr("converted from format 1 to format 2"));
  EXPECT_FALSE(std::filesystem::exists(path + ".upgrading"));
  const auto after = read_results(path);
  EXPECT_EQ(after.format_version, 2);
  EXPECT_EQ(after.sweep_hash, before.sweep_hash);
  EXPECT_EQ(after.sweep_toml, before.sweep_toml);
  EXPECT_EQ(after.pruning.size(), before.pruning.size());
  EXPECT_EQ(after.observations.size(), before.observations.size());
  ASSERT_EQ(after.trials.size(), before.trials.size());
  for (std::size_t i = 0; i < before.trials.size(); ++i) {
    const auto &a = after.trials[i], &b = before.trials[i];
    SCOPED_TRACE(b.id);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.attempts, b.attempts);
    EXPECT_EQ(a.weights_dropped, b.weights_dropped);
    EXPECT_EQ(a.varying, b.varying);
    EXPECT_EQ(a.config, b.config);
    ASSERT_EQ(a.history.size(), b.history.size());
    for (std::size_t e = 0; e < b.history.size(); ++e) EXPECT_EQ(a.history[e].val_loss, b.history[e].val_loss);
    ASSERT_EQ(a.result.has_value(), b.result.has_value());
    if (b.result) {
      EXPECT_EQ(a.result->test_accuracy, b.result->test_accuracy);
      EXPECT_EQ(a.result->confusion, b.result->confusion);
      EXPECT_EQ(a.result->class_f1, b.result->class_f1);
      EXPECT_EQ(a.result->peak_memory_bytes, b.result->peak_memory_bytes);
      EXPECT_EQ(a.result->provenance.host, b.result->provenance.host);
      EXPECT_EQ(a.result->provenance.cpus_allowed, b.result->provenance.cpus_allowed);
    }
  }
  const auto weights_after = read_checkpoint(path, "search-0000");
  ASSERT_TRUE(weights_before && weights_after);
  ASSERT_EQ(weights_after->model.size(), weights_before->model.size());
  for (std::size_t i = 0; i < weights_before->model.size(); ++i)
    EXPECT_EQ(weights_after->model[i].values, weights_before->model[i].values);
  EXPECT_THAT(upgrade_results(path), HasSubstr("already format 2; nothing to do"));
}

}  // namespace
}  // namespace aecnn::store
