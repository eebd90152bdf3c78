#pragma once
// The run engine: runs a RunPlan's models on their platforms, upstream before downstream,
// at most `threads` at once, through the submitters' resumable Executions.
//
// Threads. The thread that calls run() is the dispatcher: it starts models as the DAG allows,
// keeps the timer queue (when each waiting Execution is due again), fires per-model
// timeouts, reacts to --fail-fast and signals, and wakes once a second for the progress
// line. A small fixed pool of workers (default min(threads, 16)) calls advance() on
// Executions that are due — each call is one bounded step, at most one HTTP exchange — so a
// thousand models waiting on remote jobs cost a thousand heap entries, not a thousand
// threads. Waiting Executions are re-checked after PollingPolicy's delay.
//
// Stopping. A model whose `timeout` passes is cancelled (CancelReason::kTimeout) and fails
// saying so; if its cancellation is not confirmed within `timeout_grace`, the engine stops
// waiting for it (the ledger keeps it open for `dbtpy cancel`). Under --fail-fast the first
// failed model stops the run: nothing new starts, every model in flight is cancelled. A
// signal (interrupt()) does the same with CancelReason::kSignal. Either way the engine waits
// at most `cancel_wait` for the platforms to confirm, then returns; models still in flight
// are reported as unsettled (may still be running). abort_now() returns without waiting.
//
// Thread-safety: run() once per Engine. interrupt() and abort_now() may be called from any
// thread (not from a signal handler), including from the listener's heartbeat(); in_flight()
// from any thread but the listener's callbacks. The destructor joins the workers, so it waits
// for an advance() in progress to return.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "runner/dag_scheduler.h"
#include "runner/engine_clock.h"
#include "runner/model_result.h"
#include "runner/polling_policy.h"
#include "runner/run_ledger.h"
#include "runner/run_listener.h"
#include "runner/run_plan.h"
#include "runner/timer_queue.h"
#include "submitters/execution.h"

namespace dbtpy::runner {

using SteadyTime = std::chrono::steady_clock::time_point;

struct EngineOptions {
  int threads = 1;  // models in flight (dbt's --threads)
  int workers = 0;  // advance() calls in parallel; 0 = min(threads, 16)
  PollingPolicy polling;
  bool fail_fast = false;
  // After a signal or --fail-fast: how long to wait for the platforms to confirm cancels.
  std::chrono::milliseconds cancel_wait{30'000};
  // After a model's timeout fired: how long its cancellation may take before the engine
  // stops waiting for it.
  std::chrono::milliseconds timeout_grace{120'000};
  std::chrono::milliseconds heartbeat{1'000};
  const EngineClock* clock = nullptr;  // required
};

// Creates the Execution of one model; `observer` outlives it. May throw (the model fails).
using ExecutionFactory = std::function<std::unique_ptr<submitters::Execution>(
    const PlannedModel& model, submitters::ExecutionObserver& observer)>;

struct RunOutcome {
  std::vector<ModelResult> results;  // parallel to RunPlan::models
  StopReason stopped = StopReason::kNone;
  int signal = 0;        // the signal that interrupted the run, or 0
  bool aborted = false;  // abort_now(): returned without waiting for cancellations
  std::chrono::system_clock::time_point started_at, completed_at;
  double elapsed_seconds = 0;

  size_t count(ResultStatus status) const;
  size_t unsettled() const;  // models whose remote work may still be running
};

// A model in flight, for the message printed when the user stops waiting.
struct InFlight {
  std::string unique_id;
  std::vector<submitters::RemoteHandle> handles;
};

class Engine {
 public:
  // `ledger` and `listener` may be null; both, and the factory's captures, outlive the Engine.
  Engine(EngineOptions options, ExecutionFactory factory, RunLedger* ledger, RunListener* listener);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  RunOutcome run(const RunPlan& plan);

  void interrupt(int signal);  // the first call counts; later ones are ignored
  void abort_now();
  std::vector<InFlight> in_flight() const;

 private:
  class ModelObserver;
  enum class Phase { kIdle, kReady, kAdvancing, kWaiting, kFinal };
  struct Running;

  void worker_loop();
  void start_models(SteadyTime now);
  void start_model(size_t model, SteadyTime now);
  void on_advanced(size_t model, const submitters::Next& next, const std::string* error,
                   SteadyTime now);
  void finish_model(size_t model, const submitters::Outcome& outcome, SteadyTime now);
  void fail_model(size_t model, std::string message, bool settled);
  void finalize(size_t model);
  void record_skips(const std::vector<DagScheduler::Skip>& skips);
  void stop(StopReason reason, int signal, SteadyTime now);
  void cancel_model(size_t model, submitters::CancelReason reason);
  void make_ready(size_t model);
  void check_deadlines(SteadyTime now);
  std::string cancel_message(const submitters::Outcome& outcome, size_t model) const;
  void abandon_in_flight(const std::string& why);
  void wake_dispatcher();
  Progress progress(SteadyTime now) const;
  SteadyTime next_wake(SteadyTime now) const;

  EngineOptions options_;
  ExecutionFactory factory_;
  RunLedger* ledger_;
  RunListener* listener_;
  RunListener null_listener_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // workers: an Execution is ready
  std::condition_variable loop_cv_;  // dispatcher: something changed
  const RunPlan* plan_ = nullptr;
  std::unique_ptr<DagScheduler> scheduler_;
  std::vector<std::unique_ptr<Running>> running_;  // per model; null until started
  std::vector<ModelResult> results_;
  std::deque<size_t> ready_;
  TimerQueue timers_;
  std::vector<bool> slots_;  // concurrency lanes in use (thread_id)
  size_t in_flight_ = 0;
  size_t busy_ = 0;
  int next_index_ = 0;
  int next_completion_ = 0;
  bool stop_workers_ = false;
  StopReason stopped_ = StopReason::kNone;
  int signal_ = 0;
  // Set without the lock by interrupt()/abort_now() when they run on the dispatcher thread
  // (from a heartbeat callback); read by the dispatcher every iteration.
  std::atomic<int> pending_signal_{0};
  std::atomic<bool> abort_{false};
  std::thread::id dispatcher_;
  bool progress_changed_ = false;  // a model finished: heartbeat at the next iteration
  std::optional<SteadyTime> cancel_deadline_;
  std::string fail_fast_cause_;  // unique_id of the failure that stopped the run
  struct Deadline {
    SteadyTime at;
    size_t model = 0;
    bool give_up = false;  // false: the model's timeout; true: the end of its timeout_grace
    bool operator>(const Deadline& o) const { return at > o.at; }
  };
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  SteadyTime started_steady_{};
  SteadyTime next_heartbeat_{};
  std::vector<std::thread> workers_;
};

}  // namespace dbtpy::runner
