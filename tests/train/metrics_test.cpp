#include "aecnn/train/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aecnn::train {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

TEST(ClassificationMetrics, MatchesAHandComputedThreeClassCase) {
  // rows = true class, columns = predicted
  //        p0 p1 p2
  // t0:     5  1  0   support 6
  // t1:     2  3  1   support 6
  // t2:     0  0  4   support 4
  const auto m = classification_metrics({5, 1, 0, 2, 3, 1, 0, 0, 4}, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 12.0 / 16.0);
  EXPECT_THAT(m.precision, ElementsAre(DoubleNear(5.0 / 7, 1e-12), DoubleNear(3.0 / 4, 1e-12), DoubleNear(4.0 / 5, 1e-12)));
  EXPECT_THAT(m.recall, ElementsAre(DoubleNear(5.0 / 6, 1e-12), DoubleNear(3.0 / 6, 1e-12), DoubleNear(1.0, 1e-12)));
  const double f1_0 = 2 * (5.0 / 7) * (5.0 / 6) / (5.0 / 7 + 5.0 / 6);
  EXPECT_NEAR(m.f1[0], f1_0, 1e-12);
  EXPECT_THAT(m.support, ElementsAre(6, 6, 4));
  EXPECT_NEAR(m.precision_weighted, (6 * 5.0 / 7 + 6 * 0.75 + 4 * 0.8) / 16, 1e-12);
}

TEST(ClassificationMetrics, WeightedRecallEqualsAccuracy) {
  const std::vector<std::vector<std::int64_t>> matrices = {
      {5, 1, 0, 2, 3, 1, 0, 0, 4}, {1, 0, 0, 0, 0, 9, 7, 7, 7}, {0, 0, 0, 0, 3, 1, 2, 0, 8}};
  for (const auto& confusion : matrices) {
    const auto m = classification_metrics(confusion, 3);
    EXPECT_NEAR(m.recall_weighted, m.accuracy, 1e-12);
  }
}

TEST(ClassificationMetrics, UnpredictedAndAbsentClassesScoreZero) {
  // Class 1 is never predicted (precision 0, sklearn zero_division=0); class 2 never occurs.
  const auto m = classification_metrics({3, 0, 1, 2, 0, 0, 0, 0, 0}, 3);
  EXPECT_EQ(m.precision[1], 0.0);
  EXPECT_EQ(m.recall[1], 0.0);
  EXPECT_EQ(m.f1[1], 0.0);
  EXPECT_EQ(m.recall[2], 0.0);
  EXPECT_EQ(m.support[2], 0);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
}

TEST(ClassificationMetrics, PerfectPredictionsScoreOne) {
  const auto m = classification_metrics({4, 0, 0, 5}, 2);
  EXPECT_EQ(m.f1_weighted, 1.0);
  EXPECT_EQ(m.precision_weighted, 1.0);
}

}  // namespace
}  // namespace aecnn::train
