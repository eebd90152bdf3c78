#pragma once
// What the engine tells whoever shows the run to a user (the CLI's printer: dbt-style log
// lines, JSON events, the live progress line). The runner never prints; it calls these.
//
// Threading: model_started, model_finished, stopping and heartbeat are called one at a time,
// in the order the events happened, under the engine's lock: keep them quick and do not call
// back into the engine — except heartbeat(), which runs on the thread that called
// Engine::run() and may call Engine::interrupt() or abort_now(). remote_handle and
// remote_state come from engine workers as the platform reports them, concurrently with
// everything else. Default implementations ignore the event.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "runner/model_result.h"
#include "runner/run_plan.h"
#include "submitters/execution.h"

namespace dbtpy::runner {

struct Progress {
  size_t total = 0;
  size_t succeeded = 0;
  size_t failed = 0;
  size_t skipped = 0;
  size_t running = 0;
  size_t not_started = 0;
  std::map<std::string, size_t> remote_states;  // running models by the platform's last state
  std::chrono::milliseconds elapsed{0};
  StopReason stopping = StopReason::kNone;
  std::optional<std::chrono::milliseconds> cancel_wait_left;  // while waiting for cancels
};

class RunListener {
 public:
  virtual ~RunListener() = default;
  // `index` counts from 1 in the order models start or are skipped; `total` is the plan size.
  virtual void model_started(const PlannedModel&, int /*index*/, int /*total*/) {}
  virtual void remote_handle(const PlannedModel&, const submitters::RemoteHandle&) {}
  virtual void remote_state(const PlannedModel&, std::string_view /*step*/,
                            std::string_view /*state*/, std::string_view /*message*/) {}
  virtual void model_finished(const PlannedModel&, const ModelResult&, int /*total*/) {}
  // The run stops starting models (first failure under --fail-fast, or a signal) and cancels
  // the `in_flight` ones, waiting at most `wait` for the platforms to confirm.
  virtual void stopping(StopReason, int /*signal*/, size_t /*in_flight*/,
                        std::chrono::milliseconds /*wait*/) {}
  // About once a second, and whenever a model finishes.
  virtual void heartbeat(const Progress&) {}
};

}  // namespace dbtpy::runner
