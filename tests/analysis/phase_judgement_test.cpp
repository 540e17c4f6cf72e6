#include "aecnn/analysis/phase_judgement.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aecnn/analysis/study_summary.hpp"

namespace aecnn::analysis {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What one done trial reached; the rest of its record is filled in plausibly.
struct Outcome {
  double val_accuracy = 0.85;
  double train_accuracy = 0.90;
  double epoch_seconds = 10;
  double peak_mib = 300;
  long long params = 177041;
  double first_lr = 1e-3;
  double test_accuracy = 0.84;
};

store::TrialRecord trial(const std::string& experiment, const std::string& key, const sweep::Value& value, int seed,
                         const Outcome& o) {
  store::TrialRecord t;
  t.experiment = experiment;
  t.id = experiment + "-" + sweep::to_display(value) + "-" + std::to_string(seed);
  t.status = "done";
  t.varying = key.empty() ? std::vector<std::string>{"seed"} : std::vector<std::string>{key, "seed"};
  if (!key.empty()) t.config[key] = value;
  t.config["seed"] = std::int64_t{seed};
  // epoch_seconds, then train_seconds: 1,000 images trained in 80% of each epoch
  t.history = {{1, o.first_lr, 1.0, 0.5, 2.0, 0.1, o.epoch_seconds, 0.8 * o.epoch_seconds},
               {2, o.first_lr / 2, 0.5, 0.8, 0.6, o.val_accuracy, o.epoch_seconds, 0.8 * o.epoch_seconds}};
  train::TrialResult r;
  r.history = t.history;
  r.epochs_run = 2;
  r.test_accuracy = o.test_accuracy;
  r.test_precision = r.test_recall = r.test_f1 = o.test_accuracy;
  r.train_eval_accuracy = o.train_accuracy;
  r.params_total = o.params;
  r.train_images = 1000;
  r.peak_memory_bytes = static_cast<std::int64_t>(o.peak_mib * 1024 * 1024);
  t.result = r;
  return t;
}

// Three seeds of one setting around `o.val_accuracy`: spread +-0.002 (distinct from 0.01 away).
void add_seeds(store::ResultsContents& results, const std::string& experiment, const std::string& key,
               const sweep::Value& value, Outcome o) {
  const double offsets[] = {-0.002, 0.0, 0.002};
  const double base = o.val_accuracy;
  for (int seed = 0; seed < 3; ++seed) {
    o.val_accuracy = base + offsets[seed];
    results.trials.push_back(trial(experiment, key, value, seed, o));
  }
}

TEST(PhaseOf, FollowsTheKeysThatVary) {
  store::ResultsContents results;
  add_seeds(results, "b", "batch_size", std::int64_t{32}, {});
  add_seeds(results, "b", "batch_size", std::int64_t{64}, {});
  EXPECT_EQ(phase_of(settings_of(results, "b")), Phase::kBatchSize);

  auto mixed = trial("m", "l2", 1e-4, 0, {});
  mixed.varying = {"l2", "fc_dropout", "seed"};
  results.trials.push_back(mixed);
  EXPECT_EQ(phase_of(settings_of(results, "m")), Phase::kRegularization);

  auto two_phases = trial("x", "attention", std::string("both"), 0, {});
  two_phases.varying = {"attention", "batch_size", "seed"};
  results.trials.push_back(two_phases);
  EXPECT_EQ(phase_of(settings_of(results, "x")), std::nullopt);
  EXPECT_EQ(judge_phase(settings_of(results, "x")), std::nullopt);
}

TEST(BatchSizeJudgement, NamesTheParetoSetAndWhatDominatesTheRest) {
  store::ResultsContents results;
  // 16: most accurate but slow and big. 64: fast and small. 32: worse than 64 in all three.
  add_seeds(results, "b", "batch_size", std::int64_t{16}, {0.86, 0.9, 30, 400});
  add_seeds(results, "b", "batch_size", std::int64_t{32}, {0.83, 0.9, 12, 260});
  add_seeds(results, "b", "batch_size", std::int64_t{64}, {0.84, 0.9, 8, 250});
  const auto settings = settings_of(results, "b");
  EXPECT_EQ(dominated_by(settings), (std::vector<std::string>{"", "batch_size=64", ""}));
  const auto j = judge_phase(settings);
  ASSERT_TRUE(j);
  EXPECT_THAT(j->answer, HasSubstr("Pareto set over (val accuracy, s/epoch, peak memory), means over seeds: "
                                   "batch_size=16; batch_size=64."));
  EXPECT_THAT(j->answer, HasSubstr("Dominated: batch_size=32 (by batch_size=64)."));
  EXPECT_EQ(j->table.body()[1].back(), "dominated by batch_size=64");
  EXPECT_EQ(j->table.body()[2][4], "156 +- 0");  // images/s: 1,000 images in 0.8 * 8 s
}

TEST(BatchSizeJudgement, UnavailableMemoryDoesNotDecide) {
  store::ResultsContents results;
  add_seeds(results, "b", "batch_size", std::int64_t{16}, {0.86, 0.9, 30, -1});
  add_seeds(results, "b", "batch_size", std::int64_t{64}, {0.84, 0.9, 8, -1});
  EXPECT_EQ(dominated_by(settings_of(results, "b")), (std::vector<std::string>{"", ""}));
}

TEST(RegularizationJudgement, SmallestGapAmongTheSettingsAsAccurateAsTheBest) {
  store::ResultsContents results;
  // none: most accurate, gap 0.08. dropout: 0.001 below it (within noise), gap 0.03.
  // l2: gap 0.01 but clearly less accurate, so it must not be chosen.
  add_seeds(results, "r", "l2", 0.0, {0.850, 0.93});
  add_seeds(results, "r", "l2", 1e-5, {0.849, 0.879});
  add_seeds(results, "r", "l2", 1e-4, {0.800, 0.81});
  const auto j = judge_phase(settings_of(results, "r"));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->chosen, "l2=1e-05");
  EXPECT_THAT(j->answer, HasSubstr(": l2=1e-05, gap 0.0300"));
  EXPECT_THAT(j->answer, HasSubstr("not distinguishable from seed noise"));
  EXPECT_THAT(j->answer, HasSubstr("Significantly less accurate: l2=0.0001 (p = "));
  EXPECT_EQ(j->table.header()[2], "train_acc");
  EXPECT_EQ(j->table.body()[0][2], "0.9300 +- 0.0000");
  EXPECT_EQ(j->table.body()[2].back(), "no");
}

TEST(AttentionJudgement, GainOverNoneAgainstSeedNoiseAndAccuracyPerParameter) {
  store::ResultsContents results;
  add_seeds(results, "a", "attention", std::string("none"), {0.800, 0.9, 10, 300, 176362});
  add_seeds(results, "a", "attention", std::string("channel"), {0.801, 0.9, 10, 300, 176942});
  add_seeds(results, "a", "attention", std::string("both"), {0.850, 0.9, 10, 300, 177041});
  const auto j = judge_phase(settings_of(results, "a"));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->chosen, "attention=both");
  const auto& rows = j->table.body();
  EXPECT_EQ(rows[0][4], "0.4536");  // 0.8 / 176362 * 1e5
  EXPECT_EQ(rows[1][5], "+0.0010");
  EXPECT_EQ(rows[1].back(), "within noise");
  EXPECT_EQ(rows[2][5], "+0.0500");
  EXPECT_EQ(rows[2].back(), "gain");
  EXPECT_THAT(j->answer, HasSubstr("attention=both: +0.0500 over attention=none for +679 parameters, larger than the "
                                   "seed-to-seed noise"));
}

TEST(LrScheduleJudgement, PrintsTheInitialLr) {
  store::ResultsContents results;
  add_seeds(results, "l", "schedule", std::string("constant"), {0.84, 0.9, 10, 300, 177041, 1e-3});
  add_seeds(results, "l", "schedule", std::string("cosine"), {0.85, 0.9, 10, 300, 177041, 5e-4});
  const auto j = judge_phase(settings_of(results, "l"));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->table.header()[2], "initial lr");
  EXPECT_EQ(j->table.body()[1][2], "0.000500");
  EXPECT_THAT(j->answer, HasSubstr("Most accurate: schedule=cosine (starting at lr 0.000500)"));
}

TEST(StudySummary, OneLinePerPhaseAndTheFinalModelWithEvidence) {
  store::ResultsContents results;
  add_seeds(results, "lr_schedule", "schedule", std::string("constant"), {0.849});
  add_seeds(results, "lr_schedule", "schedule", std::string("cosine"), {0.850});
  add_seeds(results, "attention", "attention", std::string("none"), {0.80});
  add_seeds(results, "attention", "attention", std::string("both"), {0.85});
  add_seeds(results, "final", "", std::int64_t{0}, {0.86, 0.95, 10, 300, 177041, 1e-3, 0.87});
  const auto lines = study_summary(results);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr("best learning-rate schedule (lr_schedule): schedule=cosine; val accuracy 0.8500 "
                                  "+- 0.0020, 95% CI [0.8450, 0.8550], 3 seed(s)"));
  EXPECT_THAT(lines[0], HasSubstr("not distinguishable"));
  EXPECT_THAT(lines[1], HasSubstr("a difference larger than seed noise"));
  EXPECT_THAT(lines[1], Not(HasSubstr("not distinguishable")));
  EXPECT_THAT(lines[2], HasSubstr("final model (final): test accuracy 0.8700 +- 0.0000"));
  EXPECT_THAT(lines[2], HasSubstr("177041 parameters"));
}

}  // namespace
}  // namespace aecnn::analysis
