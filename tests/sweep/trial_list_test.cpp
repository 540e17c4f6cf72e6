#include "aecnn/sweep/trial_list.hpp"

#include <gmock/gmock.h>
#include <set>
#include <gtest/gtest.h>

#include "../support/error_message.hpp"

namespace aecnn::sweep {
namespace {

using ::testing::HasSubstr;

// Every kind of axis in one experiment (trials, two grid axes, zip, random, the shared seeds),
// then a model-based search under a pruner: 144 + 5 trials.
const std::string kEveryAxis =
    "name = 'mixed'\ndata_dir = 'd'\nseeds = [0, 1]\n[base]\nepochs = 3\n"
    "[[experiment]]\nname = 'every_axis'\ngrid.attention = ['none', 'both']\ngrid.batch_size = [32, 64]\n"
    "zip.lr = [0.001, 0.002, 0.003]\nzip.l2 = [0.0, 0.0001, 0.0002]\n"
    "random.n = 3\nrandom.seed = 7\nrandom.conv_dropout = { uniform = [0.1, 0.4] }\n"
    "[[experiment.trials]]\nchannel_ratio = 8\n[[experiment.trials]]\nchannel_ratio = 16\nfc_dropout = 0.3\n";
const std::string kSearch =
    "[[experiment]]\nname = 'tpe'\n[experiment.search]\nn_trials = 5\nseed = 3\nlr = { loguniform = [1e-4, 1e-2] }\n"
    "[experiment.pruner]\ntype = 'median'\n";

// A results file is resumed only by a sweep of the same hash: building trials lazily must give
// every trial the id and hash the whole expansion gave it before (these are 0.2.0's, from
// `aecnn-sweep --dry-run` of the same text).
TEST(TrialList, SweepHashesAreThoseOfTheEagerExpansion) {
  EXPECT_EQ(TrialList(parse_sweep(kEveryAxis + kSearch, "m.toml")).sweep_hash(), "4f1d600895d4ee41");
  Overrides scaled;
  scaled.epochs_scale = 0.5;
  scaled.set = {"train_images=100"};
  EXPECT_EQ(TrialList(parse_sweep(kEveryAxis, "m.toml"), scaled).sweep_hash(), "c3fc1c64d5076f32");
}

TEST(TrialList, ItsPartsAgreeWithTheTrialBuiltWhole) {
  const TrialList trials(parse_sweep(kEveryAxis + kSearch, "m.toml"));
  ASSERT_EQ(trials.size(), 149u);
  EXPECT_EQ(trials.front().id, "every_axis-0000");
  EXPECT_EQ(trials.back().id, "tpe-0004");
  std::set<std::string> hashes;
  std::size_t count = 0;
  for (const auto& trial : trials) {  // the iterator builds each in turn
    const auto i = static_cast<std::size_t>(trial.index);
    EXPECT_EQ(i, count++);
    EXPECT_EQ(trials.id(i), trial.id);
    EXPECT_EQ(trials.experiment(i), trial.experiment);
    for (const auto& key : {"seed", "lr", "attention", "channel_ratio", "epochs"})
      EXPECT_EQ(trials.value(i, key), trial.config.at(key)) << trial.id << " " << key;
    hashes.insert(trial.hash);
  }
  EXPECT_EQ(count, trials.size());
  EXPECT_EQ(hashes.size(), trials.size());
  // The last axis varies fastest: seeds, then the random draws, then zip.
  EXPECT_EQ(std::get<std::int64_t>(trials.value(1, "seed")), 1);
  EXPECT_EQ(trials.value(2, "conv_dropout"), trials.value(3, "conv_dropout"));
  EXPECT_NE(trials.value(2, "conv_dropout"), trials.value(0, "conv_dropout"));
  EXPECT_THROW(trials.at(149), std::out_of_range);
}

TEST(TrialList, AReplacedTrialIsKeptAndTheOthersStillBuilt) {
  TrialList trials(parse_sweep(kEveryAxis + kSearch, "m.toml"));
  TrialSpec searched = trials[146];
  ASSERT_EQ(searched.search_number, 2);
  searched.config["lr"] = 0.005;
  searched.suggested_after = 1;
  trials.replace(searched);
  EXPECT_EQ(std::get<double>(trials[146].config.at("lr")), 0.005);
  EXPECT_EQ(trials[146].suggested_after, 1);
  EXPECT_EQ(std::get<double>(trials.value(146, "lr")), 0.005);
  EXPECT_EQ(trials[147].suggested_after, -1);
  EXPECT_EQ(trials[146].hash, TrialList(parse_sweep(kEveryAxis + kSearch, "m.toml"))[146].hash);
}

TEST(TrialList, OverridesApplyToEachTrialAndTrialsTheyMakeAlikeAreNamed) {
  Overrides overrides;
  overrides.set = {"attention=none"};
  const std::string message = aecnn::testing::error_message<SpecError>(
      [&] { TrialList(parse_sweep(kEveryAxis, "m.toml"), overrides); });
  EXPECT_THAT(message, HasSubstr("--set attention=none: makes trials every_axis-0000 and every_axis-0036 identical"));
  overrides.set = {"train_images=100"};
  const TrialList trials(parse_sweep(kEveryAxis + kSearch, "m.toml"), overrides);
  for (const std::size_t i : {0, 77, 148}) EXPECT_EQ(std::get<std::int64_t>(trials.value(i, "train_images")), 100);
  // A searched trial stays told apart by its place in the search (it was refused as a duplicate).
  EXPECT_NE(trials[145].hash, trials[146].hash);
}

// In the order they appear, each at the experiment's first axis (file:line:column).
TEST(TrialList, DuplicatesAreNamedInTheOrderTheyAppear) {
  const std::string message = aecnn::testing::error_message<SpecError>(
      [] { TrialList(parse_sweep("name='s'\ndata_dir='d'\n[grid]\nseed = [1, 2, 1, 2, 1]\n", "s.toml")); });
  EXPECT_EQ(message,
            "s.toml:3:1: trials s-0000 and s-0002 have the same configuration (an axis repeats a value, or trials repeat one)\n"
            "s.toml:3:1: trials s-0001 and s-0003 have the same configuration (an axis repeats a value, or trials repeat one)\n"
            "s.toml:3:1: trials s-0000 and s-0004 have the same configuration (an axis repeats a value, or trials repeat one)");
}

TEST(TrialList, AListGivenTrialByTrialIsHeldAsGiven) {
  std::vector<TrialSpec> given(2);
  given[0].id = "x-0007";
  given[0].experiment = "x";
  given[1].id = "y-0001";
  given[1].experiment = "y";
  given[1].config = ConfigMap{{"epochs", Value(std::int64_t{4})}};
  TrialList trials(given);
  EXPECT_EQ(trials.id(0), "x-0007");
  EXPECT_EQ(trials.experiment(1), "y");
  EXPECT_EQ(trials[1].index, 1);
  EXPECT_EQ(std::get<std::int64_t>(trials.value(1, "epochs")), 4);
}

}  // namespace
}  // namespace aecnn::sweep
