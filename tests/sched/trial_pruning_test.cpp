#include "aecnn/sched/trial_pruning.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "../support/error_message.hpp"

namespace aecnn::sched {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& action) { return aecnn::testing::error_message<Error>(action); }

// Two experiments: "a" pruned by ASHA (rungs 1, 3 below 9 epochs), "b" by nothing.
struct Sweep {
  sweep::SweepSpec spec = sweep::parse_sweep(
      "name='p'\ndata_dir='d'\n[base]\nepochs=9\n[pruner]\ntype='asha'\nreduction_factor=3\n"
      "[[experiment]]\nname='a'\n[experiment.grid]\nseed=[0,1,2,3,4,5,6,7]\n"
      "[[experiment]]\nname='b'\npruner={type='none'}\n[experiment.grid]\nseed=[0,1]\n",
      "p.toml");
  sweep::TrialList trials{spec};
  std::map<std::string, sweep::PrunerSpec> pruners() const {
    std::map<std::string, sweep::PrunerSpec> enabled;
    for (const auto& e : spec.experiments)
      if (e.pruner.enabled()) enabled[e.name] = e.pruner;
    return enabled;
  }
};

train::EpochRecord epoch_with_accuracy(int epoch, double val_accuracy) {
  train::EpochRecord r;
  r.epoch = epoch;
  r.val_accuracy = val_accuracy;
  return r;
}

TEST(TrialPruning, WatchesOnlyTheTrialsOfExperimentsWithAPruner) {
  Sweep s;
  TrialPruning pruning(s.trials, s.pruners());
  for (int t = 0; t < 8; ++t) EXPECT_TRUE(pruning.watches(t));
  EXPECT_FALSE(pruning.watches(8));
  EXPECT_FALSE(pruning.watches(9));
  EXPECT_FALSE(pruning.decide(8, epoch_with_accuracy(1, 0.5)).has_value());
  EXPECT_FALSE(pruning.completed(9).has_value());
}

TEST(TrialPruning, AnEpochDecidedBeforeGetsTheSameVerdictAndIsNotCommittedTwice) {
  Sweep s;
  TrialPruning pruning(s.trials, s.pruners());
  ASSERT_FALSE(pruning.decide(0, epoch_with_accuracy(1, 0.9))->first.stop);  // leads rung 0
  const auto stop = pruning.decide(1, epoch_with_accuracy(1, 0.1));
  ASSERT_TRUE(stop && stop->second);
  EXPECT_TRUE(stop->first.stop);
  EXPECT_EQ(stop->first.rung, 0);
  EXPECT_EQ(pruning.stopped_at(1), 1);
  // Reported again (a retry from its checkpoint), even with another value: the same verdict.
  const auto again = pruning.decide(1, epoch_with_accuracy(1, 0.95));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->second);
  EXPECT_TRUE(again->first.stop);
  EXPECT_DOUBLE_EQ(again->first.value, 0.1);
}

// The property a resume relies on: replaying the committed rows rebuilds the pruners, so that
// every later decision equals the one the uninterrupted run makes.
TEST(TrialPruning, ReplayingAPrefixOfTheDecisionsContinuesExactlyAsTheUninterruptedRun) {
  Sweep s;
  // A random interleaving of epoch reports from 8 trials, as asynchronous workers produce.
  std::mt19937_64 random(5);
  std::uniform_real_distribution<double> accuracy(0.0, 1.0);
  std::vector<std::pair<int, double>> reports;  // (trial, value) in arrival order
  std::vector<int> next_epoch(8, 1);
  std::vector<bool> finished(8, false);
  TrialPruning uninterrupted(s.trials, s.pruners());
  std::vector<store::PruningRecord> rows;
  for (int remaining = 8; remaining > 0;) {
    const int trial = static_cast<int>(random() % 8);
    if (finished[trial]) continue;
    const auto decision = uninterrupted.decide(trial, epoch_with_accuracy(next_epoch[trial], accuracy(random)));
    rows.push_back(decision->first);
    if (decision->first.stop || ++next_epoch[trial] > 9) {
      if (!decision->first.stop) rows.push_back(*uninterrupted.completed(trial));
      finished[trial] = true;
      --remaining;
    }
  }
  int stops = 0;
  for (const auto& row : rows) stops += row.stop;
  ASSERT_GT(stops, 0);  // the sequence exercises the rule
  ASSERT_LT(stops, 8);
  for (std::size_t cut = 0; cut <= rows.size(); cut += 3) {
    TrialPruning resumed(s.trials, s.pruners());
    resumed.replay(std::vector<store::PruningRecord>(rows.begin(), rows.begin() + static_cast<long>(cut)), "r.h5");
    for (std::size_t i = cut; i < rows.size(); ++i) {
      if (rows[i].epoch == 0) {
        resumed.completed(static_cast<int>(rows[i].trial));
        continue;
      }
      const auto decision = resumed.decide(static_cast<int>(rows[i].trial),
                                           epoch_with_accuracy(static_cast<int>(rows[i].epoch), rows[i].value));
      ASSERT_TRUE(decision->second) << "row " << i;
      EXPECT_EQ(decision->first.stop, rows[i].stop) << "cut " << cut << ", row " << i;
      EXPECT_EQ(decision->first.rung, rows[i].rung) << "cut " << cut << ", row " << i;
      EXPECT_EQ(decision->first.compared, rows[i].compared) << "cut " << cut << ", row " << i;
    }
  }
}

TEST(TrialPruning, ARowNamingATrialThatIsNotPrunedIsRefusedWithTheFile) {
  Sweep s;
  TrialPruning pruning(s.trials, s.pruners());
  store::PruningRecord row;
  row.trial = 9;  // experiment b: no pruner
  row.epoch = 1;
  EXPECT_THAT(error_of([&] { pruning.replay({row}, "r.h5"); }), HasSubstr("r.h5:/pruning row 0: trial index 9"));
  row.trial = 1LL << 40;
  EXPECT_THAT(error_of([&] { pruning.replay({row}, "r.h5"); }), HasSubstr("is not a trial this sweep prunes"));
}

}  // namespace
}  // namespace aecnn::sched
