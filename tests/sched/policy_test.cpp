#include "aecnn/sched/policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aecnn::sched {
namespace {

using ::testing::ElementsAre;

TEST(Policy, HandsTrialsToFreeWorkersInQueueOrder) {
  Policy policy({0, 1, 2}, {1, 1, 1}, {1, 2});
  auto a = policy.next();
  auto b = policy.next();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->trial, 0);
  EXPECT_THAT(a->workers, ElementsAre(1));
  EXPECT_EQ(b->trial, 1);
  EXPECT_THAT(b->workers, ElementsAre(2));
  EXPECT_FALSE(policy.next());  // both busy
  EXPECT_EQ(policy.pending(), 1u);
}

TEST(Policy, WhicheverWorkerFinishesFirstGetsTheNextTrial) {
  Policy policy({0, 1, 2}, {1, 1, 1}, {1, 2});
  policy.next();
  policy.next();
  policy.trial_ended(1);  // worker 2 finished first: dynamic, not round robin
  auto c = policy.next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trial, 2);
  EXPECT_THAT(c->workers, ElementsAre(2));
  EXPECT_FALSE(policy.all_done());
  policy.trial_ended(0);
  policy.trial_ended(2);
  EXPECT_TRUE(policy.all_done());
}

TEST(Policy, RunsOnlyTheTrialsListed) {
  Policy policy({2}, {1, 1, 1}, {1});  // trials 0 and 1 were done before a resume
  auto d = policy.next();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->trial, 2);
  policy.trial_ended(2);
  EXPECT_TRUE(policy.all_done());
}

TEST(Policy, ATrialNeedingSeveralWorkersWaitsUntilThatManyAreFree) {
  Policy policy({0, 1}, {1, 2}, {1, 2});
  ASSERT_TRUE(policy.next());
  EXPECT_FALSE(policy.next());  // trial 1 needs 2, one is busy
  policy.trial_ended(0);
  auto gang = policy.next();
  ASSERT_TRUE(gang);
  EXPECT_THAT(gang->workers, ElementsAre(1, 2));
}

}  // namespace
}  // namespace aecnn::sched
