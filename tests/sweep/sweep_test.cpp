#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "aecnn/sweep/expand.hpp"
#include "aecnn/sweep/schema.hpp"
#include "aecnn/sweep/sweep_spec.hpp"
#include "aecnn/sweep/trial_config.hpp"

namespace aecnn::sweep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> problems_of(const std::string& text) {
  try {
    parse_sweep(text, "s.toml");
  } catch (const SpecError& error) {
    return error.problems();
  }
  return {};
}

const char* const kGood = R"(
name = "g"
data_dir = "data"
[base]
epochs = 3
lr = 0.01
[grid]
attention = ["none", "both"]
seed = [0, 1, 2]
)";

TEST(ParseSweep, AppliesBaseOverDefaults) {
  const SweepSpec spec = parse_sweep(kGood, "s.toml");
  EXPECT_EQ(spec.name, "g");
  EXPECT_EQ(std::get<std::int64_t>(spec.base.at("epochs")), 3);
  EXPECT_EQ(std::get<double>(spec.base.at("lr")), 0.01);
  EXPECT_EQ(std::get<std::int64_t>(spec.base.at("batch_size")), 64);  // default
  EXPECT_EQ(spec.base.size(), config_keys().size());
}

TEST(ParseSweep, IntegerIsAcceptedForAFloatKey) {
  const SweepSpec spec = parse_sweep("name='x'\ndata_dir='d'\n[base]\nl2 = 0\n", "s.toml");
  EXPECT_TRUE(std::holds_alternative<double>(spec.base.at("l2")));
}

TEST(Expand, GridIsACartesianProductFirstAxisSlowest) {
  const auto trials = expand(parse_sweep(kGood, "s.toml"));
  ASSERT_EQ(trials.size(), 6u);
  std::vector<std::string> cells;
  for (const auto& t : trials)
    cells.push_back(t.id + ":" + to_display(t.config.at("attention")) + "/" + to_display(t.config.at("seed")));
  EXPECT_THAT(cells, ElementsAre("g-0000:none/0", "g-0001:none/1", "g-0002:none/2", "g-0003:both/0",
                                 "g-0004:both/1", "g-0005:both/2"));
  EXPECT_THAT(trials[0].varying, ElementsAre("attention", "seed"));
  EXPECT_EQ(std::get<std::int64_t>(trials[5].config.at("epochs")), 3);
}

TEST(Expand, AxesVaryInTheOrderTheFileWritesThem) {
  // TOML++ iterates a table by key; the grid must follow the file instead.
  const auto trials = expand(parse_sweep("name='o'\ndata_dir='d'\n[grid]\nseed=[0,1]\nattention=['none','both']\n", "s.toml"));
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_THAT(trials[0].varying, ElementsAre("seed", "attention"));
  EXPECT_EQ(to_display(trials[1].config.at("attention")), "both");
  EXPECT_EQ(to_display(trials[1].config.at("seed")), "0");
}

TEST(Expand, NoGridGivesOneTrial) {
  const auto trials = expand(parse_sweep("name='one'\ndata_dir='d'\n", "s.toml"));
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].id, "one-0000");
  EXPECT_TRUE(trials[0].varying.empty());
}

TEST(Expand, HashDoesNotDependOnKeyOrder) {
  const auto a = expand(parse_sweep("name='h'\ndata_dir='d'\n[base]\nepochs=2\nlr=0.5\nseed=3\n", "a.toml"));
  const auto b = expand(parse_sweep("data_dir='d'\nname='h'\n[base]\nseed=3\nlr=0.5\nepochs=2\n", "b.toml"));
  EXPECT_EQ(a[0].hash, b[0].hash);
  EXPECT_EQ(a[0].hash.size(), 16u);
  const auto c = expand(parse_sweep("name='h'\ndata_dir='d'\n[base]\nepochs=2\nlr=0.5\nseed=4\n", "c.toml"));
  EXPECT_NE(a[0].hash, c[0].hash);
}

TEST(Expand, HashIsStableAcrossReleases) {
  // Pinned: a changed hash would make every existing results file unresumable. Update only with
  // a format_version bump.
  EXPECT_EQ(content_hash(""), "cbf29ce484222325");
  EXPECT_EQ(content_hash("a"), "af63dc4c8601ec8c");
}

TEST(Expand, RepeatedGridValueIsADuplicateTrial) {
  try {
    expand(parse_sweep("name='d'\ndata_dir='d'\n[grid]\nseed = [1, 2, 1]\n", "s.toml"));
    FAIL() << "no error";
  } catch (const SpecError& error) {
    EXPECT_THAT(error.what(), HasSubstr("trials d-0000 and d-0002 have the same configuration"));
  }
}

TEST(ValidateSweep, UnknownKeyNamesLineAndSuggestsTheNearest) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[base]\natention = 'both'\n"),
              ElementsAre("s.toml:4:1: unknown key 'base.atention' (did you mean 'attention'?)"));
}

TEST(ValidateSweep, UnknownGridKeyNamesLine) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[grid]\nbatchsize = [1]\n"),
              ElementsAre("s.toml:4:1: unknown key 'grid.batchsize' (did you mean 'batch_size'?)"));
}

TEST(ValidateSweep, ConfigKeyAtTopLevelPointsToBase) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\nepochs = 3\n"),
              ElementsAre("s.toml:3:1: unknown top-level key 'epochs' (did you mean '[base] epochs'?)"));
}

TEST(ValidateSweep, WrongTypesAndRangesAreAllReportedAtOnce) {
  const auto problems = problems_of(R"(name = 'x'
data_dir = 'd'
[base]
batch_size = 0
epochs = "five"
fc_dropout = 1.0
lr = -0.1
attention = "all"
[grid]
seed = []
)");
  EXPECT_THAT(problems, ElementsAre("s.toml:4:14: 'base.batch_size' must be > 0, not 0",
                                    "s.toml:5:10: 'base.epochs' must be an integer, not \"five\"",
                                    "s.toml:6:14: 'base.fc_dropout' must be < 1, not 1.0",
                                    "s.toml:7:6: 'base.lr' must be > 0, not -0.1",
                                    "s.toml:8:13: 'base.attention' must be one of 'none', 'channel', "
                                    "'spatial', 'both', not \"all\"",
                                    "s.toml:10:8: 'grid.seed' must be a non-empty array of values"));
}

TEST(ValidateSweep, GridValuesAreCheckedOneByOne) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[grid]\nepochs = [2, -1]\n"),
              ElementsAre("s.toml:4:14: 'grid.epochs' must be > 0, not -1"));
}

TEST(ValidateSweep, SyntaxErrorHasLineAndColumn) {
  const auto problems = problems_of("name = 'x'\ndata_dir = 'd'\n[base]\nepochs = = 3\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("s.toml:4:"));
  EXPECT_THAT(problems[0], HasSubstr("TOML syntax error"));
}

TEST(ValidateSweep, NameAndDataDirAreRequired) {
  EXPECT_THAT(problems_of("[base]\nepochs = 1\n"),
              ElementsAre(HasSubstr("s.toml: missing 'name'"), HasSubstr("s.toml: missing 'data_dir'")));
}

TEST(ValidateSweep, NameMustBeUsableInTrialIds) {
  EXPECT_THAT(problems_of("name='a/b'\ndata_dir='d'\n"), ElementsAre(HasSubstr("s.toml:1:6: 'name' may hold only")));
}

TEST(ParseSweepFile, DataDirIsRelativeToTheFile) {
  aecnn::testing::TempDir dir;
  const auto path = dir.write("s.toml", "name='x'\ndata_dir='../data'\n");
  EXPECT_EQ(parse_sweep_file(path).data_dir, (std::filesystem::path(dir.path()).parent_path() / "data").string());
}

TEST(ParseSweepFile, MissingFileIsOneClearError) {
  try {
    parse_sweep_file("/nonexistent/s.toml");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "/nonexistent/s.toml: cannot read sweep file (does it exist?)");
  }
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

TEST(Value, FloatsRoundTripExactly) {
  EXPECT_EQ(to_toml(Value(0.1)), "0.1");
  EXPECT_EQ(to_toml(Value(1.0)), "1.0");
  EXPECT_EQ(to_toml(Value(1e-7)), "1e-07");
  EXPECT_EQ(to_toml(Value(std::string("a\"b"))), "\"a\\\"b\"");
}

}  // namespace
}  // namespace aecnn::sweep
