#pragma once
// Test doubles for the engine: a virtual clock that jumps to the engine's next due time
// whenever the engine is idle (so simulated hours take milliseconds and timings are exact),
// and scripted Executions that follow a remote job on that clock — submit, poll until the
// job's duration has passed, honour cancel() with a configurable confirmation delay — while
// recording what the engine did to them (poll times, cancel reasons, concurrency).
// Thread-safe: the engine's workers drive the fakes concurrently.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runner/engine.h"
#include "runner/engine_clock.h"
#include "submitters/execution.h"

namespace dbtpy::testing {

using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

class VirtualClock final : public runner::EngineClock {
 public:
  VirtualClock()
      : wall_start_(std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) + 12h),
        steady_start_(std::chrono::hours(1000)) {}

  std::chrono::system_clock::time_point now() const override {
    std::lock_guard lock(mu_);
    return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset_);
  }
  SteadyTime steady_now() const override {
    std::lock_guard lock(mu_);
    return steady_start_ + offset_;
  }
  SteadyTime origin() const { return steady_start_; }
  std::chrono::milliseconds since_origin(SteadyTime t) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - steady_start_);
  }

  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, SteadyTime until,
                  bool idle) const override {
    if (idle && until != SteadyTime::max()) {
      std::lock_guard inner(mu_);
      if (steady_start_ + offset_ < until) offset_ = until - steady_start_;
      return;
    }
    // Something is in progress on a worker: wait (for real) until it reports back.
    cv.wait_for(lock, 20ms);
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point wall_start_;
  SteadyTime steady_start_;
  mutable std::chrono::steady_clock::duration offset_{0};
};

// How one fake remote job behaves.
struct FakeJob {
  std::chrono::milliseconds duration{1000};  // from submission to its terminal state
  submitters::FinalStatus result = submitters::FinalStatus::kSucceeded;
  std::string message;  // the failure message
  // After cancel() is sent: time until the platform confirms; nullopt = never confirms.
  std::optional<std::chrono::milliseconds> cancel_latency = 50ms;
  std::chrono::milliseconds not_before{0};  // asked of the engine on every poll
  bool throw_on_advance = false;
  bool throw_on_create = false;
  std::string url;  // run page URL of the handle
};

// Everything the engine did to one fake, for assertions.
struct FakeRecord {
  std::vector<SteadyTime> advances;
  std::optional<SteadyTime> submitted, terminal_seen;
  std::optional<submitters::CancelReason> cancel_reason;
  std::optional<SteadyTime> cancel_requested, cancel_sent;
  bool done = false;
  bool concurrent_advance = false;  // advance() was entered while already running
  std::set<std::thread::id> threads;
};

class FakePlatform;

class FakeExecution final : public submitters::Execution {
 public:
  FakeExecution(FakePlatform& platform, std::string unique_id, FakeJob job,
                submitters::ExecutionObserver& observer, const runner::EngineClock& clock);
  submitters::Next advance() override;
  void cancel(submitters::CancelReason reason) override;
  const submitters::Outcome& outcome() const override { return outcome_; }

 private:
  submitters::Next finish(submitters::FinalStatus status, std::string message);

  FakePlatform& platform_;
  std::string unique_id_;
  FakeJob job_;
  submitters::ExecutionObserver& observer_;
  const runner::EngineClock& clock_;
  std::atomic<bool> in_advance_{false};
  std::mutex mu_;  // guards cancel_
  std::optional<submitters::CancelReason> cancel_;
  bool cancel_sent_ = false;
  SteadyTime cancel_sent_at_{};
  SteadyTime submitted_at_{};
  bool submitted_ = false;
  bool running_reported_ = false;
  submitters::Outcome outcome_;
};

// The fake platform: jobs by unique_id (default FakeJob otherwise), records, and the number
// of jobs running at once.
class FakePlatform {
 public:
  explicit FakePlatform(const runner::EngineClock& clock) : clock_(clock) {}

  void set_job(const std::string& unique_id, FakeJob job) {
    std::lock_guard lock(mu_);
    jobs_[unique_id] = std::move(job);
  }
  FakeJob job_for(const std::string& unique_id) const {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(unique_id);
    return it == jobs_.end() ? default_job_ : it->second;
  }
  void set_default(FakeJob job) {
    std::lock_guard lock(mu_);
    default_job_ = std::move(job);
  }

  runner::ExecutionFactory factory() {
    return
        [this](const runner::PlannedModel& m,
               submitters::ExecutionObserver& observer) -> std::unique_ptr<submitters::Execution> {
          FakeJob job = job_for(m.unique_id);
          if (job.throw_on_create) throw std::runtime_error("cannot create the execution");
          return std::make_unique<FakeExecution>(*this, m.unique_id, job, observer, clock_);
        };
  }

  FakeRecord record(const std::string& unique_id) const {
    std::lock_guard lock(mu_);
    auto it = records_.find(unique_id);
    return it == records_.end() ? FakeRecord{} : it->second;
  }
  int max_running() const {
    std::lock_guard lock(mu_);
    return max_running_;
  }
  std::set<std::thread::id> advancing_threads() const {
    std::lock_guard lock(mu_);
    std::set<std::thread::id> all;
    for (const auto& [id, r] : records_)
      all.insert(r.threads.begin(), r.threads.end());
    return all;
  }

  // Called by FakeExecution.
  template <typename F>
  void update(const std::string& unique_id, F&& f) {
    std::lock_guard lock(mu_);
    f(records_[unique_id]);
  }
  void job_started() {
    std::lock_guard lock(mu_);
    max_running_ = std::max(max_running_, ++running_);
  }
  void job_ended() {
    std::lock_guard lock(mu_);
    --running_;
  }

 private:
  const runner::EngineClock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, FakeJob> jobs_;
  FakeJob default_job_;
  std::map<std::string, FakeRecord> records_;
  int running_ = 0;
  int max_running_ = 0;
};

// A plan of `n` models named m000.. with the given edges (parent, child) and no payload
// files beyond a model.py; payloads are owned by the returned holder.
struct PlanHolder {
  std::vector<std::unique_ptr<codegen::Payload>> payloads;
  runner::RunPlan plan;
};
PlanHolder make_plan(size_t n, const std::vector<std::pair<size_t, size_t>>& edges = {});

std::string model_id(size_t i);

}  // namespace dbtpy::testing
