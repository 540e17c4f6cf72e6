// Against scipy 1.10.1: tests/analysis/statistics_reference.py prints every number used here.
#include "aecnn/analysis/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace aecnn::analysis {
namespace {

TEST(StudentT, CdfMatchesScipy) {
  EXPECT_NEAR(student_t_cdf(2.228, 10), 0.9749941140914443, 1e-12);
  EXPECT_NEAR(student_t_cdf(-1.5, 3.7), 0.10679908460100665, 1e-12);
  EXPECT_DOUBLE_EQ(student_t_cdf(0.0, 5), 0.5);
  EXPECT_NEAR(student_t_cdf(4.0, 1), 0.9220208696226307, 1e-12);
  EXPECT_NEAR(student_t_cdf(1.0, 200), 0.8407405760451265, 1e-12);
}

TEST(StudentT, QuantileMatchesScipy) {
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706204736432095, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302652729911275, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.7764451051977987, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 29), 2.045229642132703, 1e-9);
  // At fractional df scipy's ppf is good to about 1e-10 in probability (its own cdf at its ppf is
  // 0.975 - 9.4e-11; at ours, 0.975 - 1e-16): compare loosely there, and invert exactly.
  EXPECT_NEAR(student_t_quantile(0.975, 5.882352941176471), 2.4588237068884107, 1e-8);
  EXPECT_NEAR(student_t_cdf(student_t_quantile(0.975, 5.882352941176471), 5.882352941176471), 0.975, 1e-13);
}

TEST(Welch, MatchesScipysTtestInd) {
  auto r = welch_t_test({1, 2, 3, 4, 5}, {2, 4, 6, 8, 10});
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->t, -1.8973665961010275, 1e-12);
  EXPECT_NEAR(r->df, 5.882352941176471, 1e-12);
  EXPECT_NEAR(r->p, 0.10753119493062718, 1e-10);
  r = welch_t_test({0.81, 0.84, 0.83}, {0.79, 0.80, 0.78});
  EXPECT_NEAR(r->t, 3.47850542618522, 1e-10);
  EXPECT_NEAR(r->df, 3.448275862068973, 1e-10);
  EXPECT_NEAR(r->p, 0.03219882155461818, 1e-10);
  r = welch_t_test({0.5, 0.6}, {0.55, 0.57, 0.9});
  EXPECT_NEAR(r->p, 0.40184132140043854, 1e-10);
}

TEST(Welch, NeedsTwoValuesPerSample) {
  EXPECT_FALSE(welch_t_test({0.8}, {0.7, 0.75}));
  EXPECT_EQ(welch_t_test({0.8, 0.8}, {0.8, 0.8})->p, 1.0);
  EXPECT_EQ(welch_t_test({0.9, 0.9}, {0.8, 0.8})->p, 0.0);
}

TEST(Summary, MeanSdAndIntervalMatchScipy) {
  const Summary s = summarize({0.81, 0.84, 0.83});
  EXPECT_EQ(s.n, 3u);
  EXPECT_NEAR(s.mean, 0.8266666666666667, 1e-12);
  EXPECT_NEAR(s.sd, 0.015275252316519453, 1e-12);
  EXPECT_NEAR(s.ci_low, 0.7887208363292721, 1e-9);
  EXPECT_NEAR(s.ci_high, 0.8646124970040612, 1e-9);
  const Summary one = summarize({0.5});
  EXPECT_EQ(one.mean, 0.5);
  EXPECT_TRUE(std::isnan(one.sd));
}

}  // namespace
}  // namespace aecnn::analysis
