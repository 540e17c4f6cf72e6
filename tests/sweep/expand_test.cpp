// Golden expansions: one per kind of axis, and how axes, experiments and defaults combine.
#include "aecnn/sweep/expand.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "aecnn/sweep/schema.hpp"
#include "aecnn/sweep/trial_config.hpp"
#include "sweep_support.hpp"

namespace aecnn::sweep {
namespace {

using ::testing::ElementsAre;
using testing::expand_text;
using testing::summary;

const std::string kHeader = "name = 'g'\ndata_dir = 'd'\n";

TEST(Expand, BaseOverridesDefaults) {
  const auto trials = expand_text(kHeader + "[base]\nepochs = 3\nlr = 0.01\n");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].id, "g-0000");
  EXPECT_EQ(std::get<std::int64_t>(trials[0].config.at("epochs")), 3);
  EXPECT_EQ(std::get<double>(trials[0].config.at("lr")), 0.01);
  EXPECT_EQ(std::get<std::int64_t>(trials[0].config.at("batch_size")), 64);  // a default
  EXPECT_EQ(trials[0].config.size(), config_keys().size());
  EXPECT_TRUE(trials[0].varying.empty());
}

TEST(Expand, GridIsACartesianProductFirstAxisSlowest) {
  EXPECT_THAT(summary(expand_text(kHeader + "[grid]\nattention = ['none', 'both']\nepochs = [1, 2, 3]\n")),
              ElementsAre("g-0000:attention=none,epochs=1", "g-0001:attention=none,epochs=2",
                          "g-0002:attention=none,epochs=3", "g-0003:attention=both,epochs=1",
                          "g-0004:attention=both,epochs=2", "g-0005:attention=both,epochs=3"));
}

TEST(Expand, GridFollowsFileOrderNotKeyOrder) {
  // TOML++ iterates a table by key; the grid must follow the file instead.
  EXPECT_THAT(summary(expand_text(kHeader + "[grid]\nseed = [0, 1]\nattention = ['none', 'both']\n")),
              ElementsAre("g-0000:seed=0,attention=none", "g-0001:seed=0,attention=both",
                          "g-0002:seed=1,attention=none", "g-0003:seed=1,attention=both"));
}

TEST(Expand, ZippedKeysAdvanceTogether) {
  EXPECT_THAT(summary(expand_text(kHeader + "[zip]\nbatch_size = [32, 64, 128]\nlr = [0.0005, 0.001, 0.002]\n")),
              ElementsAre("g-0000:batch_size=32,lr=0.0005", "g-0001:batch_size=64,lr=0.001",
                          "g-0002:batch_size=128,lr=0.002"));
}

TEST(Expand, ExplicitTrialsEachOverrideTheBase) {
  const auto trials = expand_text(kHeader + "[base]\nl2 = 0.5\n[[trials]]\nattention = 'none'\n"
                                            "[[trials]]\nattention = 'both'\nl2 = 0.0001\n");
  EXPECT_THAT(summary(trials), ElementsAre("g-0000:attention=none,l2=0.5", "g-0001:attention=both,l2=0.0001"));
}

TEST(Expand, SeedsAreAnAxisThatVariesFastest) {
  EXPECT_THAT(summary(expand_text(kHeader + "seeds = [0, 1, 2]\n[grid]\nattention = ['none', 'both']\n")),
              ElementsAre("g-0000:attention=none,seed=0", "g-0001:attention=none,seed=1",
                          "g-0002:attention=none,seed=2", "g-0003:attention=both,seed=0",
                          "g-0004:attention=both,seed=1", "g-0005:attention=both,seed=2"));
}

TEST(Expand, RandomSearchIsPinnedBySamplerSeed) {
  const std::string text = kHeader + "[random]\nn = 3\nseed = 7\nlr = { loguniform = [1e-4, 1e-2] }\n"
                                     "batch_size = { choice = [32, 64, 128] }\nfc_dropout = { uniform = [0.0, 0.5] }\n"
                                     "epochs = { int = [2, 4] }\n";
  const auto trials = expand_text(text);
  ASSERT_EQ(trials.size(), 3u);
  // Golden values: our sampler (top 53 bits of mt19937_64, seeded 7) on every machine.
  EXPECT_THAT(summary(trials),
              ElementsAre("g-0000:lr=0.00322679,batch_size=128,fc_dropout=0.0587071,epochs=4",
                          "g-0001:lr=0.000191665,batch_size=32,fc_dropout=0.416261,epochs=4",
                          "g-0002:lr=0.000326826,batch_size=128,fc_dropout=0.377873,epochs=3"));
  EXPECT_EQ(summary(expand_text(text)), summary(trials));  // same file, same trials
  std::string other = text;
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  EXPECT_NE(summary(expand_text(other)), summary(trials));
  for (const auto& t : trials) {
    const double lr = std::get<double>(t.config.at("lr"));
    EXPECT_GE(lr, 1e-4);
    EXPECT_LT(lr, 1e-2);
  }
}

TEST(Expand, AxesCombine) {
  const auto trials = expand_text(kHeader + "seeds = [0, 1]\n[[trials]]\nattention = 'none'\n[[trials]]\n"
                                            "attention = 'both'\n[grid]\nschedule = ['constant', 'cosine']\n"
                                            "[zip]\nbatch_size = [32, 64]\nlr = [0.001, 0.002]\n");
  ASSERT_EQ(trials.size(), 2u * 2u * 2u * 2u);
  EXPECT_THAT(trials[0].varying, ElementsAre("attention", "schedule", "batch_size", "lr", "seed"));
  EXPECT_EQ(summary(trials).back(), "g-0015:attention=both,schedule=cosine,batch_size=64,lr=0.002,seed=1");
}

TEST(Expand, ExperimentsConcatenateWithTheirOwnOverridesAndSharedSeeds) {
  const auto trials = expand_text(kHeader + "seeds = [0, 1]\n[base]\nepochs = 5\n"
                                            "[[experiment]]\nname = 'lr'\ngrid.schedule = ['constant', 'step']\n"
                                            "[[experiment]]\nname = 'batch'\nepochs = 3\nseeds = [9]\n"
                                            "zip.batch_size = [16, 32]\nzip.lr = [0.0005, 0.001]\n");
  EXPECT_THAT(summary(trials),
              ElementsAre("lr-0000:schedule=constant,seed=0", "lr-0001:schedule=constant,seed=1",
                          "lr-0002:schedule=step,seed=0", "lr-0003:schedule=step,seed=1",
                          "batch-0000:batch_size=16,lr=0.0005,seed=9", "batch-0001:batch_size=32,lr=0.001,seed=9"));
  EXPECT_EQ(std::get<std::int64_t>(trials[0].config.at("epochs")), 5);
  EXPECT_EQ(std::get<std::int64_t>(trials[4].config.at("epochs")), 3);
  EXPECT_EQ(trials[4].experiment, "batch");
  EXPECT_EQ(trials[4].index, 4);
}

TEST(Expand, AnExperimentVaryingSeedItselfDropsTheSharedSeeds) {
  const auto trials = expand_text(kHeader + "seeds = [0, 1, 2]\n[[experiment]]\nname = 'e'\ngrid.seed = [5, 6]\n");
  EXPECT_THAT(summary(trials), ElementsAre("e-0000:seed=5", "e-0001:seed=6"));
}

TEST(Expand, HashDoesNotDependOnKeyOrderOrWrittenDefaults) {
  const auto a = expand_text("name='h'\ndata_dir='d'\n[base]\nepochs=2\nlr=0.5\nseed=3\n");
  const auto b = expand_text("data_dir='d'\nname='h'\n[base]\nseed=3\nbatch_size=64\nlr=0.5\nepochs=2\n");
  EXPECT_EQ(a[0].hash, b[0].hash);
  EXPECT_EQ(a[0].hash.size(), 16u);
  const auto c = expand_text("name='h'\ndata_dir='d'\n[base]\nepochs=2\nlr=0.5\nseed=4\n");
  EXPECT_NE(a[0].hash, c[0].hash);
}

TEST(Expand, HashIsPinned) {
  // A changed hash makes every existing results file unresumable: change only with a
  // format_version bump. FNV-1a 64 test vectors, and one resolved default config.
  EXPECT_EQ(content_hash(""), "cbf29ce484222325");
  EXPECT_EQ(content_hash("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(canonical_text({{"lr", Value(0.001)}, {"attention", Value(std::string("both"))}}),
            "attention = \"both\"\nlr = 0.001\n");
}

TEST(Expand, SweepHashCoversEveryTrial) {
  const std::string text = kHeader + "[grid]\nseed = [0, 1]\n";
  const auto spec = parse_sweep(text, "s.toml");
  const auto spec2 = parse_sweep(kHeader + "[grid]\nseed = [0, 2]\n", "s.toml");
  EXPECT_EQ(sweep_hash(spec, expand(spec)), sweep_hash(parse_sweep(text, "other.toml"), expand(spec)));
  EXPECT_NE(sweep_hash(spec, expand(spec)), sweep_hash(spec2, expand(spec2)));
}

TEST(Expand, RepeatedConfigurationIsADuplicateTrial) {
  try {
    expand_text(kHeader + "[grid]\nseed = [1, 2, 1]\n");
    FAIL() << "no error";
  } catch (const SpecError& error) {
    EXPECT_THAT(error.what(), ::testing::ContainsRegex("s.toml:[0-9]+:1: trials g-0000 and g-0002 have the same configuration"));
  }
}

TEST(Expand, TooManyTrialsIsAnErrorNotAnOutOfMemory) {
  try {
    expand_text(kHeader + "[grid]\nseed = [" + [] {
      std::string values;
      for (int i = 0; i < 400; ++i) values += std::to_string(i) + ",";
      return values;
    }() + "]\nepochs = [" + std::string("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20") +
                "]\nlr=[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2,1.3]\n");
    FAIL() << "no error";
  } catch (const SpecError& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("s.toml: expands to more than 100000 trials"));
  }
}

TEST(Expand, SameConfigurationInTwoExperimentsIsAllowed) {
  // The study's phases share their baseline trial; each experiment keeps its own.
  EXPECT_EQ(expand_text(kHeader + "[[experiment]]\nname='a'\n[[experiment]]\nname='b'\n").size(), 2u);
}

TEST(TrialConfig, ReadsEveryKeyOfTheResolvedMap) {
  auto config = default_config();
  config["attention"] = std::string("spatial");
  config["schedule"] = std::string("cosine");
  config["epochs"] = std::int64_t{9};
  const TrialConfig c = to_trial_config(config);
  EXPECT_EQ(c.attention, Attention::kSpatial);
  EXPECT_EQ(c.schedule, Schedule::kCosine);
  EXPECT_EQ(c.epochs, 9);
  EXPECT_EQ(c.batch_size, 64);
  EXPECT_DOUBLE_EQ(c.conv_dropout, 0.25);
}

TEST(LayeredConfig, ReadsTheTrialsOwnValueOverTheSharedBase) {
  const auto base = std::make_shared<const ConfigMap>(ConfigMap{{"epochs", Value(std::int64_t{5})}, {"lr", Value(0.001)}});
  LayeredConfig a(base), b(base);
  a["seed"] = std::int64_t{7};   // a key the base lacks
  a["lr"] = 0.01;                // one it has
  EXPECT_EQ(std::get<double>(a.at("lr")), 0.01);
  EXPECT_EQ(std::get<double>(b.at("lr")), 0.001);  // the base is not changed for its other trials
  EXPECT_EQ(std::get<std::int64_t>(a.at("epochs")), 5);
  EXPECT_EQ(a.get("patience"), nullptr);
  EXPECT_THROW(a.at("patience"), std::out_of_range);
  EXPECT_EQ(a.count("seed"), 1u);
  EXPECT_EQ(b.count("seed"), 0u);
  const ConfigMap want = {{"epochs", Value(std::int64_t{5})}, {"lr", Value(0.01)}, {"seed", Value(std::int64_t{7})}};
  EXPECT_EQ(a.resolved(), want);
  EXPECT_EQ(a.size(), 3u);
  EXPECT_TRUE(a == want);
  EXPECT_FALSE(a == b);
  // operator[] on a key the base has starts from the base's value.
  std::get<std::int64_t>(b["epochs"]) += 1;
  EXPECT_EQ(std::get<std::int64_t>(b.at("epochs")), 6);
  EXPECT_EQ(std::get<std::int64_t>(base->at("epochs")), 5);
}

TEST(LayeredConfig, TrialsOfAnExperimentShareOneBaseAndHashAsFullMaps) {
  const auto trials = expand_text(kHeader + "[grid]\nseed = [1, 2]\nlr = [0.1, 0.2]\n");
  ASSERT_EQ(trials.size(), 4u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.config.size(), config_keys().size());
    EXPECT_EQ(t.hash, content_hash(canonical_text(t.config)));
  }
  EXPECT_EQ(std::get<double>(trials[3].config.at("lr")), 0.2);
  EXPECT_EQ(std::get<std::int64_t>(trials[3].config.at("seed")), 2);
}

TEST(Value, FloatsRoundTripExactly) {
  EXPECT_EQ(to_toml(Value(0.1)), "0.1");
  EXPECT_EQ(to_toml(Value(1.0)), "1.0");
  EXPECT_EQ(to_toml(Value(1e-7)), "1e-07");
  EXPECT_EQ(to_toml(Value(std::string("a\"b"))), "\"a\\\"b\"");
}

}  // namespace
}  // namespace aecnn::sweep
