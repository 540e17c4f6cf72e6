#include "aecnn/sched/weights_keeper.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <cmath>
#include <random>
#include <set>

namespace aecnn::sched {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Two experiments of 8 trials each: 'acc' ranks by val_accuracy (max), 'loss' by its pruner's
// val_loss (min).
struct Sweep {
  sweep::SweepSpec spec = sweep::parse_sweep(
      "name='s'\ndata_dir='d'\n[[experiment]]\nname='acc'\ngrid.seed=[0,1,2,3,4,5,6,7]\n"
      "[[experiment]]\nname='loss'\ngrid.seed=[0,1,2,3,4,5,6,7]\n"
      "pruner={type='median', metric='val_loss'}\n",
      "s.toml");
  sweep::TrialList trials{spec};
  std::map<std::string, RankBy> rank_by() const {
    return {{"acc", rank_by_of(spec.experiments[0])}, {"loss", rank_by_of(spec.experiments[1])}};
  }
};

// A one-epoch history whose val_accuracy and val_loss are both `value`.
std::vector<train::EpochRecord> history_of(double value) {
  train::EpochRecord r;
  r.epoch = 1;
  r.val_accuracy = value;
  r.val_loss = value;
  return {r};
}

sweep::KeepWeights best(int n) {
  sweep::KeepWeights kept;
  kept.best = n;
  return kept;
}

// The trials whose weights are left after every trial in `order` ended with `values[trial]`.
std::set<int> kept_after(const Sweep& sweep, const sweep::KeepWeights& policy, const std::vector<int>& order,
                         const std::vector<double>& values) {
  WeightsKeeper keeper(policy, sweep.trials, sweep.rank_by());
  std::set<int> kept;
  for (int trial : order) {
    kept.insert(trial);
    for (const auto& drop : keeper.done(trial, history_of(values[trial]), 1)) {
      EXPECT_EQ(kept.count(drop.trial), 1u) << "dropped twice or never ended: " << drop.trial;
      kept.erase(drop.trial);
    }
  }
  return kept;
}

TEST(WeightsKeeper, RankBySearchThenPrunerThenValAccuracy) {
  const Sweep sweep;
  EXPECT_EQ(rank_by_of(sweep.spec.experiments[0]).metric, "val_accuracy");
  EXPECT_TRUE(rank_by_of(sweep.spec.experiments[0]).maximize);
  EXPECT_EQ(rank_by_of(sweep.spec.experiments[1]).metric, "val_loss");
  EXPECT_FALSE(rank_by_of(sweep.spec.experiments[1]).maximize);
}

TEST(WeightsKeeper, KeepsTheBestNOfEachExperimentByItsOwnMetricAndDirection) {
  const Sweep sweep;
  // Trials 0-7 are 'acc', 8-15 'loss'; the same values in both.
  std::vector<double> values = {0.5, 0.9, 0.1, 0.7, 0.3, 0.8, 0.2, 0.6};
  values.insert(values.end(), values.begin(), values.end());
  std::vector<int> order(16);
  std::iota(order.begin(), order.end(), 0);
  EXPECT_EQ(kept_after(sweep, best(3), order, values), (std::set<int>{1, 3, 5, 8 + 2, 8 + 4, 8 + 6}));
}

TEST(WeightsKeeper, TheKeptSetIsTheSameInEveryOrderTheTrialsEnd) {
  // What makes a resumed sweep (seeded with the kept trials, then the rest) keep what an
  // uninterrupted one keeps: the top N under a strict order, ties to the lower index, NaN last.
  const Sweep sweep;
  const double nan = std::nan("");
  const std::vector<double> values = {0.5, 0.7, 0.7, nan, 0.7, 0.2, nan, 0.5, 0.1, 0.1, 0.3, nan, 0.1, 0.9, 0.2, 0.1};
  std::vector<int> order(16);
  std::iota(order.begin(), order.end(), 0);
  for (int n : {1, 2, 3, 5, 8}) {
    const auto expected = kept_after(sweep, best(n), order, values);
    EXPECT_EQ(expected.size(), static_cast<std::size_t>(2 * n));
    std::mt19937 shuffle(static_cast<unsigned>(n));
    for (int round = 0; round < 50; ++round) {
      std::shuffle(order.begin(), order.end(), shuffle);
      ASSERT_EQ(kept_after(sweep, best(n), order, values), expected) << "n=" << n << " round " << round;
    }
  }
  // Ties go to the lower index; a NaN ranks after every measured value.
  EXPECT_EQ(kept_after(sweep, best(2), order, values), (std::set<int>{1, 2, 8, 9}));
  EXPECT_EQ(kept_after(sweep, best(6), order, values), (std::set<int>{0, 1, 2, 4, 5, 7, 8, 9, 10, 12, 14, 15}));
}

TEST(WeightsKeeper, RanksTheFinalModelsEpoch) {
  const Sweep sweep;
  WeightsKeeper keeper(best(1), sweep.trials, sweep.rank_by());
  // Trial 0's last epoch is worse than trial 1's, but its restored best epoch (1) is better.
  std::vector<train::EpochRecord> first(2), second(2);
  first[0].val_accuracy = 0.9;
  first[1].val_accuracy = 0.2;
  second[0].val_accuracy = 0.1;
  second[1].val_accuracy = 0.5;
  EXPECT_TRUE(keeper.done(0, first, /*final_epoch=*/1).empty());
  const auto drops = keeper.done(1, second, /*final_epoch=*/2);
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].trial, 1);
  EXPECT_EQ(drops[0].reason,
            "not among the 1 best of experiment 'acc' by val_accuracy (max; keep_weights = \"best:1\")");
}

TEST(WeightsKeeper, AllKeepsEveryTrialsAndNoneNoTrials) {
  const Sweep sweep;
  sweep::KeepWeights all, none;
  all.mode = sweep::KeepWeights::Mode::kAll;
  none.mode = sweep::KeepWeights::Mode::kNone;
  std::vector<int> order(16);
  std::iota(order.begin(), order.end(), 0);
  const std::vector<double> values(16, 0.5);
  EXPECT_EQ(kept_after(sweep, all, order, values).size(), 16u);
  EXPECT_TRUE(kept_after(sweep, none, order, values).empty());
  EXPECT_TRUE(WeightsKeeper(all, sweep.trials, sweep.rank_by()).pruned(3).empty());
  const auto drops = WeightsKeeper(none, sweep.trials, sweep.rank_by()).done(3, history_of(0.5), 1);
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].reason, "keep_weights = \"none\"");
}

TEST(WeightsKeeper, PrunedTrialsKeepTheirWeightsOnlyUnderAll) {
  const Sweep sweep;
  const auto drops = WeightsKeeper(best(3), sweep.trials, sweep.rank_by()).pruned(9);
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].trial, 9);
  EXPECT_THAT(drops[0].reason, HasSubstr("pruned"));
}

}  // namespace
}  // namespace aecnn::sched
