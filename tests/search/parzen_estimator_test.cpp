// The Parzen estimator against Optuna 3.1's own (_ParzenEstimator with TPESampler's defaults:
// prior weight 1, magic clip, no endpoints, default_weights, univariate). The expected numbers
// were printed by Debian's python3-optuna 3.1.0 for the same inputs, e.g.
//   _ParzenEstimator({"x": np.array([1, 2, 2.5, 9.])}, {"x": FloatDistribution(0, 10)},
//                    _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, False))
// then ._weights, ._mus["x"], ._sigmas["x"], .log_pdf({"x": points}). Optuna 3.1's truncated
// normal log density leaves out -log(scale) (optuna/optuna#5109, fixed by #5110 in 3.5), so the
// expected log densities of continuous parameters were printed with that fix applied to 3.1:
// `_truncnorm.logpdf = lambda x, a, b, loc, scale: logpdf(x, a, b, loc, scale) - np.log(scale)`.
// Int parameters (a mass, not a density) and choices were never affected.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "aecnn/search/parzen_estimator.hpp"

namespace aecnn::search {
namespace {

void expect_all_near(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "at " << i;
}

void expect_log_pdfs(const ParzenEstimator& estimator, const std::vector<double>& points,
                     const std::vector<double>& expected) {
  for (std::size_t i = 0; i < points.size(); ++i)
    EXPECT_NEAR(estimator.log_pdf(points[i]), expected[i], 1e-12) << "log_pdf(" << points[i] << ")";
}

TEST(ParzenEstimator, UniformMatchesOptuna) {
  const ParzenEstimator e(ParamSpace::uniform(0, 10), {1, 2, 2.5, 9});
  expect_all_near(e.weights(), {0.2, 0.2, 0.2, 0.2, 0.2}, 1e-15);
  expect_all_near(e.mus(), {1, 2, 2.5, 9, 5}, 1e-15);
  expect_all_near(e.sigmas(), {1.6666666666666667, 1.6666666666666667, 2.5, 4.0, 10.0}, 1e-15);
  expect_log_pdfs(e, {0.5, 2.2, 5.0, 9.9},
                  {-1.9030011265454965, -1.769676273171048, -2.5393284491773613, -2.954262074213177});
}

TEST(ParzenEstimator, LogUniformWorksOnTheLogarithm) {
  const ParzenEstimator e(ParamSpace::log_uniform(1e-4, 1e-1), {1e-3, 5e-3, 2e-2});
  expect_all_near(e.mus(), {-6.907755278982137, -5.298317366548036, -3.912023005428146, -5.756462732485113}, 1e-14);
  expect_all_near(e.sigmas(), {1.3815510557964275, 1.3862943611198904, 1.3862943611198904, 6.907755278982137}, 1e-14);
  expect_log_pdfs(e, {2e-4, 4e-3, 0.09}, {-2.543820931716536, -1.6213163463770688, -2.4330475812548276});
}

TEST(ParzenEstimator, IntIsTheMassOfEachInteger) {
  const ParzenEstimator e(ParamSpace::integer(1, 10), {3, 3, 7});
  expect_all_near(e.mus(), {3, 3, 7, 5.5}, 1e-15);
  expect_all_near(e.sigmas(), {2.0, 2.5, 2.0, 10.0}, 1e-15);
  expect_log_pdfs(e, {1, 3, 5, 10}, {-2.38183539711072, -2.00355253842499, -2.0734379896630326, -3.1761945848557334});
}

TEST(ParzenEstimator, ChoiceRowsAreSmoothedOneHots) {
  const ParzenEstimator e(ParamSpace::choice(3), {0, 2, 2});
  const double hi = 0.7142857142857143, lo = 0.14285714285714285, third = 1.0 / 3.0;
  const std::vector<std::vector<double>> expected{{hi, lo, lo}, {lo, lo, hi}, {lo, lo, hi}, {third, third, third}};
  ASSERT_EQ(e.choice_probabilities().size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) expect_all_near(e.choice_probabilities()[k], expected[k], 1e-15);
  expect_log_pdfs(e, {0, 1, 2}, {-1.0986122886681096, -1.6582280766035324, -0.7419373447293772});
}

TEST(ParzenEstimator, ThirtyObservationsRampTheOldestWeightsAndClipBandwidths) {
  const std::vector<double> obs{0.550798, 0.708148, 0.290905, 0.510828, 0.892947, 0.896293, 0.125585, 0.207243,
                                0.051467, 0.44081,  0.029876, 0.456833, 0.649144, 0.278487, 0.676255, 0.590863,
                                0.023982, 0.558854, 0.259252, 0.415101, 0.283525, 0.693138, 0.440454, 0.156868,
                                0.544649, 0.780315, 0.306364, 0.221958, 0.387971, 0.936384};
  const ParzenEstimator e(ParamSpace::uniform(0, 1), obs);
  const double flat = 0.034985422740524776;
  std::vector<double> weights{0.0011661807580174927, 0.009620991253644314, 0.018075801749271137, 0.026530612244897955};
  weights.resize(31, flat);
  expect_all_near(e.weights(), weights, 1e-15);
  expect_all_near(e.sigmas(),
                  {0.03125, 0.07216699999999998, 0.03125, 0.0338210000000001, 0.11263200000000007, 0.04009099999999999,
                   0.074118, 0.050375, 0.074118, 0.03125, 0.03125, 0.04316700000000001, 0.05828100000000003, 0.03125,
                   0.03125, 0.05828100000000003, 0.03125, 0.032009000000000065, 0.037293999999999994, 0.03125,
                   0.03125, 0.03125, 0.03125, 0.050375, 0.0338210000000001, 0.11263200000000007,
                   0.08160699999999999, 0.037293999999999994, 0.08160699999999999, 0.04009099999999999, 1.0},
                  1e-15);
  expect_log_pdfs(e, {0.1, 0.5, 0.93}, {-0.3885271280984832, 0.10343410128429609, -0.17696323680690262});
}

TEST(ParzenEstimator, WithoutObservationsIsThePrior) {
  const ParzenEstimator e(ParamSpace::uniform(-2, 2), {});
  expect_all_near(e.weights(), {1.0}, 0);
  expect_all_near(e.sigmas(), {4.0}, 0);
  expect_log_pdfs(e, {0.0, 1.5}, {-1.345316560628941, -1.415629060628941});
}

TEST(ParzenEstimator, DefaultWeightsRampFromOneOverN) {
  EXPECT_EQ(default_observation_weights(0).size(), 0u);
  EXPECT_EQ(default_observation_weights(24), std::vector<double>(24, 1.0));
  const auto w26 = default_observation_weights(26);  // a ramp of one: numpy's linspace gives its start
  EXPECT_DOUBLE_EQ(w26[0], 1.0 / 26);
  EXPECT_DOUBLE_EQ(w26[1], 1.0);
}

// The continuous density integrates to one over the bounds (the property Optuna 3.1 missed).
TEST(ParzenEstimator, ContinuousDensityIntegratesToOne) {
  const ParzenEstimator e(ParamSpace::uniform(0, 10), {1, 2, 2.5, 9});
  const int steps = 100000;
  double integral = 0;
  for (int i = 0; i < steps; ++i) integral += std::exp(e.log_pdf((i + 0.5) * 10.0 / steps)) * 10.0 / steps;
  EXPECT_NEAR(integral, 1.0, 1e-6);
}

// With thousands of observations log_pdf visits only the components near the point; the result
// must equal the full mixture, summed here term by term from the estimator's own parts.
TEST(ParzenEstimator, DensityOfManyComponentsEqualsTheFullSum) {
  std::mt19937_64 engine(4);
  for (const auto space : {ParamSpace::uniform(-3, 7), ParamSpace::log_uniform(1e-5, 1e-1)}) {
    std::vector<double> obs;
    for (int i = 0; i < 3000; ++i) {
      const double u = unit_uniform(engine);
      // Clustered and spread values, so bandwidths differ widely.
      const double v = i % 3 == 0 ? u : 0.4 + 0.01 * u;
      obs.push_back(space.kind == ParamSpace::Kind::kLogUniform ? std::exp(std::log(1e-5) + v * std::log(1e4))
                                                                 : -3 + 10 * v);
    }
    const ParzenEstimator e(space, obs);
    const double low = space.kind == ParamSpace::Kind::kLogUniform ? std::log(space.low) : space.low;
    const double high = space.kind == ParamSpace::Kind::kLogUniform ? std::log(space.high) : space.high;
    for (int p = 0; p < 200; ++p) {
      const double t = low + (high - low) * unit_uniform(engine);  // in the transformed space
      const double x = space.kind == ParamSpace::Kind::kLogUniform ? std::exp(t) : t;
      double full = 0;
      for (std::size_t k = 0; k < e.weights().size(); ++k) {
        const double mu = e.mus()[k], sigma = e.sigmas()[k];
        const double mass = 0.5 * (std::erf((high - mu) / sigma / std::sqrt(2.0)) - std::erf((low - mu) / sigma / std::sqrt(2.0)));
        const double z = (t - mu) / sigma;
        full += e.weights()[k] * std::exp(-0.5 * z * z) / (sigma * std::sqrt(2 * M_PI) * mass);
      }
      EXPECT_NEAR(e.log_pdf(x), std::log(full), 1e-9) << "at " << x;
    }
  }
}

// Draws follow the density: a histogram of many draws against exp(log_pdf) integrated per bin.
TEST(ParzenEstimator, SamplesFollowTheDensity) {
  const ParzenEstimator e(ParamSpace::integer(1, 6), {2, 2, 5});
  std::mt19937_64 engine(11);
  std::map<int, int> counts;
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    const double x = e.sample(engine);
    ASSERT_EQ(x, std::round(x));
    ASSERT_GE(x, 1);
    ASSERT_LE(x, 6);
    ++counts[static_cast<int>(x)];
  }
  double total = 0;
  for (int v = 1; v <= 6; ++v) {
    const double p = std::exp(e.log_pdf(v));
    total += p;
    EXPECT_NEAR(counts[v] / static_cast<double>(draws), p, 0.005) << "value " << v;
  }
  EXPECT_NEAR(total, 1.0, 1e-12);

  const ParzenEstimator c(ParamSpace::choice(4), {3, 3, 0});
  std::map<int, int> chosen;
  for (int i = 0; i < draws; ++i) ++chosen[static_cast<int>(c.sample(engine))];
  for (int v = 0; v < 4; ++v) EXPECT_NEAR(chosen[v] / static_cast<double>(draws), std::exp(c.log_pdf(v)), 0.005);
}

}  // namespace
}  // namespace aecnn::search
