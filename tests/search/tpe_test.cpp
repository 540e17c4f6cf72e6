#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "aecnn/search/parzen_estimator.hpp"

#include "aecnn/search/tpe.hpp"

namespace aecnn::search {
namespace {

Observation done(double x, double loss) { return {{x}, loss, true, 0}; }
Observation pruned(double x, double loss, int epochs) { return {{x}, loss, false, epochs}; }

TEST(Tpe, GammaIsTenPercentRoundedUpAtMost25) {
  EXPECT_EQ(tpe_gamma(1), 1);
  EXPECT_EQ(tpe_gamma(10), 1);
  EXPECT_EQ(tpe_gamma(11), 2);
  EXPECT_EQ(tpe_gamma(250), 25);
  EXPECT_EQ(tpe_gamma(1000), 25);
}

// Optuna's order: completed trials by value, then pruned ones deepest first, then by value there;
// a pruned trial that reported nothing is last. Each side comes back in trial order.
TEST(Tpe, SplitRanksCompletedFirstThenDeeperPrunedTrials) {
  const std::vector<Observation> history{
      pruned(0, -0.99, 3),  // 0: the best value, but pruned at epoch 3
      done(0, -0.50),       // 1
      pruned(0, -0.80, 9),  // 2
      done(0, -0.70),       // 3
      pruned(0, 0, 0),      // 4: reported nothing
      pruned(0, -0.10, 9),  // 5
  };
  std::vector<std::size_t> below, above;
  split_observations(history, 3, below, above);
  EXPECT_EQ(below, (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(above, (std::vector<std::size_t>{0, 4, 5}));
  split_observations(history, 5, below, above);
  EXPECT_EQ(below, (std::vector<std::size_t>{0, 1, 2, 3, 5}));
  EXPECT_EQ(above, (std::vector<std::size_t>{4}));
}

TEST(Tpe, NanRanksLast) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::size_t> below, above;
  split_observations({done(0, nan), done(0, 5.0), done(0, 7.0)}, 2, below, above);
  EXPECT_EQ(below, (std::vector<std::size_t>{1, 2}));
}

TEST(Tpe, StartupSuggestionsAreDrawnFromThePriors) {
  const TpeSampler sampler({ParamSpace::uniform(-1, 1), ParamSpace::log_uniform(1e-5, 1e-1), ParamSpace::integer(3, 5),
                            ParamSpace::choice(4)},
                           {}, 42);
  for (std::uint64_t n = 0; n < 200; ++n) {
    const auto s = sampler.suggest(n);
    ASSERT_EQ(s.size(), 4u);
    EXPECT_TRUE(s[0] >= -1 && s[0] < 1);
    EXPECT_TRUE(s[1] >= 1e-5 && s[1] <= 1e-1);
    EXPECT_TRUE(s[2] == 3 || s[2] == 4 || s[2] == 5);
    EXPECT_TRUE(s[3] == 0 || s[3] == 1 || s[3] == 2 || s[3] == 3);
  }
}

// A suggestion depends on the seed, its number and the history only: asking again (a resumed
// sweep that observed the same results in the same order) gives the same values, bit for bit.
TEST(Tpe, SuggestionsAreAFunctionOfSeedNumberAndHistory) {
  TpeSampler a({ParamSpace::uniform(0, 1)}, {}, 7), b({ParamSpace::uniform(0, 1)}, {}, 7);
  TpeSampler other_seed({ParamSpace::uniform(0, 1)}, {}, 8);
  for (int i = 0; i < 15; ++i)
    for (auto* sampler : {&a, &b, &other_seed}) sampler->observe(done(0.05 * i, std::pow(0.05 * i - 0.3, 2)));
  EXPECT_EQ(a.suggest(15), b.suggest(15));
  EXPECT_NE(a.suggest(15), a.suggest(16));
  EXPECT_NE(a.suggest(15), other_seed.suggest(15));
}

// The sampler keeps each parameter's values sorted as trials arrive and hands that order to
// the "above" estimator; the estimator must come out exactly as if it had sorted them itself.
TEST(Tpe, KeptOrderGivesTheSameEstimatorAsSorting) {
  std::mt19937_64 engine(9);
  std::vector<double> values;
  for (int i = 0; i < 300; ++i) values.push_back(std::floor(unit_uniform(engine) * 50) / 50);  // with ties
  std::vector<std::size_t> order(values.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  const ParzenEstimator sorted_here(ParamSpace::uniform(0, 1), values), given(ParamSpace::uniform(0, 1), values, 1.0, &order);
  EXPECT_EQ(sorted_here.sigmas(), given.sigmas());
  EXPECT_EQ(sorted_here.log_pdf(0.37), given.log_pdf(0.37));
}

// The model does its job: on (x - 0.3)^2 over [0, 1], 60 sequential suggestions, 20 seeds: how
// many of the last 20 suggestions land within 0.05 of the optimum. The prior puts 2 there;
// Optuna's TPE (3.1 with the log-density fix of optuna#5110, same setting) averages 7.55; this
// one 7.5. All deterministic for the seeds.
TEST(Tpe, CrowdsTheOptimumOfAOneDimensionalBowl) {
  auto mean_close = [](int startup) {
    double total = 0;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      TpeSampler sampler({ParamSpace::uniform(0, 1)}, {startup, 24, 1.0}, seed);
      for (std::uint64_t n = 0; n < 60; ++n) {
        const double x = sampler.suggest(n)[0];
        sampler.observe(done(x, (x - 0.3) * (x - 0.3)));
        if (n >= 40) total += std::abs(x - 0.3) < 0.05;
      }
    }
    return total / 20;
  };
  EXPECT_GE(mean_close(10), 6.0);
  EXPECT_LE(mean_close(1000), 3.0) << "startup_trials 1000: every suggestion from the prior";
}

// Choices: the good category comes to dominate the suggestions.
TEST(Tpe, LearnsWhichChoiceIsBest) {
  TpeSampler sampler({ParamSpace::choice(3)}, {}, 5);
  int picked_best = 0;
  for (std::uint64_t n = 0; n < 60; ++n) {
    const double c = sampler.suggest(n)[0];
    if (n >= 30) picked_best += c == 2;
    sampler.observe(done(c, c == 2 ? 0.0 : 1.0));
  }
  EXPECT_GE(picked_best, 20) << "of the last 30 suggestions";
}

}  // namespace
}  // namespace aecnn::search
