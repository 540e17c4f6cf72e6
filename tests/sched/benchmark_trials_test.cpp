#include "aecnn/sched/benchmark_trials.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "aecnn/search/test_functions.hpp"
#include "aecnn/sweep/expand.hpp"

namespace aecnn::sched {
namespace {

using ::testing::HasSubstr;
constexpr double kPi = 3.14159265358979323846;

TEST(TestFunctions, KnownMinimaAtTheirKnownPlaces) {
  for (const auto& x : {std::vector<double>{-kPi, 12.275}, {kPi, 2.275}, {9.42478, 2.475}})
    EXPECT_NEAR(search::branin(x), 0.397887, 1e-6);
  EXPECT_NEAR(search::hartmann6({0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}), -3.32237, 1e-5);
  // And nowhere lower on a coarse grid of the domain.
  for (double a = -5; a <= 10; a += 0.25)
    for (double b = 0; b <= 15; b += 0.25) EXPECT_GE(search::branin({a, b}), 0.397887 - 1e-6);
}

TEST(TestFunctions, UnitPointSpansTheDomain) {
  const auto& branin = *search::find_test_function("branin");
  EXPECT_NEAR(search::value_at_unit_point(branin, {(kPi + 5) / 15, 2.275 / 15}), 0.397887, 1e-6);
  EXPECT_DOUBLE_EQ(search::value_at_unit_point(branin, {0, 0}), search::branin({-5, 0}));
  EXPECT_DOUBLE_EQ(search::value_at_unit_point(branin, {1, 1}), search::branin({10, 15}));
  EXPECT_THROW(search::value_at_unit_point(branin, {0.5}), std::invalid_argument);
  EXPECT_EQ(search::find_test_function("rosenbrock"), nullptr);
}

sweep::SearchedKey key(const std::string& name, search::ParamSpace space) { return {name, space, {}}; }

TEST(BenchmarkTrials, UnitPointPerKindOfKey) {
  const std::vector<sweep::SearchedKey> keys = {key("conv_dropout", search::ParamSpace::uniform(0.1, 0.5)),
                                                key("lr", search::ParamSpace::log_uniform(1e-4, 1e-2)),
                                                key("patience", search::ParamSpace::integer(2, 12))};
  const sweep::ConfigMap config = {{"conv_dropout", sweep::Value(0.2)}, {"lr", sweep::Value(1e-3)},
                                   {"patience", sweep::Value(std::int64_t{7})}, {"fc_dropout", sweep::Value(0.9)}};
  const auto u = unit_point(config, keys);
  ASSERT_EQ(u.size(), 3u);
  EXPECT_NEAR(u[0], 0.25, 1e-12);
  EXPECT_NEAR(u[1], 0.5, 1e-12);  // 1e-3 is halfway between 1e-4 and 1e-2 on a log scale
  EXPECT_NEAR(u[2], 0.5, 1e-12);
}

TEST(BenchmarkTrials, TestFunctionTrialReportsItsOneEpoch) {
  std::vector<train::EpochRecord> reported;
  const auto result = benchmark_trial("branin", {(kPi + 5) / 15, 2.275 / 15},
                                      [&](const train::EpochRecord& r) { reported.push_back(r); }, {});
  ASSERT_EQ(reported.size(), 1u);
  ASSERT_EQ(result.history.size(), 1u);
  EXPECT_EQ(result.epochs_run, 1);
  EXPECT_NEAR(reported[0].val_loss, 0.397887, 1e-6);
  EXPECT_EQ(reported[0].val_loss, result.history[0].val_loss);
  EXPECT_TRUE(std::isnan(reported[0].val_accuracy));  // nothing measured, nothing made up
  EXPECT_TRUE(std::isnan(result.test_accuracy));
  // noop reports no epoch.
  reported.clear();
  EXPECT_TRUE(benchmark_trial("noop", {}, [&](const train::EpochRecord& r) { reported.push_back(r); }, {}).history.empty());
  EXPECT_TRUE(reported.empty());
}

TEST(BenchmarkTrials, KindsAccepted) {
  for (const char* kind : {"noop", "sleep=0", "sleep=0.5", "branin", "hartmann6"}) EXPECT_FALSE(benchmark_kind_problem(kind)) << kind;
  for (const char* kind : {"", "nap", "sleep=", "sleep=-1", "sleep=1x", "sleep=1e9", "Branin"})
    EXPECT_THAT(benchmark_kind_problem(kind).value_or(""), HasSubstr("must be noop, sleep=SECONDS")) << kind;
  EXPECT_TRUE(is_test_function("hartmann6"));
  EXPECT_FALSE(is_test_function("noop"));
}

sweep::SweepSpec parse(const std::string& tail) {
  return sweep::parse_sweep("name='b'\ndata_dir='d'\n" + tail, "b.toml");
}

TEST(BenchmarkTrials, SweepMustSearchTheFunctionsCoordinates) {
  const auto searched = parse("[search]\nn_trials=5\nmetric='val_loss'\nconv_dropout={uniform=[0,0.9]}\nlr={loguniform=[1e-4,1e-1]}\n");
  EXPECT_FALSE(benchmark_sweep_problem("branin", searched));
  EXPECT_FALSE(benchmark_sweep_problem("noop", searched));  // noop and sleep take any sweep
  EXPECT_THAT(benchmark_sweep_problem("hartmann6", searched).value_or(""),
              HasSubstr("b.toml: experiment 'b': --benchmark-trials hartmann6 needs 6 searched keys ([search] or "
                        "[random]), one per coordinate; it searches 2"));
  const auto random = parse("[random]\nn=4\nconv_dropout={uniform=[0,0.9]}\nfc_dropout={uniform=[0,0.9]}\n");
  EXPECT_FALSE(benchmark_sweep_problem("branin", random));
  EXPECT_EQ(benchmark_keys(random.experiments[0]).size(), 2u);
  EXPECT_THAT(benchmark_sweep_problem("branin", parse("[grid]\nseed=[1,2]\n")).value_or(""), HasSubstr("it searches 0"));
  EXPECT_THAT(benchmark_sweep_problem("branin", parse("[random]\nn=4\nlr={uniform=[0.1,0.9]}\nattention={choice=['none','both']}\n"))
                  .value_or(""),
              HasSubstr("needs numbers as coordinates; 'attention' is a choice"));
  EXPECT_THAT(benchmark_sweep_problem("branin", parse("[random]\nn=4\nconv_dropout={uniform=[0,0.9]}\nfc_dropout={uniform=[0,0.9]}\n"
                                                      "[pruner]\ntype='median'\n"))
                  .value_or(""),
              HasSubstr("needs no pruner"));
}

TEST(BenchmarkTrials, RandomSearchKeepsItsDistributions) {
  const auto spec = parse("[random]\nn=3\nseed=4\nlr={loguniform=[1e-4,1e-2]}\npatience={int=[2,12]}\n");
  const auto& space = spec.experiments[0].random_space;
  ASSERT_EQ(space.size(), 2u);
  EXPECT_EQ(space[0].key, "lr");
  EXPECT_EQ(space[0].space.kind, search::ParamSpace::Kind::kLogUniform);
  EXPECT_EQ(space[1].space.kind, search::ParamSpace::Kind::kInt);
  for (const auto& trial : sweep::expand(spec))
    for (const double u : unit_point(trial.config, space)) {
      EXPECT_GE(u, 0.0);
      EXPECT_LE(u, 1.0);
    }
}

}  // namespace
}  // namespace aecnn::sched
