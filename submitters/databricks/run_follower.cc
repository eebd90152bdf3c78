#include "submitters/databricks/run_follower.h"

#include <fmt/format.h>

#include <set>

#include "submitters/failure_codes.h"
#include "submitters/http/url.h"
#include "submitters/traceback.h"
#include "util/strings.h"

namespace dbtpy::submitters::databricks {
namespace {

// The task the payload names for the model (codegen's task_key).
constexpr std::string_view kModelTaskKey = "dbtpy_model";

class RunFollower final : public Follower {
 public:
  FollowUpdate poll(FollowIo& io) override {
    if (output_due_) {
      output_due_ = false;
      read_output(io);
      return terminal_;
    }
    const Json body = json_of(io.get(target_.status_url), "GET", target_.status_url);
    run_page_url_ = text_at(body, "/run_page_url");
    job_id_ = text_at(body, "/job_id");
    std::string lcs = text_at(body, "/state/life_cycle_state");
    std::string rs = text_at(body, "/state/result_state");
    std::string msg = text_at(body, "/state/state_message");
    if (lcs.empty()) {  // only the newer `status` object
      lcs = text_at(body, "/status/state");
      rs = text_at(body, "/status/termination_details/code");
      msg = text_at(body, "/status/termination_details/message");
    }
    static const std::set<std::string> kRunning = {"QUEUED",      "PENDING", "RUNNING",
                                                   "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"};
    if (kRunning.count(lcs)) return FollowUpdate::running(lcs);
    static const std::set<std::string> kTerminal = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"};
    if (!kTerminal.count(lcs))
      return FollowUpdate::running(lcs.empty() ? "(no state)" : lcs, false);

    const std::string state = rs.empty() ? lcs : lcs + "/" + rs;
    pick_task(body, lcs == "TERMINATED" && rs == "SUCCESS");
    if (lcs == "TERMINATED" && rs == "SUCCESS") {
      terminal_ = FollowUpdate::succeeded(state);
      if (!io.show_output()) return terminal_;
      output_due_ = true;
      return FollowUpdate::more(state);
    }
    const std::string what = fmt::format("Databricks run {}", target_.handle_text);
    const std::string tail = msg.empty() ? "" : ": " + msg;
    std::string message;
    if (rs == "CANCELED" || rs == "CANCELLED") {
      message = fmt::format("{} was cancelled (result_state {}){}", what, rs, tail);
    } else if (rs == "TIMEDOUT") {
      message = fmt::format("{} timed out on Databricks (its timeout_seconds){}", what, tail);
    } else if (lcs == "SKIPPED") {
      message = fmt::format("{} was skipped (life_cycle_state SKIPPED){}", what, tail);
    } else if (lcs == "INTERNAL_ERROR") {
      message = fmt::format("{} ended in life_cycle_state INTERNAL_ERROR{}", what, tail);
    } else {
      message =
          fmt::format("{} ended in result_state {}{}", what, rs.empty() ? "UNKNOWN" : rs, tail);
    }
    terminal_ = FollowUpdate::failed(state, codes::kRemoteFailed, message);
    terminal_.remote_cancelled = rs == "CANCELED" || rs == "CANCELLED";
    if (terminal_.remote_cancelled) return terminal_;
    output_due_ = true;
    return FollowUpdate::more(state);
  }

  void describe(Json& ar) const override {
    ar["run_id"] = target_.handle;
    ar["query_id"] = target_.handle_text;
    if (!run_page_url_.empty()) ar["run_page_url"] = run_page_url_;
    if (!job_id_.empty()) ar["job_id"] = job_id_;
    if (!task_run_.empty()) ar["task_run_id"] = task_run_;
  }
  std::string console_url() const override { return run_page_url_; }
  std::string remote_output() const override { return output_; }
  std::vector<std::string> code_names() const override { return {}; }
  std::string noun() const override { return "run"; }

 private:
  // The task run whose output explains the run: the model's task (or, on failure, the first
  // task that did not succeed when the model's task did), else the only task.
  void pick_task(const Json& body, bool success) {
    task_run_.clear();
    const Json* tasks = at_pointer(body, "/tasks");
    if (!tasks || !tasks->is_array() || tasks->empty()) {
      task_run_ = target_.handle_text;  // a single-task run answers for itself
      return;
    }
    const Json* model = nullptr;
    const Json* failed = nullptr;
    for (const auto& t : *tasks) {
      if (text_at(t, "/task_key") == kModelTaskKey) model = &t;
      if (!failed && text_at(t, "/state/result_state") != "SUCCESS") failed = &t;
    }
    const Json* chosen = model ? model : &tasks->front();
    if (!success && failed && model && text_at(*model, "/state/result_state") == "SUCCESS")
      chosen = failed;
    task_run_ = text_at(*chosen, "/run_id");
  }

  void read_output(FollowIo& io) {
    if (task_run_.empty()) return;
    const std::string url = url_prefix(target_.status_url, "/jobs/runs/get") +
                            "/jobs/runs/get-output?run_id=" + http::url_encode(task_run_);
    try {
      const Json out = json_of(io.get(url), "GET", url);
      std::string logs = text_at(out, "/logs");
      std::string result = text_at(out, "/notebook_output/result");
      output_ = !logs.empty() ? logs : result;
      if (terminal_.kind != FollowUpdate::Kind::kFailed) return;
      const std::string error = std::string(trim(strip_ansi(text_at(out, "/error"))));
      const std::string trace = text_at(out, "/error_trace");
      if (!error.empty()) terminal_.message += "\n" + error;
      if (trace.find("Traceback") != std::string::npos) {
        terminal_.traceback = trace;
        terminal_.code = codes::kPythonError;
      } else if (!trace.empty()) {
        terminal_.message += "\n" + std::string(trim(strip_ansi(trace)));
      }
    } catch (const std::exception& e) {
      if (terminal_.kind == FollowUpdate::Kind::kFailed)
        terminal_.message +=
            fmt::format("\n(the task run's output could not be read: {})", e.what());
    }
  }

  bool output_due_ = false;
  FollowUpdate terminal_;
  std::string run_page_url_;
  std::string job_id_;
  std::string task_run_;
  std::string output_;
};

}  // namespace

std::unique_ptr<Follower> make_run_follower() {
  return std::make_unique<RunFollower>();
}

}  // namespace dbtpy::submitters::databricks
