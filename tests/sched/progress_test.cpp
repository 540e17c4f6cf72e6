#include "aecnn/sched/progress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aecnn::sched {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Progress, CountsTrialsThroughTheirLives) {
  Progress p(5, /*already_done=*/1, /*epochs_to_run=*/4 * 10);
  EXPECT_EQ(p.pending(), 4);
  p.started("s-0001", "1", 10, 0);
  p.started("s-0002", "2,3", 10, 4);  // continues after epoch 4
  EXPECT_EQ(p.pending(), 2);
  EXPECT_THAT(p.running_lines(), ElementsAre("s-0001 epoch 0/10 on rank 1", "s-0002 epoch 4/10 on ranks 2,3"));
  p.epoch("s-0002", 5);
  EXPECT_THAT(p.running_lines()[1], "s-0002 epoch 5/10 on ranks 2,3");
  p.ended("s-0001", Progress::End::kRetry);  // back in the queue
  EXPECT_EQ(p.pending(), 3);
  EXPECT_EQ(p.failed(), 0);
  p.ended("s-0002", Progress::End::kDone);
  EXPECT_EQ(p.done(), 2);
  p.started("s-0001", "1", 10, 0);
  p.ended("s-0001", Progress::End::kFailed);
  EXPECT_EQ(p.failed(), 1);
  p.started("s-0003", "1", 10, 0);
  p.ended("s-0003", Progress::End::kInterrupted);
  EXPECT_EQ(p.pending(), 1);
  EXPECT_THAT(p.summary(61), HasSubstr("2/5 done, 0 running, 1 pending, 1 failed, 1m01s elapsed"));
  EXPECT_THAT(p.summary(61), HasSubstr("1 interrupted"));
}

TEST(Progress, TheEtaComesFromTheEpochRateOfThisRun) {
  Progress p(3, 0, 3 * 4);
  EXPECT_FALSE(p.eta_seconds(10).has_value());
  EXPECT_THAT(p.summary(10), HasSubstr("ETA --"));
  p.started("a", "1", 4, 0);
  p.started("b", "2", 4, 0);
  p.epoch("a", 1);
  p.epoch("b", 1);
  // 2 epochs in 20 s, 10 left: 100 s.
  EXPECT_DOUBLE_EQ(*p.eta_seconds(20), 100);
  EXPECT_THAT(p.summary(20), HasSubstr("ETA ~1m40s"));
  // Early stopping ends a trial with epochs unrun: they leave the estimate.
  p.ended("a", Progress::End::kDone);
  EXPECT_DOUBLE_EQ(*p.eta_seconds(20), 70);
}

TEST(Progress, DurationsReadAsAPersonWritesThem) {
  EXPECT_EQ(format_duration(0), "0m00s");
  EXPECT_EQ(format_duration(192), "3m12s");
  EXPECT_EQ(format_duration(3900), "1h05m");
}

}  // namespace
}  // namespace aecnn::sched
