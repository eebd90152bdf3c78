#include "sandbox/run_plan.h"

#include <algorithm>

namespace dbtpy::sandbox {
namespace {

std::chrono::steady_clock::duration secs(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(0.0, s)));
}

}  // namespace

bool is_terminal(Phase p) {
  return p == Phase::kSucceeded || p == Phase::kFailed || p == Phase::kCancelled ||
         p == Phase::kTimedOut;
}

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::kQueued:
      return "QUEUED";
    case Phase::kStarting:
      return "STARTING";
    case Phase::kRunning:
      return "RUNNING";
    case Phase::kCancelling:
      return "CANCELLING";
    case Phase::kSucceeded:
      return "SUCCEEDED";
    case Phase::kFailed:
      return "FAILED";
    case Phase::kCancelled:
      return "CANCELLED";
    case Phase::kTimedOut:
      return "TIMEDOUT";
  }
  return "UNKNOWN";
}

SteadyTime RunClock::started_running() const {
  return submitted + secs(plan.queue_seconds) + secs(plan.startup_seconds);
}

SteadyTime RunClock::terminal_time() const {
  SteadyTime natural = started_running() + secs(plan.run_seconds);
  if (timeout_seconds) natural = std::min(natural, submitted + secs(*timeout_seconds));
  if (cancel_requested && *cancel_requested < natural) {
    return *cancel_requested + secs(cancel_latency);
  }
  return natural;
}

Phase RunClock::phase_at(SteadyTime now) const {
  SteadyTime natural = started_running() + secs(plan.run_seconds);
  SteadyTime deadline = timeout_seconds ? submitted + secs(*timeout_seconds) : SteadyTime::max();
  SteadyTime end = std::min(natural, deadline);
  if (cancel_requested && *cancel_requested < end) {
    if (now >= *cancel_requested + secs(cancel_latency)) return Phase::kCancelled;
    if (now >= *cancel_requested) return Phase::kCancelling;
  }
  if (now >= end) {
    if (deadline < natural) return Phase::kTimedOut;
    return plan.fail ? Phase::kFailed : Phase::kSucceeded;
  }
  if (now < submitted + secs(plan.queue_seconds)) return Phase::kQueued;
  if (now < started_running()) return Phase::kStarting;
  return Phase::kRunning;
}

double RunClock::seconds_between(SteadyTime from, SteadyTime to) const {
  if (to <= from) return 0;
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace dbtpy::sandbox
