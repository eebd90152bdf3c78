#include "tests/runner/fake_execution.h"

#include <fmt/format.h>

namespace dbtpy::testing {

using submitters::FinalStatus;
using submitters::Next;

FakeExecution::FakeExecution(FakePlatform& platform, std::string unique_id, FakeJob job,
                             submitters::ExecutionObserver& observer,
                             const runner::EngineClock& clock)
    : platform_(platform),
      unique_id_(std::move(unique_id)),
      job_(std::move(job)),
      observer_(observer),
      clock_(clock) {}

void FakeExecution::cancel(submitters::CancelReason reason) {
  std::lock_guard lock(mu_);
  if (!cancel_) cancel_ = reason;
  platform_.update(unique_id_, [&](FakeRecord& r) {
    if (!r.cancel_reason) {
      r.cancel_reason = reason;
      r.cancel_requested = clock_.steady_now();
    }
  });
}

Next FakeExecution::finish(FinalStatus status, std::string message) {
  outcome_.status = status;
  outcome_.message = std::move(message);
  outcome_.adapter_response = {{"job_id", unique_id_}, {"_message", "SUCCESS"}};
  observer_.cleanup("delete_upload", {{"method", "DELETE"}, {"url", "https://fake/" + unique_id_}},
                    true);
  platform_.job_ended();
  const SteadyTime now = clock_.steady_now();
  platform_.update(unique_id_, [&](FakeRecord& r) {
    r.done = true;
    r.terminal_seen = now;
  });
  return Next{Next::Kind::kDone, {}, {}};
}

Next FakeExecution::advance() {
  if (in_advance_.exchange(true))
    platform_.update(unique_id_, [](FakeRecord& r) { r.concurrent_advance = true; });
  struct Leave {
    std::atomic<bool>& flag;
    ~Leave() { flag = false; }
  } leave{in_advance_};

  const SteadyTime now = clock_.steady_now();
  platform_.update(unique_id_, [&](FakeRecord& r) {
    r.advances.push_back(now);
    r.threads.insert(std::this_thread::get_id());
  });
  if (job_.throw_on_advance) throw std::runtime_error("the executor broke");

  if (!submitted_) {
    // What a real submitter reports around its creating request.
    observer_.before_send(
        "submit",
        {{"method", "POST"}, {"url", "https://fake/jobs"}, {"idempotency", "req-" + unique_id_}});
    submitted_ = true;
    submitted_at_ = now;
    platform_.job_started();
    platform_.update(unique_id_, [&](FakeRecord& r) { r.submitted = now; });
    observer_.handle_created({"submit", "fake_job", "job-" + unique_id_, job_.url,
                              Json{{"cancel_url", "https://fake/jobs/" + unique_id_ + "/cancel"}}});
    observer_.cleanup("delete_upload",
                      {{"method", "DELETE"}, {"url", "https://fake/" + unique_id_}}, false);
    return Next{Next::Kind::kPoll, job_.not_before, std::chrono::milliseconds(0)};
  }

  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - submitted_at_);
  std::optional<submitters::CancelReason> cancel;
  {
    std::lock_guard lock(mu_);
    cancel = cancel_;
  }
  // The job ends on its own before any cancel can take effect.
  if (elapsed >= job_.duration && !cancel_sent_) {
    return finish(job_.result, job_.result == FinalStatus::kSucceeded ? "" : job_.message);
  }
  if (cancel && !cancel_sent_) {
    cancel_sent_ = true;
    cancel_sent_at_ = now;
    observer_.before_send("cancel", {{"method", "POST"}, {"url", "https://fake/cancel"}});
    observer_.remote_state("submit", "CANCELLING", "");
    platform_.update(unique_id_, [&](FakeRecord& r) { r.cancel_sent = now; });
    return Next{Next::Kind::kPoll, job_.not_before, elapsed};
  }
  if (cancel_sent_) {
    if (job_.cancel_latency && now - cancel_sent_at_ >= *job_.cancel_latency) {
      const bool timeout = *cancel == submitters::CancelReason::kTimeout;
      return finish(timeout ? FinalStatus::kTimedOut : FinalStatus::kCancelled,
                    "job-" + unique_id_ + " was cancelled");
    }
    return Next{Next::Kind::kPoll, job_.not_before, elapsed};
  }
  if (!running_reported_) {
    running_reported_ = true;
    observer_.remote_state("submit", "RUNNING", "");
  }
  return Next{Next::Kind::kPoll, job_.not_before, elapsed};
}

std::string model_id(size_t i) {
  return fmt::format("model.proj.m{:03}", i);
}

PlanHolder make_plan(size_t n, const std::vector<std::pair<size_t, size_t>>& edges) {
  PlanHolder h;
  for (size_t i = 0; i < n; ++i) {
    auto p = std::make_unique<codegen::Payload>();
    p->unique_id = model_id(i);
    p->model_name = fmt::format("m{:03}", i);
    p->platform = "snowflake";
    p->materialized = "table";
    p->files.push_back(
        {"model.py", "def model(dbt, session):\n    return None\n", "text/x-python"});
    runner::PlannedModel m;
    m.unique_id = p->unique_id;
    m.name = p->model_name;
    m.original_file_path = "models/" + p->model_name + ".py";
    m.display_relation = "analytics." + p->model_name;
    m.relation_name = "DB.ANALYTICS." + p->model_name;
    m.materialized = "table";
    m.platform = "snowflake";
    m.payload = p.get();
    h.plan.models.push_back(std::move(m));
    h.payloads.push_back(std::move(p));
  }
  for (auto [parent, child] : edges)
    h.plan.models[child].upstream.push_back(parent);
  return h;
}

}  // namespace dbtpy::testing
