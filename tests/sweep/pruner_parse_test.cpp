// The [pruner] table: defaults, every key checked against the pruner's type, and its place in
// the sweep hash (on only when a pruner is).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aecnn/sweep/expand.hpp"
#include "aecnn/sweep/sweep_spec.hpp"
#include "sweep_support.hpp"

namespace aecnn::sweep {
namespace {

using ::testing::ElementsAre;
using testing::problems_of;

const std::string kHead = "name='x'\ndata_dir='d'\n";

TEST(PrunerSpec, DefaultsAreAshaOfOptunaAndKerasLikeMetric) {
  const auto spec = parse_sweep(kHead + "[pruner]\ntype = 'asha'\n", "s.toml");
  const PrunerSpec& p = spec.experiments.at(0).pruner;
  EXPECT_EQ(p.type, "asha");
  EXPECT_EQ(p.metric, "val_accuracy");
  EXPECT_TRUE(p.maximize);
  EXPECT_EQ(p.grace_epochs, 1);
  EXPECT_EQ(p.reduction_factor, 3);
  EXPECT_EQ(p.max_epochs, 0);
  EXPECT_EQ(pruner_text(p), "type=asha metric=val_accuracy mode=max grace_epochs=1 reduction_factor=3 max_epochs=epochs");
}

TEST(PrunerSpec, ALossIsMinimisedUnlessTheModeSaysOtherwise) {
  EXPECT_FALSE(parse_sweep(kHead + "[pruner]\ntype='median'\nmetric='val_loss'\n", "s.toml").experiments[0].pruner.maximize);
  EXPECT_TRUE(parse_sweep(kHead + "[pruner]\ntype='median'\nmetric='val_loss'\nmode='max'\n", "s.toml")
                  .experiments[0].pruner.maximize);
}

TEST(PrunerSpec, WithoutATableThereIsNoPruner) {
  EXPECT_FALSE(parse_sweep(kHead, "s.toml").experiments.at(0).pruner.enabled());
}

TEST(PrunerSpec, EveryMistakeIsNamedWithItsLine) {
  EXPECT_THAT(problems_of(kHead + "[pruner]\nmetric = 'val_accuracy'\n"),
              ElementsAre("s.toml:3:1: 'pruner' needs type: \"asha\", \"median\" or \"none\""));
  EXPECT_THAT(problems_of(kHead + "[pruner]\ntype = 'hyperband'\n"),
              ElementsAre("s.toml:4:8: 'pruner.type' must be \"asha\", \"median\" or \"none\""));
  EXPECT_THAT(problems_of(kHead + "[pruner]\ntype = 'median'\ngrace_epochs = 2\n"),
              ElementsAre("s.toml:5:1: 'pruner.grace_epochs' applies to type = \"asha\", not \"median\""));
  EXPECT_THAT(problems_of(kHead + "[pruner]\ntype = 'asha'\nreduction_factor = 1\nmetric = 'f1'\n"),
              ElementsAre("s.toml:5:20: 'pruner.reduction_factor' must be an integer from 2 to 100000",
                          "s.toml:6:10: 'pruner.metric' must be \"val_accuracy\", \"val_loss\", \"accuracy\" or \"loss\""));
  EXPECT_THAT(problems_of(kHead + "[pruner]\ntype = 'asha'\ngrace_epoch = 2\n"),
              ElementsAre("s.toml:5:1: unknown key 'pruner.grace_epoch' (did you mean 'grace_epochs'?)"));
  EXPECT_THAT(problems_of(kHead + "pruner = 3\n"),
              ElementsAre("s.toml:3:10: 'pruner' must be a table: [pruner] or pruner = { type = \"asha\", ... }"));
}

TEST(PrunerSpec, TopLevelIsEveryExperimentsUnlessItHasItsOwn) {
  const auto spec = parse_sweep(kHead +
                                    "seeds = [0, 1]\n[pruner]\ntype = 'asha'\ngrace_epochs = 2\n"
                                    "[[experiment]]\nname = 'a'\n"
                                    "[[experiment]]\nname = 'b'\npruner = { type = 'median', startup_trials = 3 }\n",
                                "s.toml");
  EXPECT_EQ(spec.experiments.at(0).pruner.type, "asha");
  EXPECT_EQ(spec.experiments.at(0).pruner.grace_epochs, 2);
  EXPECT_EQ(spec.experiments.at(1).pruner.type, "median");
  EXPECT_EQ(spec.experiments.at(1).pruner.startup_trials, 3);
}

TEST(PrunerSpec, IsInTheSweepHashOnlyWhenOn) {
  const std::string grid = "[grid]\nseed = [0, 1]\n";
  auto hash = [](const std::string& text) {
    const auto spec = parse_sweep(text, "s.toml");
    return sweep_hash(spec, expand(spec));
  };
  const std::string plain = hash(kHead + grid);
  EXPECT_EQ(hash(kHead + grid + "[pruner]\ntype = 'none'\n"), plain) << "'none' must leave old files resumable";
  const std::string asha = hash(kHead + grid + "[pruner]\ntype = 'asha'\n");
  EXPECT_NE(asha, plain);
  EXPECT_NE(hash(kHead + grid + "[pruner]\ntype = 'asha'\nreduction_factor = 2\n"), asha);
}

}  // namespace
}  // namespace aecnn::sweep
