// Validation: one test per class of mistake, each asserting the message and its file:line:column.
#include "aecnn/sweep/sweep_spec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "sweep_support.hpp"

namespace aecnn::sweep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::problems_of;

TEST(ParseSweep, IntegerIsAcceptedForAFloatKey) {
  const SweepSpec spec = parse_sweep("name='x'\ndata_dir='d'\n[base]\nl2 = 0\n", "s.toml");
  EXPECT_TRUE(std::holds_alternative<double>(spec.experiments.at(0).base.at("l2")));
}

TEST(ValidateSweep, UnknownKeyNamesLineAndSuggestsTheNearest) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[base]\natention = 'both'\n"),
              ElementsAre("s.toml:4:1: unknown key 'base.atention' (did you mean 'attention'?)"));
}

TEST(ValidateSweep, UnknownGridKeyNamesLine) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[grid]\nbatchsize = [1]\n"),
              ElementsAre("s.toml:4:1: unknown key 'grid.batchsize' (did you mean 'batch_size'?)"));
}

TEST(ValidateSweep, UnknownStructuralKeySuggestsTheNearest) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[grids]\nseed = [1]\n"),
              ElementsAre("s.toml:3:2: unknown key 'grids' (did you mean 'grid'?)"));
}

TEST(ValidateSweep, ConfigKeyAtTopLevelPointsToBase) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\nepochs = 3\n"),
              ElementsAre("s.toml:3:1: unknown key 'epochs' (did you mean '[base] epochs'?)"));
}

TEST(ValidateSweep, WrongTypesAndRangesAreAllReportedAtOnceInFileOrder) {
  const auto problems = problems_of(R"(name = 'x'
data_dir = 'd'
[base]
batch_size = 0
epochs = "five"
fc_dropout = 1.0
lr = -0.1
attention = "all"
channel_ratio = 65
[grid]
seed = []
)");
  EXPECT_THAT(problems, ElementsAre("s.toml:4:14: 'base.batch_size' must be > 0, not 0",
                                    "s.toml:5:10: 'base.epochs' must be an integer, not \"five\"",
                                    "s.toml:6:14: 'base.fc_dropout' must be < 1, not 1.0",
                                    "s.toml:7:6: 'base.lr' must be > 0, not -0.1",
                                    "s.toml:8:13: 'base.attention' must be one of 'none', 'channel', "
                                    "'spatial', 'both', not \"all\"",
                                    "s.toml:9:17: 'base.channel_ratio' must be <= 64, not 65",
                                    "s.toml:11:8: 'grid.seed' must be a non-empty array of values"));
}

TEST(ValidateSweep, GridValuesAreCheckedOneByOne) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[grid]\nepochs = [2, -1]\n"),
              ElementsAre("s.toml:4:14: 'grid.epochs' must be > 0, not -1"));
}

TEST(ValidateSweep, ZipOfUnequalLengthsFails) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[zip]\nbatch_size = [32, 64]\nlr = [0.1, 0.2, 0.3]\n"),
              ElementsAre("s.toml:3:1: 'zip' zips lists of unequal length: batch_size has 2, lr has 3"));
}

TEST(ValidateSweep, AKeyVariedByTwoAxesFails) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[grid]\nlr = [0.1]\n[zip]\nlr = [0.2]\n"),
              ElementsAre("s.toml:6:6: 'lr' is varied by both 'grid' and 'zip'"));
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\nseeds = [1]\n[grid]\nseed = [0]\n"),
              ElementsAre(HasSubstr("'seed' is varied by both")));
}

TEST(ValidateSweep, SeedsMustBeDistinctNonNegativeIntegers) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\nseeds = [0, -1, 0.5, 0]\n"),
              ElementsAre("s.toml:3:13: 'seeds' must hold integers from 0 to 2147483647, not -1",
                          "s.toml:3:17: 'seeds' must hold integers from 0 to 2147483647, not 0.5",
                          "s.toml:3:22: 'seeds' repeats seed 0"));
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\nseeds = [2147483648]\n"),
              ElementsAre("s.toml:3:10: 'seeds' must hold integers from 0 to 2147483647, not 2147483648"));
}

// Every integer key becomes an int: a value that would wrap (2^32 is 0 as an int, and a batch
// size of 0 never advances the training loop) is a range error at its line, like any other.
TEST(ValidateSweep, IntegerKeysHaveUpperBoundsThatFitTheirType) {
  EXPECT_THAT(problems_of(R"(name='x'
data_dir='d'
[base]
batch_size = 4294967296
epochs = 4294967297
patience = 9223372036854775807
lr_horizon = 1000001
ranks = 1048577
train_images = 2147483648
eval_images = 2147483647
seed = 2147483648
)"),
              ElementsAre("s.toml:4:14: 'base.batch_size' must be <= 1048576, not 4294967296",
                          "s.toml:5:10: 'base.epochs' must be <= 1000000, not 4294967297",
                          "s.toml:6:12: 'base.patience' must be <= 1000000, not 9223372036854775807",
                          "s.toml:7:14: 'base.lr_horizon' must be <= 1000000, not 1000001",
                          "s.toml:8:9: 'base.ranks' must be <= 1048576, not 1048577",
                          "s.toml:9:16: 'base.train_images' must be <= 2147483647, not 2147483648",
                          "s.toml:11:8: 'base.seed' must be <= 2147483647, not 2147483648"));
}

TEST(ValidateSweep, RandomIntegerBoundsMustLieInTheKeysRange) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[random]\nn = 2\n"
                          "epochs = { int = [1, 9223372036854775807] }\n"
                          "lr = { int = [-9223372036854775807, 1] }\n"
                          "patience = { int = [-1, 3] }\n"),
              ElementsAre("s.toml:5:22: 'random.epochs.int' high bound must be <= 1000000, not 9223372036854775807",
                          "s.toml:6:15: 'random.lr.int' low bound must be within +-2147483647, not "
                          "-9223372036854775807",
                          "s.toml:7:21: 'random.patience.int' low bound must be >= 0, not -1"));
}

TEST(ValidateSweep, ExplicitTrialsAreCheckedKeyByKey) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[[trials]]\nattention='none'\n[[trials]]\nattentoin='both'\n"),
              ElementsAre("s.toml:6:1: unknown key 'trials[1].attentoin' (did you mean 'attention'?)"));
}

TEST(ValidateSweep, RandomSearchDistributionsAreChecked) {
  EXPECT_THAT(problems_of(R"(name='x'
data_dir='d'
[random]
n = 4
lr = { loguniform = [0.0, 0.1] }
batch_size = { uniform = [16, 64] }
fc_dropout = { uniform = [0.5, 0.2] }
conv_dropout = { normal = [0, 1] }
epochs = { int = [1.5, 3] }
attention = { choice = ['none', 'al'] }
)"),
              ElementsAre("s.toml:5:21: 'random.lr.loguniform' needs low > 0",
                          "s.toml:6:16: 'random.batch_size' is an integer key: draw it with { int = [low, high] }",
                          "s.toml:7:26: 'random.fc_dropout.uniform' needs low < high",
                          "s.toml:8:18: 'random.conv_dropout.normal' is not a distribution: use { uniform = [low, "
                          "high] }, { loguniform = [low, high] }, { int = [low, high] } or { choice = [...] }",
                          "s.toml:9:18: 'random.epochs.int' must have integer bounds",
                          "s.toml:10:33: 'random.attention.choice' must be one of 'none', 'channel', 'spatial', "
                          "'both', not \"al\""));
}

TEST(ValidateSweep, RandomSearchDrawsAreCheckedAgainstTheKeysRange) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[random]\nn = 50\nfc_dropout = { uniform = [0.5, 1.5] }\n"),
              ElementsAre("s.toml:5:14: 'random.fc_dropout' draws values that must be < 1, not "
                          "1.4921452096298289"));
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[random]\nlr = { uniform = [0.1, 0.2] }\n"),
              ElementsAre("s.toml:3:1: 'random' needs n, the number of samples"));
}

TEST(ValidateSweep, ExperimentsNeedDistinctNamesAndNoTopLevelAxes) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[grid]\nseed=[1]\n[[experiment]]\nname='a'\n"
                          "[[experiment]]\nname='a'\n[[experiment]]\nepochs=2\n"),
              ElementsAre("s.toml:3:2: 'grid' at the top level of a file with [[experiment]]s: move it into an experiment",
                          "s.toml:8:6: experiment name 'a' is used twice",
                          "s.toml:9:1: 'experiment[2].name' is missing"));
}

TEST(ValidateSweep, ExperimentKeysAreChecked) {
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[[experiment]]\nname='a'\nepoch = 3\ngrid.lr = [0]\n"),
              ElementsAre("s.toml:5:1: unknown key 'experiment[0].epoch' (did you mean 'epochs'?)",
                          "s.toml:6:12: 'experiment[0].grid.lr' must be > 0, not 0"));
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

TEST(ParseSweep, KeepWeightsDefaultsToTheThreeBestAndReadsEverySpelling) {
  EXPECT_EQ(parse_sweep("name='x'\ndata_dir='d'\n", "s.toml").keep_weights.text(), "best:3");
  for (const char* text : {"best:1", "best:100000", "all", "none"})
    EXPECT_EQ(parse_sweep("name='x'\ndata_dir='d'\nkeep_weights = '" + std::string(text) + "'\n", "s.toml")
                  .keep_weights.text(),
              text);
  const auto spec = parse_sweep("name='x'\ndata_dir='d'\nkeep_weights = 'best:7'\n", "s.toml");
  EXPECT_EQ(spec.keep_weights.mode, KeepWeights::Mode::kBest);
  EXPECT_EQ(spec.keep_weights.best, 7);
}

TEST(ValidateSweep, KeepWeightsOutsideItsSpellingsIsReportedAtItsLine) {
  for (const char* value : {"'best:0'", "'best:100001'", "'best:'", "'best:-1'", "'best:2x'", "'some'", "3",
                            "'best:9999999999999999999'"})
    EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\nkeep_weights = " + std::string(value) + "\n"),
                ElementsAre("s.toml:3:16: 'keep_weights' must be \"best:N\" (N from 1 to 100000: the best N trials "
                            "of each experiment), \"all\" or \"none\""))
        << value;
  // A sweep-wide key: inside an experiment it is unknown.
  EXPECT_THAT(problems_of("name='x'\ndata_dir='d'\n[[experiment]]\nname='a'\nkeep_weights='all'\n"),
              ElementsAre(HasSubstr("s.toml:5:1: unknown key 'experiment[0].keep_weights'")));
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
    EXPECT_STREQ(error.what(), "/nonexistent/s.toml: cannot read sweep file: No such file or directory");
  }
}

}  // namespace
}  // namespace aecnn::sweep
