// The [search] table: the sampler's settings, its priors checked against the keys' ranges, what
// it may not be combined with, and its trials: placeholders whose searched keys rank 0 fills in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aecnn/sweep/expand.hpp"
#include "aecnn/sweep/sweep_spec.hpp"
#include "sweep_support.hpp"

namespace aecnn::sweep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::problems_of;

const std::string kHead = "name='x'\ndata_dir='d'\n";

TEST(SearchSpec, ReadsTheSamplerItsPriorsAndOptunasDefaults) {
  const auto spec = parse_sweep(kHead +
                                    "[search]\nsampler = 'tpe'\nn_trials = 30\nseed = 4\n"
                                    "lr = { loguniform = [1e-4, 1e-2] }\nbatch_size = { choice = [32, 64] }\n"
                                    "channel_ratio = { int = [2, 16] }\nconv_dropout = { uniform = [0.0, 0.5] }\n",
                                "s.toml");
  const SearchSpec& s = spec.experiments.at(0).search;
  EXPECT_TRUE(s.enabled());
  EXPECT_EQ(s.n_trials, 30);
  EXPECT_EQ(s.seed, 4u);
  EXPECT_EQ(s.startup_trials, 10);  // Optuna's n_startup_trials
  EXPECT_EQ(s.metric, "val_accuracy");
  EXPECT_TRUE(s.maximize);
  ASSERT_EQ(s.keys.size(), 4u);
  EXPECT_EQ(s.keys[0].key, "lr");  // file order
  EXPECT_EQ(s.keys[0].space.kind, search::ParamSpace::Kind::kLogUniform);
  EXPECT_EQ(s.keys[1].space.kind, search::ParamSpace::Kind::kChoice);
  EXPECT_EQ(s.keys[1].space.choices, 2);
  EXPECT_EQ(s.keys[1].choices, (std::vector<Value>{Value(std::int64_t{32}), Value(std::int64_t{64})}));
  EXPECT_EQ(s.keys[2].space.kind, search::ParamSpace::Kind::kInt);
  EXPECT_EQ(s.keys[2].space.high, 16.0);
  EXPECT_EQ(s.keys[3].space.kind, search::ParamSpace::Kind::kUniform);
}

TEST(SearchSpec, ExpandsToPlaceholderTrialsWithDistinctHashesAndTheSearchInTheSweepHash) {
  const std::string text = kHead + "[base]\nepochs = 3\n[search]\nn_trials = 4\nlr = { loguniform = [1e-4, 1e-2] }\n";
  const auto spec = parse_sweep(text, "s.toml");
  const auto trials = expand(spec);
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[2].id, "x-0002");
  EXPECT_EQ(trials[2].search_number, 2);
  EXPECT_EQ(trials[2].suggested, std::vector<std::string>{"lr"});
  EXPECT_EQ(trials[2].varying, std::vector<std::string>{"lr"});
  EXPECT_EQ(trials[2].suggested_after, -1);
  EXPECT_NE(trials[0].hash, trials[1].hash);
  // Another seed is another search: another sweep, never resumed in the same file.
  const auto reseeded = parse_sweep(text + "seed = 1\n", "s.toml");
  EXPECT_NE(sweep_hash(spec, trials), sweep_hash(reseeded, expand(reseeded)));
  // Trials of other experiments keep their hashes.
  EXPECT_EQ(expand(parse_sweep(kHead, "s.toml"))[0].search_number, -1);
}

TEST(SearchSpec, ALossIsMinimised) {
  EXPECT_FALSE(parse_sweep(kHead + "[search]\nn_trials = 2\nmetric = 'val_loss'\nlr = { uniform = [1e-4, 1e-2] }\n",
                           "s.toml").experiments[0].search.maximize);
}

TEST(SearchSpec, EveryMistakeIsNamedWithItsLine) {
  EXPECT_THAT(problems_of(kHead + "[search]\nsampler = 'cmaes'\nn_trials = 2\nlr = { uniform = [1e-4, 1e-2] }\n"),
              ElementsAre("s.toml:4:11: 'search.sampler' must be \"tpe\""));
  EXPECT_THAT(problems_of(kHead + "[search]\nlr = { uniform = [1e-4, 1e-2] }\n"),
              ElementsAre("s.toml:3:1: 'search' needs n_trials, the number of trials"));
  EXPECT_THAT(problems_of(kHead + "[search]\nn_trials = 0\nlr = { uniform = [1e-4, 1e-2] }\n"),
              ElementsAre("s.toml:4:12: 'search.n_trials' must be an integer from 1 to 100000"));
  EXPECT_THAT(problems_of(kHead + "[search]\nn_trials = 2\n"),
              ElementsAre("s.toml:3:1: 'search' searches no key: add key = { distribution = ... }"));
  EXPECT_THAT(problems_of(kHead + "[search]\nn_trial = 2\nlr = { uniform = [1e-4, 1e-2] }\n"),
              ElementsAre("s.toml:3:1: 'search' needs n_trials, the number of trials",
                          "s.toml:4:1: unknown key 'search.n_trial' (did you mean 'n_trials'?)"));
  EXPECT_THAT(problems_of(kHead + "[search]\nn_trials = 2\nconv_dropout = { uniform = [0.5, 1.5] }\n"),
              ElementsAre(HasSubstr("'search.conv_dropout' reaches values that")));
  EXPECT_THAT(problems_of(kHead + "[search]\nn_trials = 2\nranks = { int = [1, 2] }\n"),
              ElementsAre("s.toml:5:1: 'search.ranks': ranks is not searched (it is not a hyperparameter)"));
  EXPECT_THAT(problems_of(kHead + "[grid]\nseed = [0, 1]\n[search]\nn_trials = 2\nlr = { uniform = [1e-4, 1e-2] }\n"),
              ElementsAre(HasSubstr("'search' cannot be combined with 'grid': model-based search chooses")));
}

TEST(SearchSpec, AnExperimentsOwnSearchIgnoresTheFilesSharedSeeds) {
  const auto spec = parse_sweep(kHead +
                                    "seeds = [0, 1]\n[[experiment]]\nname = 'grid'\n"
                                    "[[experiment]]\nname = 'tpe'\n[experiment.search]\nn_trials = 3\n"
                                    "lr = { loguniform = [1e-4, 1e-2] }\n",
                                "s.toml");
  EXPECT_EQ(spec.experiments[0].seeds.size(), 2u);
  EXPECT_TRUE(spec.experiments[1].seeds.empty());
  EXPECT_EQ(expand(spec).size(), 5u);
}

}  // namespace
}  // namespace aecnn::sweep
