#include "aecnn/analysis/experiment_summary.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aecnn::analysis {
namespace {

using ::testing::HasSubstr;

// A done trial of `experiment` with setting attention=`attention`, `seed`, and a final val accuracy.
store::TrialRecord trial(const std::string& experiment, const std::string& attention, int seed, double val_accuracy) {
  store::TrialRecord t;
  t.id = experiment + "-" + attention + std::to_string(seed);
  t.experiment = experiment;
  t.status = "done";
  t.varying = {"attention", "seed"};
  t.config["attention"] = attention;
  t.config["seed"] = std::int64_t{seed};
  t.history = {{1, 1e-3, 1.0, 0.5, 2.0, 0.1, 10.0, 9.0}, {2, 1e-3, 0.5, 0.8, 0.6, val_accuracy, 12.0, 11.0}};
  train::TrialResult r;
  r.history = t.history;
  r.test_accuracy = val_accuracy - 0.01;
  r.train_eval_accuracy = val_accuracy + 0.05;
  r.params_total = 177041;
  r.peak_memory_bytes = 300 << 20;
  t.result = r;
  return t;
}

TEST(ExperimentSummary, GroupsSeedsAndTakesTheNumbersFromTheTrials) {
  store::ResultsContents results;
  results.trials = {trial("att", "none", 0, 0.80), trial("att", "both", 0, 0.85), trial("att", "none", 1, 0.82),
                    trial("att", "both", 1, 0.86), trial("other", "none", 0, 0.5)};
  results.trials.push_back(trial("att", "both", 2, 0.0));
  results.trials.back().status = "running";  // unfinished: not counted
  results.trials.back().result.reset();
  const auto settings = settings_of(results, "att");
  ASSERT_EQ(settings.size(), 2u);
  EXPECT_EQ(settings[0].label, "attention=none");
  EXPECT_EQ(settings[1].label, "attention=both");
  EXPECT_EQ(settings[1].trials.size(), 2u);
  EXPECT_DOUBLE_EQ(settings[0].val_accuracy.mean, 0.81);
  EXPECT_NEAR(settings[1].train_val_gap.mean, 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(settings[1].epoch_seconds.mean, 11.0);  // (10 + 12) / 2 for each seed
  EXPECT_DOUBLE_EQ(settings[1].peak_memory_mib.mean, 300.0);
  const std::string table = settings_table(settings).to_text();
  EXPECT_THAT(table, HasSubstr("attention=both  2  0.8550 +- 0.0071  [0.7915, 0.9185]"));
}

TEST(ExperimentSummary, EarlyStoppedTrialsAreJudgedByTheRestoredEpoch) {
  store::ResultsContents results;
  auto t = trial("f", "both", 0, 0.70);
  t.result->restored_best = true;
  t.result->best_epoch = 1;
  results.trials = {t};
  EXPECT_DOUBLE_EQ(settings_of(results, "f")[0].val_accuracy.mean, 0.1);  // epoch 1's, not epoch 2's
}

TEST(ExperimentSummary, ALeadLargerThanSeedNoiseIsSaidSo) {
  store::ResultsContents results;
  for (int seed = 0; seed < 3; ++seed) {
    results.trials.push_back(trial("a", "both", seed, 0.85 + 0.002 * seed));
    results.trials.push_back(trial("a", "none", seed, 0.80 + 0.002 * seed));
  }
  const std::string text = conclusion("a", settings_of(results, "a"));
  EXPECT_THAT(text, HasSubstr("a: best attention=both, val accuracy 0.8520 +- 0.0020 over 3 seed(s)"));
  EXPECT_THAT(text, HasSubstr("larger than the seed-to-seed noise (Welch's t-test, p = "));
}

TEST(ExperimentSummary, ALeadWithinNoiseIsNotDistinguishable) {
  store::ResultsContents results;
  const double both[] = {0.85, 0.78, 0.83}, none[] = {0.80, 0.84, 0.79};
  for (int seed = 0; seed < 3; ++seed) {
    results.trials.push_back(trial("a", "both", seed, both[seed]));
    results.trials.push_back(trial("a", "none", seed, none[seed]));
  }
  EXPECT_THAT(conclusion("a", settings_of(results, "a")), HasSubstr("Not distinguishable: the lead of 0.0100"));
}

TEST(ExperimentSummary, OneSeedIsNotTestable) {
  store::ResultsContents results;
  results.trials = {trial("a", "both", 0, 0.9), trial("a", "none", 0, 0.8)};
  EXPECT_THAT(conclusion("a", settings_of(results, "a")), HasSubstr("Not testable: a setting has fewer than 2 seeds"));
}

TEST(ExperimentSummary, PerClassAndConfusionTablesOfTheBestSetting) {
  store::ResultsContents results;
  for (int seed = 0; seed < 2; ++seed) {
    auto t = trial("a", "both", seed, 0.9);
    t.result->class_precision = std::vector<double>(10, 0.5 + 0.1 * seed);
    t.result->class_recall = std::vector<double>(10, 0.7);
    t.result->class_f1 = std::vector<double>(10, 0.6);
    t.result->class_support = std::vector<std::int64_t>(10, 40);
    t.result->confusion = std::vector<std::int64_t>(100, 0);
    t.result->confusion[0 * 10 + 6] = 3 + seed;  // T-shirts taken for shirts
    results.trials.push_back(t);
  }
  results.trials.push_back(trial("a", "none", 0, 0.5));
  const auto settings = settings_of(results, "a");
  const Setting& best = best_setting(settings);
  EXPECT_EQ(best.label, "attention=both");
  const std::string per_class = per_class_table(best).to_text();
  EXPECT_THAT(per_class, HasSubstr("T-shirt/top  0.5500 +- 0.0707  0.7000 +- 0.0000  0.6000 +- 0.0000       40"));
  const auto confusion = confusion_table(best);
  EXPECT_EQ(confusion.body()[0][0], "T-shirt/top");
  EXPECT_EQ(confusion.body()[0][1 + 6], "7");  // summed over the two seeds
}

TEST(Table, MarkdownAndCsv) {
  Table table({"setting", "val_acc"});
  table.add_row({"a|b", "0.5"});
  table.add_row({"x, \"y\"", "0.25"});
  EXPECT_EQ(table.to_markdown(), "| setting | val_acc |\n|---|---|\n| a\\|b | 0.5 |\n| x, \"y\" | 0.25 |\n");
  EXPECT_EQ(table.to_csv(), "setting,val_acc\na|b,0.5\n\"x, \"\"y\"\"\",0.25\n");
}

}  // namespace
}  // namespace aecnn::analysis
