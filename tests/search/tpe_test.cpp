#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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
    const auto s = sampler.suggest(n, {});
    ASSERT_EQ(s.size(), 4u);
    EXPECT_TRUE(s[0] >= -1 && s[0] < 1);
    EXPECT_TRUE(s[1] >= 1e-5 && s[1] <= 1e-1);
    EXPECT_TRUE(s[2] == 3 || s[2] == 4 || s[2] == 5);
    EXPECT_TRUE(s[3] == 0 || s[3] == 1 || s[3] == 2 || s[3] == 3);
  }
}

// A suggestion depends on the seed, its number and the history only: asking again (a resumed
// sweep) gives the same values, bit for bit.
TEST(Tpe, SuggestionsAreAFunctionOfSeedNumberAndHistory) {
  std::vector<Observation> history;
  for (int i = 0; i < 15; ++i) history.push_back(done(0.05 * i, std::pow(0.05 * i - 0.3, 2)));
  const TpeSampler a({ParamSpace::uniform(0, 1)}, {}, 7), b({ParamSpace::uniform(0, 1)}, {}, 7);
  const TpeSampler other_seed({ParamSpace::uniform(0, 1)}, {}, 8);
  EXPECT_EQ(a.suggest(15, history), b.suggest(15, history));
  EXPECT_NE(a.suggest(15, history), a.suggest(16, history));
  EXPECT_NE(a.suggest(15, history), other_seed.suggest(15, history));
}

// The model does its job: on (x - 0.3)^2 over [0, 1], 60 sequential suggestions, 20 seeds: how
// many of the last 20 suggestions land within 0.05 of the optimum. The prior puts 2 there;
// Optuna's TPE (3.1 with the log-density fix of optuna#5110, same setting) averages 7.55; this
// one 7.5. All deterministic for the seeds.
TEST(Tpe, CrowdsTheOptimumOfAOneDimensionalBowl) {
  auto mean_close = [](int startup) {
    double total = 0;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      const TpeSampler sampler({ParamSpace::uniform(0, 1)}, {startup, 24, 1.0}, seed);
      std::vector<Observation> history;
      for (std::uint64_t n = 0; n < 60; ++n) {
        const double x = sampler.suggest(n, history)[0];
        history.push_back(done(x, (x - 0.3) * (x - 0.3)));
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
  const TpeSampler sampler({ParamSpace::choice(3)}, {}, 5);
  std::vector<Observation> history;
  int picked_best = 0;
  for (std::uint64_t n = 0; n < 60; ++n) {
    const double c = sampler.suggest(n, history)[0];
    if (n >= 30) picked_best += c == 2;
    history.push_back(done(c, c == 2 ? 0.0 : 1.0));
  }
  EXPECT_GE(picked_best, 20) << "of the last 30 suggestions";
}

}  // namespace
}  // namespace aecnn::search
