#include "runner/engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace dbtpy::runner {

using submitters::CancelReason;
using submitters::FinalStatus;

size_t RunOutcome::count(ResultStatus status) const {
  return static_cast<size_t>(std::count_if(
      results.begin(), results.end(), [&](const ModelResult& r) { return r.status == status; }));
}

size_t RunOutcome::unsettled() const {
  return static_cast<size_t>(std::count_if(results.begin(), results.end(),
                                           [](const ModelResult& r) { return !r.settled; }));
}

namespace {

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return fmt::format("signal {}", signal);
  }
}

std::string seconds_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{}s", d.count() / 1000);
  return fmt::format("{:.3g}s", static_cast<double>(d.count()) / 1000.0);
}

// Appends the platform's own words to the engine's explanation, unless they add nothing.
std::string with_detail(std::string head, const std::string& detail) {
  if (!detail.empty() && detail != head) head += "\n" + detail;
  return head;
}

}  // namespace

// Forwards what an Execution reports: first to the ledger (synchronously, so the record
// exists before the effect can be lost), then to the listener. Keeps the model's handles and
// last remote state for the progress line and for listing what may still be running. Never
// takes the engine's lock (cancel() may call it while the engine holds that lock).
class Engine::ModelObserver final : public submitters::ExecutionObserver {
 public:
  ModelObserver(const PlannedModel& model, RunLedger* ledger, RunListener* listener)
      : model_(model), ledger_(ledger), listener_(listener) {}

  void before_send(std::string_view step, const Json& request_summary) override {
    if (ledger_)
      ledger_->append("before_send",
                      {{"unique_id", model_.unique_id},
                       {"step", std::string(step)},
                       {"request", request_summary}},
                      /*sync=*/true);
  }

  void handle_created(const submitters::RemoteHandle& handle) override {
    {
      std::lock_guard lock(mu_);
      // A handle reported again (more became known, e.g. its run page URL) supersedes the
      // earlier record.
      auto same = std::find_if(handles_.begin(), handles_.end(), [&](const auto& h) {
        return h.step == handle.step && h.id == handle.id;
      });
      if (same != handles_.end())
        *same = handle;
      else
        handles_.push_back(handle);
    }
    if (ledger_)
      ledger_->append("handle",
                      {{"unique_id", model_.unique_id},
                       {"step", handle.step},
                       {"kind", handle.kind},
                       {"id", handle.id},
                       {"url", handle.url},
                       {"detail", handle.detail}},
                      /*sync=*/true);
    listener_->remote_handle(model_, handle);
  }

  void remote_state(std::string_view step, std::string_view state,
                    std::string_view message) override {
    {
      std::lock_guard lock(mu_);
      state_ = std::string(state);
    }
    if (ledger_)
      ledger_->append("state", {{"unique_id", model_.unique_id},
                                {"step", std::string(step)},
                                {"state", std::string(state)},
                                {"message", std::string(message)}});
    listener_->remote_state(model_, step, state, message);
  }

  void cleanup(std::string_view step, const Json& request, bool done) override {
    if (ledger_)
      ledger_->append("cleanup",
                      {{"unique_id", model_.unique_id},
                       {"step", std::string(step)},
                       {"request", request},
                       {"done", done}},
                      /*sync=*/true);
  }

  std::vector<submitters::RemoteHandle> handles() const {
    std::lock_guard lock(mu_);
    return handles_;
  }
  std::string state() const {
    std::lock_guard lock(mu_);
    return state_;
  }

 private:
  const PlannedModel& model_;
  RunLedger* ledger_;
  RunListener* listener_;
  mutable std::mutex mu_;
  std::vector<submitters::RemoteHandle> handles_;
  std::string state_;
};

struct Engine::Running {
  std::unique_ptr<ModelObserver> observer;
  std::unique_ptr<submitters::Execution> execution;
  Phase phase = Phase::kIdle;
  uint64_t generation = 0;  // current timer entry
  SteadyTime started{};
  std::optional<CancelReason> cancelled;
  SteadyTime cancelled_at{};
  bool timed_out = false;
  bool wake_after_advance = false;  // cancelled while advancing: advance again at once
};

Engine::Engine(EngineOptions options, ExecutionFactory factory, RunLedger* ledger,
               RunListener* listener)
    : options_(std::move(options)),
      factory_(std::move(factory)),
      ledger_(ledger),
      listener_(listener ? listener : &null_listener_) {
  if (!options_.clock) throw std::invalid_argument("Engine: a clock is required");
  if (!factory_) throw std::invalid_argument("Engine: an execution factory is required");
  options_.threads = std::max(1, options_.threads);
  if (options_.workers <= 0) options_.workers = std::min(options_.threads, 16);
  if (options_.heartbeat <= std::chrono::milliseconds(0))
    options_.heartbeat = std::chrono::milliseconds(1000);
}

Engine::~Engine() {
  {
    std::lock_guard lock(mu_);
    stop_workers_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
}

void Engine::interrupt(int signal) {
  int none = 0;
  pending_signal_.compare_exchange_strong(none, signal);
  wake_dispatcher();
}

void Engine::abort_now() {
  abort_ = true;
  wake_dispatcher();
}

void Engine::wake_dispatcher() {
  // The dispatcher reads the flags at the top of every iteration; called on its own thread
  // (a heartbeat callback, under the lock) there is nothing to wake. From any other thread,
  // taking the lock once orders the flag before the dispatcher's next wait, so the
  // notification cannot be lost.
  if (std::this_thread::get_id() == dispatcher_) return;
  { std::lock_guard lock(mu_); }
  loop_cv_.notify_all();
}

std::vector<InFlight> Engine::in_flight() const {
  std::lock_guard lock(mu_);
  std::vector<InFlight> out;
  for (size_t m = 0; m < running_.size(); ++m) {
    const Running* r = running_[m].get();
    if (!r || r->phase == Phase::kFinal || !r->observer) continue;
    out.push_back({plan_->models[m].unique_id, r->observer->handles()});
  }
  return out;
}

RunOutcome Engine::run(const RunPlan& plan) {
  std::unique_lock lock(mu_);
  if (plan_) throw std::logic_error("Engine::run may be called once");
  plan_ = &plan;
  scheduler_ = std::make_unique<DagScheduler>(plan);
  const size_t n = plan.models.size();
  running_.resize(n);
  results_.assign(n, ModelResult{});
  slots_.assign(static_cast<size_t>(options_.threads), false);

  const EngineClock& clock = *options_.clock;
  RunOutcome out;
  out.started_at = clock.now();
  started_steady_ = clock.steady_now();
  next_heartbeat_ = started_steady_ + options_.heartbeat;
  dispatcher_ = std::this_thread::get_id();
  for (int i = 0; i < options_.workers; ++i)
    workers_.emplace_back([this] { worker_loop(); });

  while (true) {
    const SteadyTime now = clock.steady_now();
    if (progress_changed_ || now >= next_heartbeat_) {
      progress_changed_ = false;
      listener_->heartbeat(progress(now));
      while (next_heartbeat_ <= now)
        next_heartbeat_ += options_.heartbeat;
    }
    if (abort_) {
      const int sig = signal_ ? signal_ : pending_signal_.load();
      abandon_in_flight(
          sig ? fmt::format("Interrupted again ({}): dbtpy stopped waiting", signal_name(sig))
              : std::string("dbtpy stopped waiting"));
      if (signal_ == 0 && sig != 0) {
        stopped_ = StopReason::kSignal;
        signal_ = sig;
      }
      break;
    }
    if (const int sig = pending_signal_.load(); sig != 0 && signal_ == 0) {
      if (stopped_ == StopReason::kNone) {
        stop(StopReason::kSignal, sig, now);
      } else {
        // Already stopping for --fail-fast: the signal only changes how the run is reported.
        stopped_ = StopReason::kSignal;
        signal_ = sig;
      }
    }
    start_models(now);
    while (auto due = timers_.pop_due(now)) {
      Running* r = running_[due->model].get();
      if (r && r->phase == Phase::kWaiting && r->generation == due->generation)
        make_ready(due->model);
    }
    check_deadlines(now);
    if (cancel_deadline_ && now >= *cancel_deadline_ && in_flight_ > 0) {
      abandon_in_flight(
          stopped_ == StopReason::kSignal
              ? fmt::format("Interrupted ({}): the platform did not confirm the cancellation "
                            "within {}",
                            signal_name(signal_), seconds_text(options_.cancel_wait))
              : fmt::format("Cancelled by --fail-fast after {} failed, but the platform did not "
                            "confirm the cancellation within {}",
                            fail_fast_cause_, seconds_text(options_.cancel_wait)));
    }
    if (in_flight_ == 0 && scheduler_->all_final()) {
      listener_->heartbeat(progress(now));
      break;
    }
    if (progress_changed_) continue;
    clock.wait_until(loop_cv_, lock, next_wake(now), busy_ == 0 && ready_.empty());
  }

  stop_workers_ = true;
  work_cv_.notify_all();
  // Workers still inside advance() (abandoned models) are joined by the destructor.
  const bool join_now = busy_ == 0;
  out.results = results_;
  out.stopped = stopped_;
  out.signal = signal_;
  out.aborted = abort_;
  out.completed_at = clock.now();
  out.elapsed_seconds = std::chrono::duration<double>(clock.steady_now() - started_steady_).count();
  lock.unlock();
  if (join_now) {
    for (auto& t : workers_)
      if (t.joinable()) t.join();
  }
  return out;
}

void Engine::worker_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stop_workers_ || !ready_.empty(); });
    if (stop_workers_) return;
    const size_t m = ready_.front();
    ready_.pop_front();
    Running* r = running_[m].get();
    if (!r || r->phase != Phase::kReady) continue;
    r->phase = Phase::kAdvancing;
    ++busy_;
    submitters::Execution* execution = r->execution.get();
    lock.unlock();

    submitters::Next next;
    std::optional<std::string> error;
    try {
      next = execution->advance();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }

    lock.lock();
    --busy_;
    on_advanced(m, next, error ? &*error : nullptr, options_.clock->steady_now());
    loop_cv_.notify_one();
  }
}

void Engine::start_models(SteadyTime now) {
  if (stopped_ != StopReason::kNone) return;
  while (in_flight_ < static_cast<size_t>(options_.threads) && scheduler_->has_ready()) {
    const auto m = scheduler_->take_ready();
    if (!m) break;
    start_model(*m, now);
  }
}

void Engine::start_model(size_t m, SteadyTime now) {
  const PlannedModel& model = plan_->models[m];
  auto running = std::make_unique<Running>();
  running->started = now;
  ModelResult& result = results_[m];
  result.index = ++next_index_;
  result.started_at = options_.clock->now();
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (!slots_[s]) {
      slots_[s] = true;
      result.slot = static_cast<int>(s) + 1;
      break;
    }
  }
  Running& r = *running;
  running_[m] = std::move(running);
  ++in_flight_;
  listener_->model_started(model, result.index, static_cast<int>(plan_->models.size()));

  if (!model.payload) {
    fail_model(m, model.error.empty() ? "the model could not be compiled" : model.error, true);
    return;
  }
  try {
    if (ledger_) ledger_->append("model_started", {{"unique_id", model.unique_id}});
  } catch (const std::exception& e) {
    fail_model(m, std::string("not started: ") + e.what(), true);
    return;
  }
  r.observer = std::make_unique<ModelObserver>(model, ledger_, listener_);
  try {
    r.execution = factory_(model, *r.observer);
  } catch (const std::exception& e) {
    fail_model(m, e.what(), true);
    return;
  }
  if (!r.execution) {
    fail_model(m, "internal error: no execution was created for the model", true);
    return;
  }
  if (model.timeout) deadlines_.push({now + *model.timeout, m, false});
  make_ready(m);
}

void Engine::make_ready(size_t m) {
  Running& r = *running_[m];
  r.phase = Phase::kReady;
  ++r.generation;  // any timer entry still in the queue is now stale
  ready_.push_back(m);
  work_cv_.notify_one();
}

void Engine::on_advanced(size_t m, const submitters::Next& next, const std::string* error,
                         SteadyTime now) {
  Running& r = *running_[m];
  if (r.phase == Phase::kFinal) return;  // the engine stopped waiting for it meanwhile
  const bool wake = r.wake_after_advance;
  r.wake_after_advance = false;
  if (error) {
    fail_model(m,
               "internal error while running the model: " + *error +
                   "\nits remote work may still be running",
               /*settled=*/false);
    return;
  }
  switch (next.kind) {
    case submitters::Next::Kind::kDone:
      finish_model(m, r.execution->outcome(), now);
      return;
    case submitters::Next::Kind::kContinue:
      make_ready(m);
      return;
    case submitters::Next::Kind::kPoll:
      if (wake) {
        make_ready(m);  // a cancel arrived during the step: send it now, not after the delay
        return;
      }
      r.phase = Phase::kWaiting;
      ++r.generation;
      if (r.cancelled) {
        // Confirming a cancellation (and running the cleanups after it) is short work whatever
        // the job's age: poll it as a job that started when the cancel was requested, so a
        // 30 s cancel wait is not spent in one 10 s gap of a long job's schedule.
        submitters::Next since_cancel = next;
        since_cancel.remote_elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - r.cancelled_at);
        timers_.push(now + options_.polling.delay_for(since_cancel), m, r.generation);
      } else {
        timers_.push(now + options_.polling.delay_for(next), m, r.generation);
      }
      return;
  }
}

std::string Engine::cancel_message(const submitters::Outcome& outcome, size_t m) const {
  const Running& r = *running_[m];
  const PlannedModel& model = plan_->models[m];
  if (r.timed_out && model.timeout) {
    const long long secs = std::chrono::duration_cast<std::chrono::seconds>(*model.timeout).count();
    return with_detail(fmt::format("Timed out after {} (model config `timeout: {}`); the "
                                   "remote work was cancelled.",
                                   seconds_text(*model.timeout), secs),
                       outcome.message);
  }
  if (r.cancelled == CancelReason::kFailFast)
    return with_detail(fmt::format("Cancelled by --fail-fast after {} failed.", fail_fast_cause_),
                       outcome.message);
  if (r.cancelled == CancelReason::kSignal)
    return with_detail(
        fmt::format("Cancelled: the run was interrupted ({}).", signal_name(signal_)),
        outcome.message);
  return outcome.message.empty() ? std::string("The remote work was cancelled.") : outcome.message;
}

void Engine::finish_model(size_t m, const submitters::Outcome& outcome, SteadyTime /*now*/) {
  Running& r = *running_[m];
  ModelResult& result = results_[m];
  result.final_status = outcome.status;
  result.adapter_response =
      outcome.adapter_response.is_object() ? outcome.adapter_response : Json::object();
  result.remote_output = outcome.remote_output;
  result.cleanup_failures = outcome.cleanup_failures;
  result.handles = r.observer ? r.observer->handles() : std::vector<submitters::RemoteHandle>{};
  result.settled = true;
  result.timed_out = r.timed_out;
  switch (outcome.status) {
    case FinalStatus::kSucceeded: {
      result.status = ResultStatus::kSuccess;
      auto it = result.adapter_response.find("_message");
      result.message =
          it != result.adapter_response.end() && it->is_string() && !it->get<std::string>().empty()
              ? it->get<std::string>()
              : std::string("OK");
      break;
    }
    case FinalStatus::kFailed:
      result.status = ResultStatus::kError;
      result.message = outcome.message.empty() ? std::string("The model failed.") : outcome.message;
      result.code = outcome.code;
      result.hint = outcome.hint;
      if (r.timed_out) result.message = cancel_message(outcome, m);
      break;
    case FinalStatus::kCancelled:
    case FinalStatus::kTimedOut:
      result.status = ResultStatus::kError;
      result.message = cancel_message(outcome, m);
      break;
  }
  finalize(m);
}

void Engine::fail_model(size_t m, std::string message, bool settled) {
  Running& r = *running_[m];
  ModelResult& result = results_[m];
  result.status = ResultStatus::kError;
  result.message = std::move(message);
  result.settled = settled;
  result.timed_out = r.timed_out;
  if (r.observer) result.handles = r.observer->handles();
  finalize(m);
}

void Engine::finalize(size_t m) {
  Running& r = *running_[m];
  const PlannedModel& model = plan_->models[m];
  ModelResult& result = results_[m];
  r.phase = Phase::kFinal;
  ++r.generation;
  if (result.slot > 0) slots_[static_cast<size_t>(result.slot - 1)] = false;
  --in_flight_;
  result.completed_at = options_.clock->now();
  result.execution_time =
      std::chrono::duration<double>(options_.clock->steady_now() - r.started).count();
  result.completion = ++next_completion_;
  if (ledger_ && model.payload) {
    try {
      Json fields = {{"unique_id", model.unique_id},
                     {"status", std::string(result_status_name(result.status))},
                     {"settled", result.settled}};
      if (result.final_status) {
        static constexpr const char* kNames[] = {"succeeded", "failed", "cancelled", "timed_out"};
        fields["final_status"] = kNames[static_cast<int>(*result.final_status)];
      }
      ledger_->append("model_finished", fields, /*sync=*/!result.settled);
    } catch (const std::exception& e) {
      // The record only closes the model's entries; without it `dbtpy cancel` replays them,
      // which is harmless.
      spdlog::warn("{}", e.what());
    }
  }
  const int total = static_cast<int>(plan_->models.size());
  listener_->model_finished(model, result, total);
  const bool ok = result.status == ResultStatus::kSuccess;
  record_skips(scheduler_->finished(m, ok));
  if (!ok && options_.fail_fast && stopped_ == StopReason::kNone) {
    fail_fast_cause_ = model.unique_id;
    stop(StopReason::kFailFast, 0, options_.clock->steady_now());
  }
  progress_changed_ = true;
}

void Engine::record_skips(const std::vector<DagScheduler::Skip>& skips) {
  const int total = static_cast<int>(plan_->models.size());
  for (const auto& s : skips) {
    ModelResult& result = results_[s.model];
    result.status = ResultStatus::kSkipped;
    result.message =
        "Skipped because upstream model " + plan_->models[s.because_of].unique_id + " failed";
    result.index = ++next_index_;
    result.completion = ++next_completion_;
    listener_->model_finished(plan_->models[s.model], result, total);
  }
}

void Engine::stop(StopReason reason, int signal, SteadyTime now) {
  stopped_ = reason;
  signal_ = signal;
  cancel_deadline_ = now + options_.cancel_wait;
  progress_changed_ = true;
  listener_->stopping(reason, signal, in_flight_, options_.cancel_wait);
  const std::string why =
      reason == StopReason::kSignal
          ? fmt::format("Not started: the run was interrupted ({})", signal_name(signal))
          : fmt::format("Not started: --fail-fast stopped the run after {} failed",
                        fail_fast_cause_);
  const int total = static_cast<int>(plan_->models.size());
  for (size_t s : scheduler_->skip_not_started()) {
    ModelResult& result = results_[s];
    result.status = ResultStatus::kSkipped;
    result.message = why;
    result.index = ++next_index_;
    result.completion = ++next_completion_;
    listener_->model_finished(plan_->models[s], result, total);
  }
  const CancelReason cancel =
      reason == StopReason::kSignal ? CancelReason::kSignal : CancelReason::kFailFast;
  for (size_t m = 0; m < running_.size(); ++m)
    cancel_model(m, cancel);
}

void Engine::cancel_model(size_t m, CancelReason reason) {
  Running* r = running_[m].get();
  if (!r || r->phase == Phase::kFinal || !r->execution || r->cancelled) return;
  r->cancelled = reason;
  r->cancelled_at = options_.clock->steady_now();
  // Thread-safe by contract, and quick: it records the request; the next advance() sends it.
  r->execution->cancel(reason);
  if (r->phase == Phase::kWaiting) {
    make_ready(m);
  } else if (r->phase == Phase::kAdvancing) {
    r->wake_after_advance = true;
  }
}

void Engine::check_deadlines(SteadyTime now) {
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    const Deadline d = deadlines_.top();
    deadlines_.pop();
    Running* r = running_[d.model].get();
    if (!r || r->phase == Phase::kFinal) continue;
    const PlannedModel& model = plan_->models[d.model];
    if (!d.give_up) {
      if (r->cancelled) continue;  // already being cancelled for another reason
      r->timed_out = true;
      cancel_model(d.model, CancelReason::kTimeout);
      deadlines_.push({now + options_.timeout_grace, d.model, true});
    } else {
      fail_model(d.model,
                 fmt::format("Timed out after {} (model config `timeout`), but the platform did "
                             "not confirm the cancellation within {}; the remote work may still "
                             "be running.",
                             seconds_text(model.timeout.value_or(std::chrono::milliseconds(0))),
                             seconds_text(options_.timeout_grace)),
                 /*settled=*/false);
    }
  }
}

void Engine::abandon_in_flight(const std::string& why) {
  for (size_t m = 0; m < running_.size(); ++m) {
    Running* r = running_[m].get();
    if (!r || r->phase == Phase::kFinal) continue;
    fail_model(m, why + "; the remote work may still be running.", /*settled=*/false);
  }
}

Progress Engine::progress(SteadyTime now) const {
  Progress p;
  p.total = plan_->models.size();
  for (size_t m = 0; m < results_.size(); ++m) {
    const Running* r = running_[m].get();
    const bool final = r ? r->phase == Phase::kFinal : results_[m].index > 0;
    if (!final) {
      if (r) {
        ++p.running;
        std::string state = r->observer ? r->observer->state() : std::string();
        ++p.remote_states[state.empty() ? "STARTING" : state];
      }
      continue;
    }
    switch (results_[m].status) {
      case ResultStatus::kSuccess:
        ++p.succeeded;
        break;
      case ResultStatus::kError:
        ++p.failed;
        break;
      case ResultStatus::kSkipped:
        ++p.skipped;
        break;
    }
  }
  p.not_started = p.total - p.succeeded - p.failed - p.skipped - p.running;
  p.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_steady_);
  p.stopping = stopped_;
  if (cancel_deadline_ && in_flight_ > 0)
    p.cancel_wait_left =
        std::max(std::chrono::milliseconds(0),
                 std::chrono::duration_cast<std::chrono::milliseconds>(*cancel_deadline_ - now));
  return p;
}

SteadyTime Engine::next_wake(SteadyTime /*now*/) const {
  SteadyTime wake = next_heartbeat_;
  if (auto due = timers_.next_due()) wake = std::min(wake, *due);
  if (!deadlines_.empty()) wake = std::min(wake, deadlines_.top().at);
  if (cancel_deadline_ && in_flight_ > 0) wake = std::min(wake, *cancel_deadline_);
  return wake;
}

}  // namespace dbtpy::runner
