// The DAG bookkeeping: readiness in plan order, transitive skipping on failure, stopping.
#include "runner/dag_scheduler.h"

#include <gtest/gtest.h>

#include "tests/runner/fake_execution.h"

namespace dbtpy::runner {
namespace {

std::vector<size_t> take_all(DagScheduler& s) {
  std::vector<size_t> out;
  while (auto m = s.take_ready())
    out.push_back(*m);
  return out;
}

TEST(DagScheduler, RootsAreReadyInPlanOrder) {
  auto h = testing::make_plan(4, {{0, 2}, {1, 3}});
  DagScheduler s(h.plan);
  EXPECT_EQ(take_all(s), (std::vector<size_t>{0, 1}));
  EXPECT_FALSE(s.has_ready());
}

TEST(DagScheduler, AChildWaitsForEveryParent) {
  auto h = testing::make_plan(3, {{0, 2}, {1, 2}});
  DagScheduler s(h.plan);
  take_all(s);
  EXPECT_TRUE(s.finished(0, true).empty());
  EXPECT_FALSE(s.has_ready());
  s.finished(1, true);
  EXPECT_EQ(take_all(s), (std::vector<size_t>{2}));
  s.finished(2, true);
  EXPECT_TRUE(s.all_final());
}

TEST(DagScheduler, FailureSkipsEveryDescendantOnce) {
  // 0 -> 1 -> 3, 0 -> 2 -> 3, 3 -> 4, 5 independent, 2 -> 6 <- 5
  auto h = testing::make_plan(7, {{0, 1}, {1, 3}, {0, 2}, {2, 3}, {3, 4}, {2, 6}, {5, 6}});
  DagScheduler s(h.plan);
  EXPECT_EQ(take_all(s), (std::vector<size_t>{0, 5}));
  auto skipped = s.finished(0, false);
  std::vector<size_t> ids;
  for (auto sk : skipped) {
    ids.push_back(sk.model);
    EXPECT_EQ(sk.because_of, 0u);
  }
  EXPECT_EQ(ids, (std::vector<size_t>{1, 2, 3, 4, 6}));
  EXPECT_FALSE(s.all_final());
  s.finished(5, true);
  EXPECT_FALSE(s.has_ready());  // 6 was skipped, not made ready
  EXPECT_TRUE(s.all_final());
}

TEST(DagScheduler, StoppingSkipsWhatHasNotStarted) {
  auto h = testing::make_plan(4, {{0, 1}});
  DagScheduler s(h.plan);
  ASSERT_EQ(s.take_ready(), 0u);
  EXPECT_EQ(s.skip_not_started(), (std::vector<size_t>{1, 2, 3}));
  EXPECT_FALSE(s.has_ready());
  EXPECT_EQ(s.not_started(), 0u);
  s.finished(0, true);
  EXPECT_FALSE(s.has_ready());
  EXPECT_TRUE(s.all_final());
}

TEST(DagScheduler, DuplicateUpstreamEntriesCountOnce) {
  auto h = testing::make_plan(2, {{0, 1}, {0, 1}});
  DagScheduler s(h.plan);
  take_all(s);
  s.finished(0, true);
  EXPECT_EQ(take_all(s), (std::vector<size_t>{1}));
}

}  // namespace
}  // namespace dbtpy::runner
