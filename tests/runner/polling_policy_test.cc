// The polling cadence: quick first checks, proportional back-off, a cap, the platform's own
// Retry-After; and what that costs in requests and detection delay.
#include "runner/polling_policy.h"

#include <gtest/gtest.h>

namespace dbtpy::runner {
namespace {

using namespace std::chrono_literals;

TEST(PollingPolicy, FirstChecksAreQuick) {
  PollingPolicy p;
  EXPECT_EQ(p.delay(0ms), 100ms);
  EXPECT_EQ(p.delay(500ms), 100ms);
  EXPECT_EQ(p.delay(-5ms), 100ms);
}

TEST(PollingPolicy, BacksOffInProportionToElapsedTimeUpToTheCap) {
  PollingPolicy p;
  EXPECT_EQ(p.delay(3'000ms), 300ms);
  EXPECT_EQ(p.delay(60'000ms), 6'000ms);
  EXPECT_EQ(p.delay(100'000ms), 10'000ms);
  EXPECT_EQ(p.delay(std::chrono::hours(30)), 10'000ms);
  EXPECT_EQ(p.delay(std::chrono::milliseconds::max()), 10'000ms);
}

TEST(PollingPolicy, ThePlatformMayAskForMore) {
  PollingPolicy p;
  submitters::Next n{submitters::Next::Kind::kPoll, 2'000ms, 1'000ms};
  EXPECT_EQ(p.delay_for(n), 2'000ms);
  n.not_before = 0ms;
  EXPECT_EQ(p.delay_for(n), 100ms);
}

TEST(PollingPolicy, ConfigurableAndNeverZero) {
  PollingPolicy p{0ms, 0.5, 0ms};
  EXPECT_EQ(p.delay(0ms), 1ms);
  EXPECT_EQ(p.delay(10'000ms), 1ms);  // the cap cannot be below the floor
  PollingPolicy q{50ms, 0.2, 2'000ms};
  EXPECT_EQ(q.delay(1'000ms), 200ms);
  EXPECT_EQ(q.delay(60'000ms), 2'000ms);
}

// Simulates following a job of `duration`: how many checks, and how late its end is seen.
struct Cost {
  int checks = 0;
  std::chrono::milliseconds lag{0};
};
Cost follow(const PollingPolicy& p, std::chrono::milliseconds duration) {
  Cost c;
  std::chrono::milliseconds t{0};
  while (true) {
    t += p.delay(t);
    ++c.checks;
    if (t >= duration) {
      c.lag = t - duration;
      return c;
    }
  }
}

TEST(PollingPolicy, ShortJobsAreNoticedWithinATenthOfTheirDuration) {
  PollingPolicy p;
  for (auto d : {500ms, 1'000ms, 1'750ms, 3'000ms}) {
    Cost c = follow(p, d);
    EXPECT_LE(c.lag, std::max(100ms, d / 10)) << d.count();
    EXPECT_LE(c.checks, 25) << d.count();
  }
}

TEST(PollingPolicy, LongJobsCostFewRequests) {
  PollingPolicy p;
  Cost hour = follow(p, std::chrono::hours(1));
  EXPECT_LE(hour.checks, 410);  // a fixed 10 s interval costs 360
  EXPECT_LE(hour.lag, 10'000ms);
  Cost ten_minutes = follow(p, std::chrono::minutes(10));
  EXPECT_LE(ten_minutes.checks, 110);
}

}  // namespace
}  // namespace dbtpy::runner
