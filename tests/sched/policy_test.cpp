#include "aecnn/sched/policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>
#include <vector>

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

TEST(Policy, SmallTrialsBackfillWhileAGangWaits) {
  // Trial 0 takes worker 1; trial 1 needs both workers and waits; trial 2 fits worker 2.
  Policy policy({0, 1, 2}, {1, 2, 1}, {1, 2});
  ASSERT_TRUE(policy.next());
  auto backfilled = policy.next();
  ASSERT_TRUE(backfilled);
  EXPECT_EQ(backfilled->trial, 2);
  EXPECT_THAT(backfilled->workers, ElementsAre(2));
}

TEST(Policy, AWaitingGangIsNeverStarved) {
  // Worker 1 runs a long trial 0; trial 1 needs 2 workers; a stream of 1-worker trials follows.
  // With max_backfill 2, two of them may start on worker 2; then worker 2 is held for the gang.
  Policy policy({0, 1, 2, 3, 4, 5}, {1, 2, 1, 1, 1, 1}, {1, 2}, /*max_backfill=*/2);
  ASSERT_EQ(policy.next()->trial, 0);
  ASSERT_EQ(policy.next()->trial, 2);
  policy.trial_ended(2);
  ASSERT_EQ(policy.next()->trial, 3);
  policy.trial_ended(3);
  EXPECT_FALSE(policy.next());  // budget spent: worker 2 waits for the gang
  policy.trial_ended(0);
  auto gang = policy.next();
  ASSERT_TRUE(gang);
  EXPECT_EQ(gang->trial, 1);
  EXPECT_THAT(gang->workers, ElementsAre(1, 2));
  policy.trial_ended(1);
  EXPECT_EQ(policy.next()->trial, 4);  // a new wait, a new budget
}

TEST(Policy, DefaultBackfillBudgetIsOnePerWorker) {
  Policy policy({0, 1, 2, 3, 4, 5, 6}, {1, 3, 1, 1, 1, 1, 1}, {1, 2, 3});
  ASSERT_EQ(policy.next()->trial, 0);  // worker 1
  int backfills = 0;
  for (int round = 0; round < 6; ++round) {
    auto d = policy.next();
    if (!d) break;
    ++backfills;
    policy.trial_ended(d->trial);
  }
  EXPECT_EQ(backfills, 3);
}


// Workers 1, 2 on node 0 and 3, 4 on node 1.
NodeLayout two_nodes(std::vector<bool> exclusive) { return {{{1, 0}, {2, 0}, {3, 1}, {4, 1}}, std::move(exclusive)}; }

TEST(Policy, AnExclusiveTrialGetsAWholeIdleNodeAndHoldsItsOtherWorkers) {
  Policy policy({0, 1, 2}, {1, 1, 1}, {1, 2, 3, 4}, two_nodes({false, true, false}));
  auto a = policy.next();  // trial 0 on worker 1: node 0 is busy
  ASSERT_TRUE(a);
  auto b = policy.next();  // trial 1, exclusive: node 1 is idle
  ASSERT_TRUE(b);
  EXPECT_EQ(b->trial, 1);
  EXPECT_THAT(b->workers, ElementsAre(3));
  EXPECT_THAT(b->held, ElementsAre(4));
  auto c = policy.next();  // trial 2 gets worker 2, not the held worker 4
  ASSERT_TRUE(c);
  EXPECT_THAT(c->workers, ElementsAre(2));
  EXPECT_FALSE(policy.next());
  policy.trial_ended(1);  // workers 3 and 4 are free again
  policy.trial_ended(0);
  policy.trial_ended(2);
  EXPECT_TRUE(policy.all_done());
}

TEST(Policy, HeldWorkersAreFreedWithTheExclusiveTrial) {
  Policy policy({0, 1, 2}, {1, 2, 1}, {1, 2}, NodeLayout{{}, {true, false, false}});
  auto a = policy.next();
  ASSERT_TRUE(a);
  EXPECT_THAT(a->held, ElementsAre(2));
  EXPECT_FALSE(policy.next());  // nothing may use the held worker 2
  policy.trial_ended(0);
  auto gang = policy.next();  // the 2-rank trial needs both: the held one came back
  ASSERT_TRUE(gang);
  EXPECT_THAT(gang->workers, ElementsAre(1, 2));
}

TEST(Policy, AnExclusiveTrialWaitsUntilANodeIsWhollyIdle) {
  Policy busy({0, 1, 2, 3}, {1, 1, 1, 1}, {1, 2, 3, 4}, two_nodes({false, false, false, true}));
  busy.next();  // 0 -> worker 1
  busy.next();  // 1 -> worker 2
  busy.next();  // 2 -> worker 3: both nodes now have a busy worker
  EXPECT_FALSE(busy.next());  // trial 3 is exclusive: worker 4 is free but its node is not idle
  busy.trial_ended(0);
  EXPECT_FALSE(busy.next());  // node 0 still runs trial 1
  busy.trial_ended(1);
  auto d = busy.next();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->trial, 3);
  EXPECT_THAT(d->workers, ElementsAre(1));
  EXPECT_THAT(d->held, ElementsAre(2));
}

TEST(Policy, AnExclusiveGangTakesWholeNodes) {
  Policy policy({0}, {3}, {1, 2, 3, 4}, two_nodes({true}));
  auto d = policy.next();
  ASSERT_TRUE(d);
  EXPECT_THAT(d->workers, ElementsAre(1, 2, 3));
  EXPECT_THAT(d->held, ElementsAre(4));
  policy.trial_ended(0);
  EXPECT_TRUE(policy.all_done());
}

TEST(Policy, WithoutALayoutAllWorkersShareOneNode) {
  Policy policy({0, 1}, {1, 1}, {1, 2}, NodeLayout{{}, {false, true}});
  ASSERT_EQ(policy.next()->trial, 0);
  EXPECT_FALSE(policy.next());  // the exclusive trial needs the one node idle
  policy.trial_ended(0);
  auto d = policy.next();
  ASSERT_TRUE(d);
  EXPECT_THAT(d->held, ElementsAre(2));
}

TEST(Policy, PipeliningHandsBusyWorkersUpToDepthTrialsEach) {
  Policy policy({0, 1, 2, 3, 4, 5}, {1, 1, 1, 1, 1, 1}, {1, 2});
  policy.set_pipeline_depth(2);
  std::vector<std::pair<int, int>> given;  // trial, worker
  while (auto d = policy.next()) given.emplace_back(d->trial, d->workers.front());
  // Idle workers first, then one more each, the least loaded first; then nothing.
  EXPECT_THAT(given, ElementsAre(std::pair{0, 1}, std::pair{1, 2}, std::pair{2, 1}, std::pair{3, 2}));
  policy.trial_ended(0);  // worker 1 still holds trial 2: busy, one slot open
  auto e = policy.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->trial, 4);
  EXPECT_THAT(e->workers, ElementsAre(1));
  EXPECT_FALSE(policy.next());
  for (int trial : {1, 2, 3, 4}) policy.trial_ended(trial);
  auto f = policy.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->trial, 5);
  policy.trial_ended(5);
  EXPECT_TRUE(policy.all_done());
}

TEST(Policy, PipeliningNeverQueuesAGangOrAnExclusiveTrialBehindBusyWorkers) {
  NodeLayout layout;
  layout.exclusive = {false, false, true, false};
  Policy policy({0, 1, 2, 3}, {1, 2, 1, 1}, {1, 2}, layout);
  policy.set_pipeline_depth(4);
  auto a = policy.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->trial, 0);
  // The head (trial 1) needs two workers: worker 2 is free but alone, so trials behind it may
  // backfill it, and nothing is pipelined onto worker 1.
  auto b = policy.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->trial, 3);  // backfill: trial 2 is exclusive and worker 1 is busy
  EXPECT_FALSE(policy.next());
  policy.trial_ended(0);
  policy.trial_ended(3);
  auto gang = policy.next();
  ASSERT_TRUE(gang);
  EXPECT_EQ(gang->trial, 1);
  EXPECT_THAT(gang->workers, ElementsAre(1, 2));
  EXPECT_FALSE(policy.next());  // the exclusive trial waits for idle workers, not a queue slot
  policy.trial_ended(1);
  auto exclusive = policy.next();
  ASSERT_TRUE(exclusive);
  EXPECT_EQ(exclusive->trial, 2);
}

}  // namespace
}  // namespace aecnn::sched
