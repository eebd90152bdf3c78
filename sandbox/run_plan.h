#pragma once
// What a simulated model run will do, decided once when the run is submitted (from the payload
// check and the behaviour rules), and where it stands at any moment. The state is a pure
// function of the clock, the plan, and the cancel/timeout times, so no thread has to drive a
// run forward: every status call simply asks `phase_at(now)`. Value types; not synchronized.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace dbtpy::sandbox {

using SteadyTime = std::chrono::steady_clock::time_point;

struct RunPlan {
  double queue_seconds = 0;    // waiting for capacity (QUEUED / Queued / PENDING)
  double startup_seconds = 0;  // cluster or session start (PENDING / SETUP_DONE)
  double run_seconds = 0.2;    // the model's own work (RUNNING)
  bool fail = false;
  std::string error_type;     // e.g. "ValueError", "SyntaxError"
  std::string error_message;  // e.g. "ValueError: boom" (the last traceback line)
  std::string traceback;      // full text, ending with error_message
  std::vector<std::string> stdout_lines;
  Json columns = Json::array();       // recorded with the relation on success
  std::optional<std::string> result;  // Snowflake procedure return value override
  std::string rule;                   // "sandbox.yml:12" or "default", for the request log
};

enum class Phase {
  kQueued,
  kStarting,
  kRunning,
  kCancelling,
  kSucceeded,
  kFailed,
  kCancelled,
  kTimedOut
};

bool is_terminal(Phase p);
const char* phase_name(Phase p);  // "QUEUED", ..., "TIMEDOUT"

struct RunClock {
  SteadyTime submitted;
  RunPlan plan;
  std::optional<SteadyTime> cancel_requested;
  std::optional<double> timeout_seconds;  // from submission; nullopt = none
  double cancel_latency = 0.05;

  Phase phase_at(SteadyTime now) const;
  // When the run reaches (or reached) its terminal phase, given no further cancel.
  SteadyTime terminal_time() const;
  // Seconds spent in each stage so far, for *_duration fields.
  double seconds_between(SteadyTime from, SteadyTime to) const;
  SteadyTime started_running() const;  // submitted + queue + startup
};

}  // namespace dbtpy::sandbox
