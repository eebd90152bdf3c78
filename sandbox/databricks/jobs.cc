// Jobs API 2.1/2.2: one-time runs (runs/submit), persistent jobs (create, reset, list, get,
// run-now), run state, output and cancellation.
#include <regex>
#include <set>

#include "sandbox/databricks/databricks_api.h"
#include "sandbox/databricks/errors.h"
#include "sandbox/http/params.h"
#include "util/strings.h"

namespace dbtpy::sandbox::databricks {
namespace {

constexpr double kJobClusterStartSeconds = 0.3;

std::chrono::steady_clock::duration secs(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(0.0, s)));
}

long long ms_between(SteadyTime a, SteadyTime b) {
  if (b <= a) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

const char* const kTaskTypes[] = {
    "notebook_task",     "spark_python_task", "python_wheel_task", "spark_jar_task",
    "spark_submit_task", "pipeline_task",     "sql_task",          "dbt_task",
    "run_job_task",      "condition_task",    "for_each_task",     "clean_rooms_notebook_task"};

Reply run_missing(long long id) {
  return dbx_error(400, "INVALID_PARAMETER_VALUE",
                   "Run " + std::to_string(id) + " does not exist.");
}

Reply job_missing(long long id) {
  return dbx_error(400, "INVALID_PARAMETER_VALUE",
                   "Job " + std::to_string(id) + " does not exist.");
}

}  // namespace

std::optional<Reply> DatabricksApi::build_run(const Json& s, Exchange& ex, JobRun& run,
                                              bool submit) {
  (void)ex;
  if (s.contains("run_name") && !s["run_name"].is_string() && !s["run_name"].is_null()) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "Invalid value for field run_name: expected a string");
  }
  if (!s.contains("tasks") || !s["tasks"].is_array() || s["tasks"].empty()) {
    return dbx_error(
        400, "INVALID_PARAMETER_VALUE",
        submit ? "At least one task is required: set `tasks`." : "The job has no tasks to run.");
  }
  if (s.contains("timeout_seconds")) {
    if (!s["timeout_seconds"].is_number_integer() || s["timeout_seconds"].get<long long>() < 0) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE",
                       "Invalid value for field timeout_seconds: expected an integer >= 0");
    }
    long long t = s["timeout_seconds"].get<long long>();
    if (t > 0) run.timeout_seconds = static_cast<double>(t);
  }
  if (s.contains("queue")) {
    if (!s["queue"].is_object() || !s["queue"].contains("enabled") ||
        !s["queue"]["enabled"].is_boolean()) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE",
                       "Invalid value for field queue: expected {\"enabled\": true|false}");
    }
    run.queue_enabled = s["queue"]["enabled"].get<bool>();
  }
  std::set<std::string> environment_keys;
  if (s.contains("environments")) {
    if (!s["environments"].is_array()) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE", "environments must be an array");
    }
    for (const auto& env : s["environments"]) {
      std::string key;
      if (!env.is_object()) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE", "an environment must be an object");
      }
      if (auto e = require_string(env, "environment_key", key)) return e;
      if (!env.contains("spec") || !env["spec"].is_object()) {
        return missing_field("environments.spec");
      }
      if (env["spec"].contains("dependencies") && !env["spec"]["dependencies"].is_array()) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "environments.spec.dependencies must be an array of strings");
      }
      environment_keys.insert(key);
    }
  }
  std::set<std::string> job_cluster_keys;
  if (s.contains("job_clusters") && s["job_clusters"].is_array()) {
    for (const auto& jc : s["job_clusters"]) {
      if (jc.is_object() && jc.contains("job_cluster_key") && jc["job_cluster_key"].is_string()) {
        job_cluster_keys.insert(jc["job_cluster_key"].get<std::string>());
      }
    }
  }
  static const std::regex kTaskKey(R"(^[\w\-]{1,100}$)");
  std::set<std::string> keys;
  for (const auto& t : s["tasks"]) {
    if (!t.is_object())
      return dbx_error(400, "INVALID_PARAMETER_VALUE", "a task must be an object");
    std::string key;
    if (auto e = require_string(t, "task_key", key)) return e;
    if (!std::regex_match(key, kTaskKey)) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE",
                       "Invalid task_key '" + key + "': use 1-100 letters, digits, - and _");
    }
    if (!keys.insert(key).second) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE", "Duplicate task_key '" + key + "'");
    }
  }
  for (const auto& t : s["tasks"]) {
    TaskRun tr;
    tr.task_key = t["task_key"].get<std::string>();
    tr.spec = t;
    tr.run_id = next_id();
    if (t.contains("depends_on")) {
      if (!t["depends_on"].is_array()) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE", "depends_on must be an array");
      }
      for (const auto& d : t["depends_on"]) {
        std::string dep;
        if (!d.is_object())
          return dbx_error(400, "INVALID_PARAMETER_VALUE", "depends_on items are objects");
        if (auto e = require_string(d, "task_key", dep)) return e;
        if (!keys.count(dep) || dep == tr.task_key) {
          return dbx_error(
              400, "INVALID_PARAMETER_VALUE",
              "Task " + tr.task_key + " depends on " + dep + ", which is not a task of this run");
        }
        tr.depends_on.push_back(dep);
      }
    }
    int types = 0;
    std::string type;
    for (const char* k : kTaskTypes) {
      if (t.contains(k)) {
        ++types;
        type = k;
      }
    }
    if (types != 1) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE",
                       "Task " + tr.task_key +
                           " must have exactly one task type (notebook_task, "
                           "spark_python_task, ...)");
    }
    if (type == "notebook_task") {
      const Json& nt = t["notebook_task"];
      std::string path;
      if (!nt.is_object())
        return dbx_error(400, "INVALID_PARAMETER_VALUE", "notebook_task must be an object");
      if (auto e = require_string(nt, "notebook_path", path)) return e;
      std::string source = "WORKSPACE";
      if (auto e = optional_string(nt, "source", source)) return e;
      if (source != "WORKSPACE" && source != "GIT") {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "Invalid value for notebook_task.source: '" + source + "'");
      }
      if (source == "GIT") {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "The sandbox runs workspace notebooks only (source GIT is not simulated)");
      }
      if (path.front() != '/') {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "The notebook path must be absolute for workspace notebooks: " + path);
      }
      if (nt.contains("base_parameters")) {
        if (!nt["base_parameters"].is_object()) {
          return dbx_error(400, "INVALID_PARAMETER_VALUE", "base_parameters must be an object");
        }
        for (auto it = nt["base_parameters"].begin(); it != nt["base_parameters"].end(); ++it) {
          if (!it.value().is_string()) {
            return dbx_error(400, "INVALID_PARAMETER_VALUE",
                             "base_parameters values must be strings: " + it.key());
          }
        }
      }
    } else if (type == "spark_python_task") {
      const Json& pt = t["spark_python_task"];
      std::string file;
      if (!pt.is_object())
        return dbx_error(400, "INVALID_PARAMETER_VALUE", "spark_python_task must be an object");
      if (auto e = require_string(pt, "python_file", file)) return e;
      if (pt.contains("parameters") && !pt["parameters"].is_array()) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "spark_python_task.parameters must be an array");
      }
    } else if (!t[type].is_object()) {
      // Other task kinds (sql_task, dbt_task, ... e.g. a workflow's post-hook tasks) are
      // accepted and succeed without running a model: the sandbox has nothing to run them on.
      return dbx_error(400, "INVALID_PARAMETER_VALUE", type + " must be an object");
    }
    int computes = 0;
    for (const char* k : {"existing_cluster_id", "new_cluster", "job_cluster_key"}) {
      computes += t.contains(k) ? 1 : 0;
    }
    if (computes > 1) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE",
                       "Task " + tr.task_key +
                           ": set only one of existing_cluster_id, new_cluster, job_cluster_key");
    }
    bool serverless = computes == 0;
    if (t.contains("existing_cluster_id")) {
      std::string id;
      if (auto e = require_string(t, "existing_cluster_id", id)) return e;
      if (!clusters_.count(id)) return cluster_missing(id);
      tr.compute = id;
    } else if (t.contains("new_cluster")) {
      const Json& nc = t["new_cluster"];
      std::string v;
      if (!nc.is_object())
        return dbx_error(400, "INVALID_PARAMETER_VALUE", "new_cluster must be an object");
      if (auto e = require_string(nc, "spark_version", v)) return e;
      if (!nc.contains("num_workers") && !nc.contains("autoscale")) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "Missing required field: new_cluster.num_workers (or autoscale)");
      }
      tr.compute = "new_cluster";
    } else if (t.contains("job_cluster_key")) {
      std::string k;
      if (auto e = require_string(t, "job_cluster_key", k)) return e;
      if (!job_cluster_keys.count(k)) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "The job cluster key '" + k + "' is not defined in job_clusters");
      }
      tr.compute = "job_cluster";
    } else {
      tr.compute = "serverless";
    }
    if (t.contains("environment_key")) {
      std::string k;
      if (auto e = require_string(t, "environment_key", k)) return e;
      if (!environment_keys.count(k)) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "The environment key '" + k + "' is not defined in environments");
      }
      if (!serverless) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "environment_key is only supported for serverless tasks; task " +
                             tr.task_key + " sets a cluster");
      }
    }
    if (serverless && !config_.databricks.serverless) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE",
                       "One of job_cluster_key, new_cluster, or existing_cluster_id must be "
                       "specified.");
    }
    if (t.contains("libraries")) {
      if (!t["libraries"].is_array()) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE", "libraries must be an array");
      }
      if (serverless && !t["libraries"].empty()) {
        return dbx_error(400, "INVALID_PARAMETER_VALUE",
                         "Libraries field is not supported for serverless task, please specify "
                         "libraries in environment.");
      }
      for (const auto& lib : t["libraries"]) {
        if (auto e = validate_library(lib)) return e;
      }
    }
    run.tasks.push_back(std::move(tr));
  }
  return std::nullopt;
}

void DatabricksApi::start_task(JobRun& run, TaskRun& t, SteadyTime at) {
  t.started = true;
  t.start_ms = run.start_ms + ms_between(run.submitted, at);
  double extra = 0;
  if (t.compute == "new_cluster" || t.compute == "job_cluster") {
    extra = kJobClusterStartSeconds;
  } else if (t.compute != "serverless") {
    Cluster& c = clusters_.at(t.compute);
    std::string st = cluster_state(c, at);
    if (st == "TERMINATED") {
      start_cluster(c, at);
      st = "PENDING";
    }
    if (st == "PENDING") {
      extra =
          std::chrono::duration<double>(c.pending_since + secs(c.cfg.start_seconds) - at).count();
    }
  }
  std::string path;
  bool notebook = t.spec.contains("notebook_task");
  const bool python = notebook || t.spec.contains("spark_python_task");
  if (python) {
    path = notebook ? t.spec["notebook_task"]["notebook_path"].get<std::string>()
                    : t.spec["spark_python_task"]["python_file"].get<std::string>();
  }
  const WsObject* source = nullptr;
  if (!python) {
    t.model = false;
    t.clock.plan.run_seconds = config_.defaults.min_duration;
    t.clock.plan.rule = "not-a-model";
  } else if (!path.empty() && path.front() == '/') {
    auto it = workspace_.find(normalize_path(path));
    if (it != workspace_.end() && it->second.type != "DIRECTORY") source = &it->second;
  }
  if (!python) {
    // Nothing to look up: the task succeeds after a short while.
  } else if (!source) {
    t.internal_error = true;
    t.state_message = notebook ? "Notebook not found: " + path
                               : "Cannot read the python file " + path +
                                     ": the sandbox serves workspace files only";
    t.clock.plan = planner_.plan_failure("RuntimeError", t.state_message);
  } else {
    PlannedRun pr = planner_.plan_python("databricks", source->content, normalize_path(path),
                                         notebook || source->type == "NOTEBOOK");
    t.clock.plan = std::move(pr.plan);
    t.meta = std::move(pr.meta);
  }
  t.clock.submitted = at;
  t.clock.plan.startup_seconds += std::max(0.0, extra);
  if (!run.queue_enabled) {
    t.clock.plan.startup_seconds += t.clock.plan.queue_seconds;
    t.clock.plan.queue_seconds = 0;
  }
  t.clock.cancel_latency = config_.defaults.cancel_latency;
  t.clock.cancel_requested = run.cancel_requested;
  if (run.timeout_seconds) {
    t.clock.timeout_seconds = std::max(
        0.0, *run.timeout_seconds - std::chrono::duration<double>(at - run.submitted).count());
  }
}

std::optional<SteadyTime> DatabricksApi::task_terminal(const TaskRun& t, SteadyTime now) const {
  if (t.skipped)
    return t.skipped_at <= now ? std::optional<SteadyTime>(t.skipped_at) : std::nullopt;
  if (!t.started) return std::nullopt;
  if (!is_terminal(t.clock.phase_at(now))) return std::nullopt;
  return t.clock.terminal_time();
}

void DatabricksApi::advance_run(JobRun& run, SteadyTime now) {
  if (!run.skipped.empty()) {
    if (!run.finalized) {
      run.finalized = true;
      stats_.run_finished("databricks", "SKIPPED");
    }
    return;
  }
  bool progressed = true;
  while (progressed) {
    progressed = false;
    for (auto& t : run.tasks) {
      if (t.started || t.skipped) continue;
      SteadyTime at = run.submitted;
      bool ready = true;
      bool upstream_ok = true;
      for (const auto& dep : t.depends_on) {
        const TaskRun* d = nullptr;
        for (const auto& other : run.tasks) {
          if (other.task_key == dep) d = &other;
        }
        auto end = d ? task_terminal(*d, now) : std::nullopt;
        if (!end) {
          ready = false;
          break;
        }
        at = std::max(at, *end);
        upstream_ok = upstream_ok && d->started && !d->internal_error &&
                      d->clock.phase_at(now) == Phase::kSucceeded;
      }
      if (run.cancel_requested && *run.cancel_requested <= now) {
        t.skipped = true;
        t.skipped_at = std::max(*run.cancel_requested, ready ? at : *run.cancel_requested);
        t.state_message = "Run was cancelled.";
        progressed = true;
        continue;
      }
      if (!ready) continue;
      if (run.timeout_seconds && at >= run.submitted + secs(*run.timeout_seconds)) {
        t.skipped = true;
        t.skipped_at = run.submitted + secs(*run.timeout_seconds);
        t.state_message = "Run timed out.";
      } else if (!upstream_ok) {
        t.skipped = true;
        t.skipped_at = at;
        t.state_message = "Upstream task(s) failed.";
      } else {
        start_task(run, t, at);
      }
      progressed = true;
    }
  }
  bool all_done = true;
  for (auto& t : run.tasks) {
    auto end = task_terminal(t, now);
    if (!end) {
      all_done = false;
      continue;
    }
    if (t.started && !t.finalized) {
      t.finalized = true;
      if (!t.internal_error && t.clock.phase_at(now) == Phase::kSucceeded && t.meta) {
        Json info = {{"unique_id", t.meta->unique_id},
                     {"materialized", t.meta->materialized},
                     {"columns", t.clock.plan.columns},
                     {"updated_by", "run " + std::to_string(run.run_id)}};
        catalog_.record("databricks", t.meta->relation, info);
        // The notebook materializes the whole model; its staging table is gone when it ends.
      }
    }
  }
  if (all_done && !run.finalized) {
    Json state = run_json(run, now, "")["state"];
    run.finalized = true;
    stats_.run_finished("databricks", state.value("result_state", "UNKNOWN"));
  }
}

Json DatabricksApi::task_state_json(const JobRun& run, const TaskRun& t, SteadyTime now,
                                    Json* status) {
  const double lat = config_.defaults.cancel_latency;
  std::string life;
  std::string result;
  std::string message = t.state_message;
  std::string status_state;
  Json termination;
  bool user_cancelled = false;
  auto end = task_terminal(t, now);
  if (t.skipped) {
    if (!end) {
      life = "BLOCKED";
    } else {
      life = "TERMINATED";
      bool cancelled = message == "Run was cancelled.";
      bool timed_out = message == "Run timed out.";
      result = cancelled ? "CANCELED" : timed_out ? "TIMEDOUT" : "UPSTREAM_FAILED";
      user_cancelled = cancelled || timed_out;
      termination = {{"code", cancelled ? "CANCELED" : "RUN_EXECUTION_ERROR"},
                     {"type", cancelled ? "SUCCESS" : "CLIENT_ERROR"},
                     {"message", message}};
    }
  } else if (!t.started) {
    life = t.depends_on.empty() ? "PENDING" : "BLOCKED";
  } else {
    Phase p = t.clock.phase_at(now);
    switch (p) {
      case Phase::kQueued:
        life = "QUEUED";
        message = "Waiting in the queue.";
        break;
      case Phase::kStarting:
        life = "PENDING";
        message =
            t.compute == "serverless" ? "Waiting for serverless compute" : "Waiting for cluster";
        break;
      case Phase::kRunning:
        life = "RUNNING";
        message = "In run";
        break;
      case Phase::kCancelling:
        life = "TERMINATING";
        message = "Run cancellation requested.";
        break;
      default: {
        SteadyTime t_end = *end;
        if (now < t_end + secs(lat) && p != Phase::kCancelled) {
          life = "TERMINATING";
          message = "Cleaning up";
          break;
        }
        if (t.internal_error) {
          life = "INTERNAL_ERROR";
          result = "FAILED";
          termination = {
              {"code", "RESOURCE_NOT_FOUND"}, {"type", "CLIENT_ERROR"}, {"message", message}};
        } else if (p == Phase::kSucceeded) {
          life = "TERMINATED";
          result = "SUCCESS";
          message = "";
          termination = {{"code", "SUCCESS"}, {"type", "SUCCESS"}, {"message", ""}};
        } else if (p == Phase::kFailed) {
          life = "TERMINATED";
          result = "FAILED";
          message = "Workload failed, see run output for details";
          termination = {
              {"code", "RUN_EXECUTION_ERROR"}, {"type", "CLIENT_ERROR"}, {"message", message}};
        } else if (p == Phase::kCancelled) {
          life = "TERMINATED";
          result = "CANCELED";
          message = "Run was cancelled.";
          user_cancelled = true;
          termination = {{"code", "CANCELED"}, {"type", "SUCCESS"}, {"message", message}};
        } else {
          life = "TERMINATED";
          result = "TIMEDOUT";
          message = "Run timed out.";
          user_cancelled = true;
          termination = {
              {"code", "RUN_EXECUTION_ERROR"}, {"type", "CLIENT_ERROR"}, {"message", message}};
        }
      }
    }
  }
  (void)run;
  Json state = {{"life_cycle_state", life},
                {"state_message", message},
                {"user_cancelled_or_timedout", user_cancelled}};
  if (!result.empty()) state["result_state"] = result;
  if (status) {
    status_state = life == "INTERNAL_ERROR" ? "TERMINATED" : life;
    *status = {{"state", status_state}};
    if (!termination.is_null()) (*status)["termination_details"] = termination;
  }
  return state;
}

Json DatabricksApi::run_json(JobRun& run, SteadyTime now, const std::string& base) {
  Json tasks = Json::array();
  bool all_done = true;
  bool any_internal = false;
  bool any_failed = false;
  bool any_running = false;
  bool any_queued = false;
  bool cancelled = false;
  bool timed_out = false;
  std::optional<SteadyTime> last_end;
  std::string failure_message;
  for (auto& t : run.tasks) {
    Json status;
    Json state = task_state_json(run, t, now, &status);
    std::string life = state["life_cycle_state"];
    std::string result = state.value("result_state", "");
    auto end = task_terminal(t, now);
    if (end) {
      last_end = last_end ? std::max(*last_end, *end) : *end;
    }
    if (life != "TERMINATED" && life != "INTERNAL_ERROR") all_done = false;
    if (life == "RUNNING" || life == "TERMINATING") any_running = true;
    if (life == "QUEUED") any_queued = true;
    if (life == "INTERNAL_ERROR") {
      any_internal = true;
      failure_message = state.value("state_message", "");
    }
    if (result == "FAILED" || result == "UPSTREAM_FAILED") {
      any_failed = true;
      if (failure_message.empty() && result == "FAILED") {
        failure_message = "Task " + t.task_key +
                          " failed with message: Workload failed, see run "
                          "output for details. This caused all downstream tasks to get skipped.";
      }
    }
    if (result == "CANCELED") cancelled = true;
    if (result == "TIMEDOUT") timed_out = true;
    Json tj = {{"run_id", t.run_id},    {"task_key", t.task_key},
               {"state", state},        {"status", status},
               {"attempt_number", 0},   {"start_time", t.started ? t.start_ms : 0},
               {"setup_duration", 0},   {"execution_duration", 0},
               {"cleanup_duration", 0}, {"end_time", 0}};
    for (const char* k :
         {"notebook_task", "spark_python_task", "sql_task", "dbt_task", "python_wheel_task",
          "spark_jar_task", "spark_submit_task", "pipeline_task", "run_job_task", "condition_task",
          "for_each_task", "existing_cluster_id", "new_cluster", "job_cluster_key",
          "environment_key", "libraries", "timeout_seconds", "description"}) {
      if (t.spec.contains(k)) tj[k] = t.spec[k];
    }
    if (!t.depends_on.empty()) {
      Json deps = Json::array();
      for (const auto& d : t.depends_on)
        deps.push_back({{"task_key", d}});
      tj["depends_on"] = deps;
    }
    if (t.started) {
      SteadyTime running = t.clock.started_running();
      SteadyTime stop = end ? *end : now;
      tj["setup_duration"] = ms_between(t.clock.submitted, std::min(running, stop));
      tj["execution_duration"] = ms_between(running, stop);
      if (end) tj["end_time"] = t.start_ms + ms_between(t.clock.submitted, *end);
      if (t.compute != "serverless" && t.compute != "new_cluster" && t.compute != "job_cluster") {
        tj["cluster_instance"] = {{"cluster_id", t.compute},
                                  {"spark_context_id", std::to_string(run.run_id % 100000)}};
      }
    }
    if (!base.empty()) {
      tj["run_page_url"] = base + "/?o=" + std::to_string(config_.databricks.workspace_id) +
                           "#job/" + std::to_string(run.job_id) + "/run/" +
                           std::to_string(t.run_id);
    }
    tasks.push_back(std::move(tj));
  }
  std::string life;
  std::string result;
  std::string message;
  Json termination;
  const double lat = config_.defaults.cancel_latency;
  if (!run.skipped.empty()) {
    life = "SKIPPED";
    message = run.skipped;
    termination = {{"code", "SKIPPED"}, {"type", "SUCCESS"}, {"message", message}};
  } else if (all_done && last_end && now >= *last_end + secs(lat)) {
    if (any_internal) {
      life = "INTERNAL_ERROR";
      result = "FAILED";
      message = failure_message;
      termination = {{"code", "INTERNAL_ERROR"}, {"type", "INTERNAL_ERROR"}, {"message", message}};
    } else {
      life = "TERMINATED";
      if (cancelled) {
        result = "CANCELED";
        message = "Run was cancelled.";
        termination = {{"code", "CANCELED"}, {"type", "SUCCESS"}, {"message", message}};
      } else if (timed_out) {
        result = "TIMEDOUT";
        message = "Run timed out.";
        termination = {
            {"code", "RUN_EXECUTION_ERROR"}, {"type", "CLIENT_ERROR"}, {"message", message}};
      } else if (any_failed) {
        result = "FAILED";
        message = failure_message;
        termination = {
            {"code", "RUN_EXECUTION_ERROR"}, {"type", "CLIENT_ERROR"}, {"message", message}};
      } else {
        result = "SUCCESS";
        termination = {{"code", "SUCCESS"}, {"type", "SUCCESS"}, {"message", ""}};
      }
    }
  } else if (all_done || any_running) {
    life = all_done ? "TERMINATING" : "RUNNING";
  } else if (any_queued) {
    life = "QUEUED";
    message = "Waiting in the queue.";
  } else {
    life = "PENDING";
  }
  Json state = {{"life_cycle_state", life},
                {"state_message", message},
                {"user_cancelled_or_timedout", cancelled || timed_out}};
  if (!result.empty()) state["result_state"] = result;
  Json status = {{"state", life == "INTERNAL_ERROR" || life == "SKIPPED" ? "TERMINATED" : life}};
  if (!termination.is_null()) status["termination_details"] = termination;
  long long duration = ms_between(run.submitted, all_done && last_end ? *last_end : now);
  Json j = {{"job_id", run.job_id},
            {"run_id", run.run_id},
            {"original_attempt_run_id", run.run_id},
            {"number_in_job", run.number_in_job},
            {"creator_user_name", config_.databricks.user_name},
            {"run_name", run.run_name},
            {"run_type", run.run_type},
            {"format", "MULTI_TASK"},
            {"attempt_number", 0},
            {"state", state},
            {"status", status},
            {"tasks", tasks},
            {"start_time", run.start_ms},
            {"setup_duration", 0},
            {"execution_duration", 0},
            {"cleanup_duration", 0},
            {"run_duration", duration},
            {"end_time", life == "TERMINATED" || life == "INTERNAL_ERROR" || life == "SKIPPED"
                             ? run.start_ms + duration
                             : 0},
            {"trigger", run.run_type == "SUBMIT_RUN" ? "ONE_TIME" : "ONE_TIME"}};
  if (!base.empty()) {
    j["run_page_url"] = base + "/?o=" + std::to_string(config_.databricks.workspace_id) + "#job/" +
                        std::to_string(run.job_id) + "/run/" + std::to_string(run.run_id);
  }
  return j;
}

DatabricksApi::JobRun* DatabricksApi::find_run(long long id, TaskRun** task) {
  if (task) *task = nullptr;
  auto it = runs_.find(id);
  if (it != runs_.end()) return &it->second;
  auto t = task_to_run_.find(id);
  if (t == task_to_run_.end()) return nullptr;
  JobRun& run = runs_.at(t->second);
  for (auto& tr : run.tasks) {
    if (tr.run_id == id && task) *task = &tr;
  }
  return &run;
}

Reply DatabricksApi::runs_submit(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string token;
  if (auto e = optional_string(body, "idempotency_token", token)) return *e;
  if (token.size() > 64) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "idempotency_token is longer than 64 characters");
  }
  if (!token.empty()) ex.log_keys["idempotency_token"] = token;
  std::lock_guard<std::mutex> lock(mu_);
  if (!token.empty()) {
    auto it = runs_by_token_.find(token);
    if (it != runs_by_token_.end()) {
      // Same token, same run: Databricks returns the existing run and starts nothing.
      stats_.replay("databricks");
      ex.log_keys["run_id"] = it->second;
      ex.log_keys["replayed"] = true;
      return Reply::json(200, {{"run_id", it->second}});
    }
  }
  JobRun run;
  run.submitted = clock_.steady_now();
  run.start_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  if (auto e = build_run(body, ex, run, true)) return *e;
  run.run_id = next_id();
  run.job_id = next_id();
  run.number_in_job = run.run_id;
  run.run_type = "SUBMIT_RUN";
  run.run_name = body.value("run_name", "Untitled");
  run.idempotency_token = token;
  for (const auto& t : run.tasks)
    task_to_run_[t.run_id] = run.run_id;
  if (!token.empty()) runs_by_token_[token] = run.run_id;
  const long long id = run.run_id;
  advance_run(run, run.submitted);
  runs_[id] = std::move(run);
  ex.log_keys["run_id"] = id;
  ex.creation_recorded = true;
  return Reply::json(200, {{"run_id", id}});
}

Reply DatabricksApi::runs_get(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  long long id = 0;
  if (auto e = query_int(ex, "run_id", id)) return *e;
  ex.log_keys["run_id"] = id;
  std::lock_guard<std::mutex> lock(mu_);
  TaskRun* task = nullptr;
  JobRun* run = find_run(id, &task);
  if (!run) return run_missing(id);
  const SteadyTime now = clock_.steady_now();
  advance_run(*run, now);
  Json j = run_json(*run, now, ex.base_url);
  if (task) {
    // A task run id: report that task as a run of its own.
    for (const auto& t : j["tasks"]) {
      if (t["run_id"] == id) {
        Json tj = t;
        tj["job_id"] = run->job_id;
        tj["parent_run_id"] = run->run_id;
        tj["run_name"] = run->run_name;
        return Reply::json(200, tj);
      }
    }
  }
  return Reply::json(200, j);
}

Reply DatabricksApi::runs_get_output(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  long long id = 0;
  if (auto e = query_int(ex, "run_id", id)) return *e;
  ex.log_keys["run_id"] = id;
  std::lock_guard<std::mutex> lock(mu_);
  TaskRun* task = nullptr;
  JobRun* run = find_run(id, &task);
  if (!run) return run_missing(id);
  if (!task) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "Retrieving the output of runs with multiple tasks is not supported. Please "
                     "retrieve the output of each individual task run instead.");
  }
  const SteadyTime now = clock_.steady_now();
  advance_run(*run, now);
  Json j = run_json(*run, now, ex.base_url);
  Json metadata;
  for (const auto& t : j["tasks"]) {
    if (t["run_id"] == id) metadata = t;
  }
  metadata["job_id"] = run->job_id;
  Json out = {{"metadata", metadata}};
  auto end = task_terminal(*task, now);
  if (!end || !task->started) return Reply::json(200, out);
  const RunPlan& plan = task->clock.plan;
  Phase p = task->clock.phase_at(now);
  bool notebook = task->spec.contains("notebook_task");
  if (task->internal_error) {
    out["error"] = task->state_message;
  } else if (p == Phase::kFailed) {
    out["error"] = plan.error_message;
    out["error_trace"] = plan.traceback;
  } else if (p == Phase::kTimedOut) {
    out["error"] = "Run timed out.";
  } else if (p == Phase::kCancelled) {
    out["error"] = "Run was cancelled.";
  }
  if (notebook) {
    Json nb = Json::object();
    if (p == Phase::kSucceeded && plan.result) {
      nb["result"] = *plan.result;
      nb["truncated"] = false;
    }
    out["notebook_output"] = nb;
  } else if (task->spec.contains("spark_python_task")) {
    std::string logs = join(plan.stdout_lines, "\n");
    if (p == Phase::kFailed && !task->internal_error)
      logs += (logs.empty() ? "" : "\n") + plan.traceback;
    out["logs"] = logs;
    out["logs_truncated"] = false;
  }
  return Reply::json(200, out);
}

Reply DatabricksApi::runs_cancel(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  long long id = 0;
  if (auto e = require_int(body, "run_id", id)) return *e;
  ex.log_keys["run_id"] = id;
  std::lock_guard<std::mutex> lock(mu_);
  JobRun* run = find_run(id, nullptr);
  if (!run) return run_missing(id);
  const SteadyTime now = clock_.steady_now();
  advance_run(*run, now);
  if (!run->finalized && !run->cancel_requested) {
    run->cancel_requested = now;
    for (auto& t : run->tasks) {
      if (t.started && !t.clock.cancel_requested) t.clock.cancel_requested = now;
    }
    stats_.cancel("databricks");
    advance_run(*run, now);
  }
  return Reply::json(200, Json::object());
}

Reply DatabricksApi::jobs_create(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::lock_guard<std::mutex> lock(mu_);
  if (body.contains("tasks")) {
    JobRun probe;
    if (auto e = build_run(body, ex, probe, false)) return *e;
  }
  Job job;
  job.job_id = next_id();
  job.settings = body;
  if (!job.settings.contains("name")) job.settings["name"] = "Untitled";
  job.created_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  jobs_[job.job_id] = job;
  ex.log_keys["job_id"] = job.job_id;
  ex.creation_recorded = true;
  return Reply::json(200, {{"job_id", job.job_id}});
}

Reply DatabricksApi::jobs_reset(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  long long id = 0;
  if (auto e = require_int(body, "job_id", id)) return *e;
  if (!body.contains("new_settings") || !body["new_settings"].is_object()) {
    return missing_field("new_settings");
  }
  ex.log_keys["job_id"] = id;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return job_missing(id);
  if (body["new_settings"].contains("tasks")) {
    JobRun probe;
    if (auto e = build_run(body["new_settings"], ex, probe, false)) return *e;
  }
  it->second.settings = body["new_settings"];
  if (!it->second.settings.contains("name")) it->second.settings["name"] = "Untitled";
  return Reply::json(200, Json::object());
}

Reply DatabricksApi::jobs_get(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  long long id = 0;
  if (auto e = query_int(ex, "job_id", id)) return *e;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return job_missing(id);
  return Reply::json(200, {{"job_id", id},
                           {"creator_user_name", config_.databricks.user_name},
                           {"settings", it->second.settings},
                           {"created_time", it->second.created_ms}});
}

Reply DatabricksApi::jobs_list(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  long long limit = 20;
  long long offset = 0;
  if (ex.has_query("limit")) {
    auto l = parse_int(ex.query("limit"));
    if (!l || *l < 1 || *l > 100) {
      return dbx_error(400, "INVALID_PARAMETER_VALUE", "limit must be between 1 and 100");
    }
    limit = *l;
  }
  if (ex.has_query("offset")) {
    auto o = parse_int(ex.query("offset"));
    if (!o || *o < 0) return dbx_error(400, "INVALID_PARAMETER_VALUE", "offset must be >= 0");
    offset = *o;
  }
  if (ex.has_query("page_token")) {
    auto o = parse_int(ex.query("page_token"));
    if (!o || *o < 0) return dbx_error(400, "INVALID_PARAMETER_VALUE", "invalid page_token");
    offset = *o;
  }
  bool expand = ex.query("expand_tasks") == "true";
  std::string name = ex.query("name");
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Job*> matches;
  for (const auto& [id, job] : jobs_) {
    if (!name.empty() && !iequals(job.settings.value("name", ""), name)) continue;
    matches.push_back(&job);
  }
  Json jobs = Json::array();
  for (size_t i = static_cast<size_t>(offset);
       i < matches.size() && jobs.size() < static_cast<size_t>(limit); ++i) {
    Json settings = matches[i]->settings;
    if (!expand) settings.erase("tasks");
    jobs.push_back({{"job_id", matches[i]->job_id},
                    {"creator_user_name", config_.databricks.user_name},
                    {"settings", settings},
                    {"created_time", matches[i]->created_ms}});
  }
  bool more = static_cast<size_t>(offset + limit) < matches.size();
  Json out = {{"has_more", more}};
  if (!jobs.empty()) out["jobs"] = jobs;
  if (more) out["next_page_token"] = std::to_string(offset + limit);
  return Reply::json(200, out);
}

Reply DatabricksApi::jobs_run_now(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  long long id = 0;
  if (auto e = require_int(body, "job_id", id)) return *e;
  std::string token;
  if (auto e = optional_string(body, "idempotency_token", token)) return *e;
  ex.log_keys["job_id"] = id;
  if (!token.empty()) ex.log_keys["idempotency_token"] = token;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return job_missing(id);
  if (!token.empty()) {
    auto existing = runs_by_token_.find(token);
    if (existing != runs_by_token_.end()) {
      stats_.replay("databricks");
      ex.log_keys["replayed"] = true;
      return Reply::json(200, {{"run_id", existing->second},
                               {"number_in_job", runs_.at(existing->second).number_in_job}});
    }
  }
  Json settings = it->second.settings;
  if (body.contains("queue")) settings["queue"] = body["queue"];
  JobRun run;
  run.submitted = clock_.steady_now();
  run.start_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  if (auto e = build_run(settings, ex, run, false)) return *e;
  if (body.contains("notebook_params") && body["notebook_params"].is_object()) {
    for (auto& t : run.tasks) {
      if (!t.spec.contains("notebook_task")) continue;
      for (auto p = body["notebook_params"].begin(); p != body["notebook_params"].end(); ++p) {
        t.spec["notebook_task"]["base_parameters"][p.key()] = p.value();
      }
    }
  }
  // Without queueing, a run beyond max_concurrent_runs (default 1) is skipped, as documented.
  long long max_runs = settings.value("max_concurrent_runs", 1LL);
  long long active = 0;
  for (auto& [rid, other] : runs_) {
    if (other.job_id != id) continue;
    advance_run(other, run.submitted);
    active += other.finalized ? 0 : 1;
  }
  if (active >= max_runs && !run.queue_enabled) {
    run.skipped = "Skipping this run because the limit of " + std::to_string(max_runs) +
                  " maximum concurrent runs has been reached.";
  }
  run.run_id = next_id();
  run.job_id = id;
  run.number_in_job = ++job_run_counts_[id];
  run.run_type = "JOB_RUN";
  run.run_name = settings.value("name", "Untitled");
  run.idempotency_token = token;
  for (const auto& t : run.tasks)
    task_to_run_[t.run_id] = run.run_id;
  if (!token.empty()) runs_by_token_[token] = run.run_id;
  const long long run_id = run.run_id;
  const long long number = run.number_in_job;
  advance_run(run, run.submitted);
  runs_[run_id] = std::move(run);
  ex.log_keys["run_id"] = run_id;
  ex.creation_recorded = true;
  return Reply::json(200, {{"run_id", run_id}, {"number_in_job", number}});
}

}  // namespace dbtpy::sandbox::databricks
