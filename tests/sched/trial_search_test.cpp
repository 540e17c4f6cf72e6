#include "aecnn/sched/trial_search.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "../support/error_message.hpp"

namespace aecnn::sched {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& action) { return aecnn::testing::error_message<Error>(action); }

struct Sweep {
  sweep::SweepSpec spec = sweep::parse_sweep(
      "name='s'\ndata_dir='d'\n[base]\nepochs=4\n[[experiment]]\nname='grid'\n[experiment.grid]\nseed=[0,1]\n"
      "[[experiment]]\nname='tpe'\n[experiment.search]\nn_trials=24\nseed=3\nstartup_trials=4\n"
      "lr={loguniform=[1e-4,1e-1]}\nattention={choice=['none','both']}\nchannel_ratio={int=[2,16]}\n",
      "s.toml");
  sweep::TrialList trials{spec};
  std::map<std::string, sweep::SearchSpec> searches() const { return {{"tpe", spec.experiments[1].search}}; }
};

// A made-up objective of the suggested values, for the sampler to learn from.
std::vector<train::EpochRecord> history_for(const sweep::TrialSpec& t, int epochs) {
  const double lr = std::get<double>(t.config.at("lr"));
  const double value = 1.0 - std::abs(std::log10(lr) + 2.5) / 3 - (std::get<std::string>(t.config.at("attention")) == "none" ? 0.05 : 0);
  std::vector<train::EpochRecord> history;
  for (int e = 1; e <= epochs; ++e) {
    train::EpochRecord r;
    r.epoch = e;
    r.val_accuracy = value * e / 4;
    history.push_back(r);
  }
  return history;
}

TEST(TrialSearch, SearchesOnlyTheSearchedTrialsAndFillsTheirKeysInsideThePriors) {
  Sweep s;
  TrialSearch search(s.trials, s.searches());
  EXPECT_FALSE(search.searches(0));
  EXPECT_TRUE(search.searches(2));
  for (std::size_t i = 2; i < s.trials.size(); ++i) {
    auto t = s.trials[i];
    search.suggest(t);
    EXPECT_EQ(t.suggested_after, 0);
    const double lr = std::get<double>(t.config.at("lr"));
    EXPECT_GE(lr, 1e-4);
    EXPECT_LT(lr, 1e-1);
    const auto ratio = std::get<std::int64_t>(t.config.at("channel_ratio"));
    EXPECT_GE(ratio, 2);
    EXPECT_LE(ratio, 16);
  }
  sweep::TrialSpec grid = s.trials[0];
  search.suggest(grid);
  EXPECT_EQ(grid.config, s.trials[0].config);
  EXPECT_FALSE(search.observe(grid, history_for(s.trials[2], 4), true).has_value());
}

// What a resume relies on: replaying the committed observations rebuilds the sampler, so the
// suggestions after the cut equal those of the run that never stopped.
TEST(TrialSearch, ReplayingTheObservationsBeforeACutSuggestsWhatTheUninterruptedRunSuggested) {
  Sweep s;
  auto trials = s.trials;
  TrialSearch uninterrupted(trials, s.searches());
  std::vector<store::ObservationRecord> rows;
  std::mt19937_64 random(9);
  // Asynchronous: two trials in flight; the one that ends is chosen at random, some pruned.
  std::vector<int> running;
  int next = 2;
  while (next < static_cast<int>(trials.size()) || !running.empty()) {
    while (running.size() < 2 && next < static_cast<int>(trials.size())) {
      sweep::TrialSpec started = trials[static_cast<std::size_t>(next)];
      uninterrupted.suggest(started);
      trials.replace(std::move(started));  // as the scheduler keeps what it suggested
      running.push_back(next++);
    }
    const std::size_t pick = random() % running.size();
    const auto& t = trials[static_cast<std::size_t>(running[pick])];
    const bool pruned = random() % 3 == 0;
    rows.push_back(*uninterrupted.observe(t, history_for(t, pruned ? 1 : 4), !pruned));
    running.erase(running.begin() + static_cast<long>(pick));
  }
  ASSERT_EQ(rows.size(), 24u);
  int learnt = 0;
  for (const auto& t : trials) learnt += t.suggested_after >= 4;
  ASSERT_GT(learnt, 10);  // most suggestions came from TPE, not the priors

  for (std::size_t cut = 0; cut <= rows.size(); cut += 5) {
    auto resumed_trials = s.trials;
    // The trials started before the cut have their values (the file's configs).
    for (std::size_t i = 0; i < trials.size(); ++i)
      if (trials[i].suggested_after >= 0 && static_cast<std::size_t>(trials[i].suggested_after) <= cut)
        resumed_trials.replace(trials[i]);
    TrialSearch resumed(resumed_trials, s.searches());
    resumed.replay({rows.begin(), rows.begin() + static_cast<long>(cut)}, resumed_trials, "r.h5");
    // Every trial the uninterrupted run started after exactly `cut` observations gets the same values.
    for (const auto& t : trials)
      if (t.suggested_after == static_cast<int>(cut)) {
        sweep::TrialSpec again = s.trials[static_cast<std::size_t>(t.index)];
        resumed.suggest(again);
        EXPECT_EQ(again.config, t.config) << t.id << " after " << cut << " observations";
      }
  }
}

TEST(TrialSearch, AnObservationOfATrialThatIsNotSearchedIsRefusedWithTheFile) {
  Sweep s;
  TrialSearch search(s.trials, s.searches());
  store::ObservationRecord row;
  row.trial = 0;
  EXPECT_THAT(error_of([&] { search.replay({row}, s.trials, "r.h5"); }), HasSubstr("r.h5:/search row 0: trial index 0"));
  row.trial = 5;  // searched, but never given values: its base lr is outside the prior
  auto trials = s.trials;
  sweep::TrialSpec outside = trials[5];
  outside.config["lr"] = 0.5;
  trials.replace(outside);
  EXPECT_THAT(error_of([&] { search.replay({row}, trials, "r.h5"); }), HasSubstr("values inside its priors"));
}

}  // namespace
}  // namespace aecnn::sched
