#pragma once
// How long the engine waits before asking a platform again whether remote work has ended.
//
// Why proportional to elapsed time: a job that has run for t seconds is, on average, still
// far from its end in proportion to t, and the price of a late check is also best measured
// relative to t. Checking after `ratio * t` keeps the detection delay at most `ratio` of the
// job's own duration (10 % by default: a 1 s job is noticed within 100 ms, a 3 s job within
// 300 ms, median about half of that) while the number of requests grows only with log(t).
// The floor keeps the first checks quick without hammering the API; the cap keeps a job that
// ends after an hour from being noticed minutes late (dbt-starrocks' 600 s cap noticed a job
// ending at minute 9 at minute 18), at the cost of dbt-databricks' steady 10 s polling once a
// job has run for more than `max_interval / ratio` (100 s).
//
// Requests for one followed job with the defaults: one per 100 ms during the first second,
// then 10·ln(t / 1 s) up to t = 100 s, then one per 10 s: ~21 requests for a 3 s job, ~56
// for 100 s, ~400 for an hour.
//
// A value type; delay() is a pure function (thread-safe).
#include <chrono>

#include "submitters/execution.h"

namespace dbtpy::runner {

struct PollingPolicy {
  std::chrono::milliseconds min_interval{100};
  double ratio = 0.1;
  std::chrono::milliseconds max_interval{10'000};

  // The wait before the next status check of work followed for `remote_elapsed`.
  std::chrono::milliseconds delay(std::chrono::milliseconds remote_elapsed) const;

  // The wait the engine applies to an Execution that returned kPoll: its own delay, or
  // longer when the platform asked for it (Retry-After, a cluster start).
  std::chrono::milliseconds delay_for(const submitters::Next& next) const;
};

}  // namespace dbtpy::runner
