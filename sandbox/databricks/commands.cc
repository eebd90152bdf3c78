// Command Execution API 1.2: execution contexts and commands on all-purpose clusters.
#include "sandbox/databricks/databricks_api.h"
#include "sandbox/databricks/errors.h"
#include "util/strings.h"

namespace dbtpy::sandbox::databricks {
namespace {

std::chrono::steady_clock::duration secs(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(0.0, s)));
}

bool valid_language(const std::string& l) {
  std::string v = to_lower(l);
  return v == "python" || v == "scala" || v == "sql" || v == "r";
}

Reply context_missing(const std::string& id) {
  return dbx_error(404, "RESOURCE_DOES_NOT_EXIST", "Context " + id + " does not exist.");
}

}  // namespace

Reply DatabricksApi::contexts_create(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string cluster_id;
  std::string language = "python";
  if (auto e = require_string(body, "clusterId", cluster_id)) return *e;
  if (auto e = optional_string(body, "language", language)) return *e;
  if (!valid_language(language)) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "Invalid language '" + language + "': use python, scala, sql or r");
  }
  ex.log_keys["clusterId"] = cluster_id;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clusters_.find(cluster_id);
  if (it == clusters_.end()) return cluster_missing(cluster_id);
  const SteadyTime now = clock_.steady_now();
  std::string state = cluster_state(it->second, now);
  if (state != "RUNNING") {
    return dbx_error(400, "INVALID_STATE",
                     "ClusterNotReadyException: Cluster " + cluster_id + " is in state " + state +
                         ", not RUNNING. Start it and wait until it is RUNNING.");
  }
  Context c;
  c.id = std::to_string(next_id()) + std::to_string(random_.integer(100000, 999999));
  c.cluster_id = cluster_id;
  c.language = to_lower(language);
  c.created = now;
  contexts_[c.id] = c;
  ex.log_keys["contextId"] = c.id;
  ex.creation_recorded = true;
  return Reply::json(200, {{"id", c.id}});
}

Reply DatabricksApi::contexts_status(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  for (const char* q : {"clusterId", "contextId"}) {
    if (!ex.has_query(q)) return missing_field(q);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = contexts_.find(ex.query("contextId"));
  if (it == contexts_.end() || it->second.destroyed ||
      it->second.cluster_id != ex.query("clusterId")) {
    return context_missing(ex.query("contextId"));
  }
  const SteadyTime now = clock_.steady_now();
  std::string status = "Running";
  auto cl = clusters_.find(it->second.cluster_id);
  if (cl == clusters_.end() || cluster_state(cl->second, now) != "RUNNING") {
    status = "Error";
  } else if (now < it->second.created + secs(config_.databricks.context_start_seconds)) {
    status = "Pending";
  }
  return Reply::json(200, {{"id", it->first}, {"status", status}});
}

Reply DatabricksApi::contexts_destroy(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string cluster_id;
  std::string context_id;
  if (auto e = require_string(body, "clusterId", cluster_id)) return *e;
  if (auto e = require_string(body, "contextId", context_id)) return *e;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = contexts_.find(context_id);
  if (it == contexts_.end() || it->second.destroyed || it->second.cluster_id != cluster_id) {
    return context_missing(context_id);
  }
  it->second.destroyed = true;
  // Commands still running in the context die with it.
  const SteadyTime now = clock_.steady_now();
  for (auto& [id, cmd] : commands_) {
    if (cmd.context_id != context_id || cmd.finalized) continue;
    if (!is_terminal(cmd.clock.phase_at(now)) && !cmd.clock.cancel_requested) {
      cmd.clock.cancel_requested = now;
    }
  }
  return Reply::json(200, Json::object());
}

Reply DatabricksApi::commands_execute(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string cluster_id;
  std::string context_id;
  std::string command;
  std::string language = "python";
  if (auto e = require_string(body, "clusterId", cluster_id)) return *e;
  if (auto e = require_string(body, "contextId", context_id)) return *e;
  if (auto e = optional_string(body, "language", language)) return *e;
  if (auto e = require_string(body, "command", command)) return *e;
  if (!valid_language(language)) {
    return dbx_error(400, "INVALID_PARAMETER_VALUE",
                     "Invalid language '" + language + "': use python, scala, sql or r");
  }
  ex.log_keys["clusterId"] = cluster_id;
  ex.log_keys["contextId"] = context_id;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = contexts_.find(context_id);
  if (it == contexts_.end() || it->second.destroyed || it->second.cluster_id != cluster_id) {
    return context_missing(context_id);
  }
  const SteadyTime now = clock_.steady_now();
  if (now < it->second.created + secs(config_.databricks.context_start_seconds)) {
    return dbx_error(400, "INVALID_STATE",
                     "Context " + context_id + " is not running yet (status Pending).");
  }
  if (to_lower(language) != it->second.language) {
    return dbx_error(
        400, "INVALID_PARAMETER_VALUE",
        "Context " + context_id + " runs " + it->second.language + ", not " + to_lower(language));
  }
  Command cmd;
  cmd.id = random_.hex(32);
  cmd.context_id = context_id;
  cmd.cluster_id = cluster_id;
  const std::string filename = "<command-" + std::to_string(next_id() % 10000000) + ">";
  if (is_helper_code(command)) {
    // dbtpy's `%pip install` and parameter cells: Databricks runs any code it is given.
    cmd.model = false;
    cmd.clock.plan = planner_.plan_helper(command, filename);
  } else {
    PlannedRun pr = planner_.plan_python("databricks", command, filename, true);
    cmd.clock.plan = std::move(pr.plan);
    cmd.meta = std::move(pr.meta);
  }
  cmd.clock.submitted = clock_.steady_now();  // after the compile check
  cmd.clock.cancel_latency = config_.defaults.cancel_latency;
  // A context runs one command at a time: queue behind the previous one.
  for (auto& [id, other] : commands_) {
    if (other.context_id != context_id) continue;
    SteadyTime end = other.clock.terminal_time();
    if (end > now) {
      cmd.clock.plan.queue_seconds =
          std::max(cmd.clock.plan.queue_seconds, std::chrono::duration<double>(end - now).count());
    }
  }
  commands_[cmd.id] = cmd;
  ex.log_keys["commandId"] = cmd.id;
  ex.creation_recorded = true;
  return Reply::json(200, {{"id", cmd.id}});
}

void DatabricksApi::finalize_command(Command& c, SteadyTime now) {
  if (c.finalized) return;
  Phase p = c.clock.phase_at(now);
  if (!is_terminal(p)) return;
  c.finalized = true;
  if (c.model) stats_.run_finished("databricks", phase_name(p));
  if (p == Phase::kSucceeded && c.meta) {
    Json info = {{"unique_id", c.meta->unique_id},
                 {"materialized", c.meta->materialized},
                 {"columns", c.clock.plan.columns},
                 {"updated_by", "command " + c.id}};
    catalog_.record("databricks", c.meta->relation, info);
    // One command materializes the whole model; its staging table is gone when it ends.
  }
}

std::string DatabricksApi::command_status(Command& c, SteadyTime now, Json* results) {
  finalize_command(c, now);
  Phase p = c.clock.phase_at(now);
  auto ctx = contexts_.find(c.context_id);
  const bool context_lost = ctx == contexts_.end() || ctx->second.destroyed;
  if (results) *results = nullptr;
  switch (p) {
    case Phase::kQueued:
      return "Queued";
    case Phase::kStarting:
    case Phase::kRunning:
      return "Running";
    case Phase::kCancelling:
      return "Cancelling";
    case Phase::kCancelled:
      if (context_lost) {
        if (results) {
          *results = {{"resultType", "error"},
                      {"summary", "The execution context was destroyed"},
                      {"cause", "The execution context was destroyed while the command ran."},
                      {"data", "Execution context was destroyed while the command was running"}};
        }
        return "Error";
      }
      return "Cancelled";
    case Phase::kSucceeded:
      if (results) {
        *results = {{"resultType", "text"}, {"data", join(c.clock.plan.stdout_lines, "\n")}};
      }
      return "Finished";
    case Phase::kFailed:
    case Phase::kTimedOut:
      if (results) {
        // Databricks reports a Python exception as a Finished command whose result is an
        // error; the summary is HTML-highlighted, the cause is the full traceback.
        const std::string& type = c.clock.plan.error_type;
        std::string message = c.clock.plan.error_message;
        std::string rest = message.size() > type.size() ? message.substr(type.size()) : "";
        *results = {{"resultType", "error"},
                    {"summary", "<span class='ansi-red-fg'>" + type + "</span>" + rest},
                    {"cause",
                     "---------------------------------------------------------------"
                     "------------\n" +
                         c.clock.plan.traceback}};
      }
      return "Finished";
  }
  return "Running";
}

Reply DatabricksApi::commands_status(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  for (const char* q : {"clusterId", "contextId", "commandId"}) {
    if (!ex.has_query(q)) return missing_field(q);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = commands_.find(ex.query("commandId"));
  if (it == commands_.end() || it->second.context_id != ex.query("contextId") ||
      it->second.cluster_id != ex.query("clusterId")) {
    return dbx_error(404, "RESOURCE_DOES_NOT_EXIST",
                     "Command " + ex.query("commandId") + " does not exist.");
  }
  Json results;
  std::string status = command_status(it->second, clock_.steady_now(), &results);
  Json out = {{"id", it->first}, {"status", status}};
  if (!results.is_null()) out["results"] = results;
  return Reply::json(200, out);
}

Reply DatabricksApi::commands_cancel(Exchange& ex) {
  if (auto r = authenticate(ex)) return *r;
  std::optional<Reply> err;
  Json body = body_object(ex, err);
  if (err) return *err;
  std::string cluster_id;
  std::string context_id;
  std::string command_id;
  if (auto e = require_string(body, "clusterId", cluster_id)) return *e;
  if (auto e = require_string(body, "contextId", context_id)) return *e;
  if (auto e = require_string(body, "commandId", command_id)) return *e;
  ex.log_keys["commandId"] = command_id;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = commands_.find(command_id);
  if (it == commands_.end() || it->second.context_id != context_id ||
      it->second.cluster_id != cluster_id) {
    return dbx_error(404, "RESOURCE_DOES_NOT_EXIST", "Command " + command_id + " does not exist.");
  }
  const SteadyTime now = clock_.steady_now();
  if (!is_terminal(it->second.clock.phase_at(now)) && !it->second.clock.cancel_requested) {
    it->second.clock.cancel_requested = now;
    stats_.cancel("databricks");
  }
  return Reply::json(200, Json::object());
}

}  // namespace dbtpy::sandbox::databricks
