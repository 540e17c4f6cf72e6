#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "aecnn/search/pruner.hpp"

namespace aecnn::search {
namespace {

TEST(Asha, RungsAreGraceTimesPowersOfTheReductionFactorBelowMaxEpochs) {
  EXPECT_EQ(AshaPruner(1, 3, 15, Direction::kMaximize).rungs(), (std::vector<int>{1, 3, 9}));
  EXPECT_EQ(AshaPruner(2, 2, 16, Direction::kMaximize).rungs(), (std::vector<int>{2, 4, 8}));
  EXPECT_EQ(AshaPruner(1, 3, 9, Direction::kMaximize).rungs(), (std::vector<int>{1, 3}));
  EXPECT_TRUE(AshaPruner(20, 3, 15, Direction::kMaximize).rungs().empty());
  EXPECT_THROW(AshaPruner(0, 3, 15, Direction::kMaximize), std::invalid_argument);
  EXPECT_THROW(AshaPruner(1, 1, 15, Direction::kMaximize), std::invalid_argument);
}

// Worked by hand, rf = 3, maximising: at a rung with n values recorded (the newcomer's included),
// the cutoff is the k-th best, k = max(1, floor(n / 3)).
TEST(Asha, KeepsTheBestThirdOfWhatEachRungHasSeen) {
  AshaPruner asha(1, 3, 15, Direction::kMaximize);
  const auto at_epoch_2 = asha.report(0, 2, 0.0);  // no rung: never stops
  EXPECT_FALSE(at_epoch_2.stop);
  EXPECT_EQ(at_epoch_2.rung, -1);
  struct Step { double value; bool stop; double cutoff; };
  const std::vector<Step> rung0{
      {0.50, false, 0.50},  // n=1, k=1: it leads
      {0.40, true, 0.50},   // n=2, k=1
      {0.60, false, 0.60},  // n=3, k=1
      {0.55, true, 0.60},   // n=4, k=1
      {0.45, true, 0.60},   // n=5, k=1
      {0.58, false, 0.58},  // n=6, k=2: .60 .58 | .55 .50 .45 .40 (a tie with the cutoff continues)
      {0.57, true, 0.58},   // n=7, k=2
  };
  for (std::size_t i = 0; i < rung0.size(); ++i) {
    const auto v = asha.report(static_cast<int>(i), 1, rung0[i].value);
    EXPECT_EQ(v.stop, rung0[i].stop) << "report " << i;
    EXPECT_EQ(v.cutoff, rung0[i].cutoff) << "report " << i;
    EXPECT_EQ(v.rung, 0);
    EXPECT_EQ(v.compared, static_cast<int>(i) + 1);
  }
  // Rung 1 (epoch 3) keeps its own record.
  const auto v = asha.report(0, 3, 0.10);
  EXPECT_FALSE(v.stop);
  EXPECT_EQ(v.rung, 1);
  EXPECT_EQ(v.compared, 1);
  EXPECT_EQ(asha.recorded(0).size(), 7u);
  EXPECT_EQ(asha.recorded(1).size(), 1u);
}

TEST(Asha, MinimisingKeepsTheLowest) {
  AshaPruner asha(2, 2, 10, Direction::kMinimize);
  EXPECT_FALSE(asha.report(0, 2, 1.0).stop);
  EXPECT_TRUE(asha.report(1, 2, 1.5).stop);   // n=2, k=1: must be lowest
  EXPECT_FALSE(asha.report(2, 2, 0.8).stop);
  EXPECT_FALSE(asha.report(3, 2, 0.9).stop);  // n=4, k=2: 0.8 0.9 | 1.0 1.5
}

TEST(Asha, NanStopsAndIsNotRecorded) {
  AshaPruner asha(1, 3, 15, Direction::kMaximize);
  EXPECT_TRUE(asha.report(0, 2, std::nan("")).stop);
  EXPECT_TRUE(asha.report(0, 1, std::nan("")).stop);
  EXPECT_TRUE(asha.recorded(0).empty());
}

// Many random reports against an independent statement of the rule: a trial continues past a
// rung exactly when fewer than k = max(1, floor(n / rf)) recorded values beat it strictly.
TEST(Asha, AgreesWithCountingWhatBeatsTheTrial) {
  for (const int rf : {2, 3, 4}) {
    AshaPruner asha(1, rf, 100, Direction::kMaximize);
    std::mt19937_64 engine(static_cast<unsigned>(rf));
    std::vector<std::vector<double>> seen(asha.rungs().size());
    for (int report = 0; report < 3000; ++report) {
      const std::size_t rung = engine() % asha.rungs().size();
      const double value = static_cast<double>(engine() % 50) / 50.0;  // ties happen
      seen[rung].push_back(value);
      std::size_t beaten_by = 0;
      for (const double other : seen[rung]) beaten_by += other > value;
      const std::size_t k = std::max<std::size_t>(1, seen[rung].size() / static_cast<std::size_t>(rf));
      const auto verdict = asha.report(report, asha.rungs()[rung], value);
      ASSERT_EQ(verdict.stop, beaten_by >= k) << "rf " << rf << " report " << report;
    }
  }
}

TEST(Median, WaitsForStartupTrialsAndWarmup) {
  MedianPruner median(2, 1, Direction::kMaximize);
  // Nothing completed: never stops.
  EXPECT_FALSE(median.report(0, 1, 0.9).stop);
  EXPECT_FALSE(median.report(0, 2, 0.9).stop);
  median.completed(0);
  EXPECT_FALSE(median.report(1, 2, 0.1).stop) << "one completed trial of 2 startup";
  EXPECT_FALSE(median.report(1, 3, 0.1).stop);
  median.completed(1);
  EXPECT_FALSE(median.report(2, 1, 0.0).stop) << "epoch 1 is warmup";
  // Completed at epoch 2: 0.9 and 0.1, median 0.5; this trial's best so far is 0.4 (< 0.5).
  const auto v = median.report(2, 2, 0.4);
  EXPECT_TRUE(v.stop);
  EXPECT_DOUBLE_EQ(v.cutoff, 0.5);
  EXPECT_EQ(v.compared, 2);
}

TEST(Median, UsesTheTrialsBestValueSoFar) {
  MedianPruner median(1, 0, Direction::kMaximize);
  for (int trial = 0; trial < 3; ++trial) {
    for (int epoch = 1; epoch <= 3; ++epoch) median.report(trial, epoch, 0.1 * (trial + 1) + 0.01 * epoch);
    median.completed(trial);
  }
  // Completed values at epoch 3: 0.13, 0.23, 0.33; median 0.23.
  EXPECT_FALSE(median.report(7, 1, 0.30).stop);  // epoch 1 median: 0.21
  EXPECT_FALSE(median.report(7, 2, 0.05).stop);  // best so far 0.30 >= 0.22
  const auto v = median.report(7, 3, 0.05);      // best so far 0.30 >= 0.23
  EXPECT_FALSE(v.stop);
  EXPECT_DOUBLE_EQ(v.cutoff, 0.23);
  EXPECT_TRUE(median.report(8, 1, 0.15).stop);   // 0.15 < 0.21
}

TEST(Median, MinimisingAndAnEvenCountInterpolate) {
  MedianPruner median(1, 0, Direction::kMinimize);
  for (int trial = 0; trial < 4; ++trial) {
    median.report(trial, 1, 1.0 + trial);  // 1, 2, 3, 4: median 2.5
    median.completed(trial);
  }
  EXPECT_FALSE(median.report(9, 1, 2.5).stop);
  EXPECT_TRUE(median.report(10, 1, 2.6).stop);
  EXPECT_TRUE(median.report(11, 1, std::nan("")).stop);
}

}  // namespace
}  // namespace aecnn::search
