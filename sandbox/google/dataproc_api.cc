#include "sandbox/google/dataproc_api.h"

#include <cstring>
#include <regex>
#include <set>

#include "sandbox/duration.h"
#include "sandbox/google/errors.h"
#include "sandbox/http/params.h"
#include "util/strings.h"

namespace dbtpy::sandbox::google {
namespace {

const std::regex kBatchId(R"(^[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$)");
const std::regex kRequestId(R"(^[A-Za-z0-9_-]{1,40}$)");
const std::regex kJobId(R"(^[A-Za-z0-9_-]{1,100}$)");
const std::regex kBucketName(R"(^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$)");

Reply invalid(const std::string& message) {
  return google_error(400, message);
}

// Google's one-platform APIs reject unknown JSON fields instead of ignoring them.
std::optional<Reply> unknown_fields(const Json& obj, const std::string& where,
                                    const std::set<std::string>& known) {
  if (!obj.is_object()) {
    return invalid("Invalid JSON payload received. Expected an object at '" + where + "'.");
  }
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!known.count(it.key())) {
      return invalid("Invalid JSON payload received. Unknown name \"" + it.key() + "\" at '" +
                     where + "': Cannot find field.");
    }
  }
  return std::nullopt;
}

std::optional<Reply> string_list(const Json& obj, const std::string& field,
                                 const std::string& where) {
  if (!obj.contains(field)) return std::nullopt;
  if (!obj[field].is_array()) {
    return invalid("Invalid value at '" + where + "." + field + "': expected a list of strings.");
  }
  for (const auto& v : obj[field]) {
    if (!v.is_string()) {
      return invalid("Invalid value at '" + where + "." + field + "' (TYPE_STRING), " + v.dump());
    }
  }
  return std::nullopt;
}

std::optional<Reply> string_map(const Json& obj, const std::string& field,
                                const std::string& where) {
  if (!obj.contains(field)) return std::nullopt;
  if (!obj[field].is_object()) {
    return invalid("Invalid value at '" + where + "." + field + "': expected a map of strings.");
  }
  for (auto it = obj[field].begin(); it != obj[field].end(); ++it) {
    if (!it.value().is_string()) {
      return invalid("Invalid value at '" + where + "." + field + "[" + it.key() +
                     "]' (TYPE_STRING), " + it.value().dump());
    }
  }
  return std::nullopt;
}

std::optional<Reply> check_pyspark(const Json& p, const std::string& where) {
  if (auto e = unknown_fields(p, where,
                              {"mainPythonFileUri", "args", "pythonFileUris", "jarFileUris",
                               "fileUris", "archiveUris", "properties", "loggingConfig"})) {
    return e;
  }
  if (!p.contains("mainPythonFileUri") || !p["mainPythonFileUri"].is_string() ||
      p["mainPythonFileUri"].get<std::string>().empty()) {
    return invalid("Missing required field: " + where + ".mainPythonFileUri");
  }
  std::string uri = p["mainPythonFileUri"];
  if (uri.size() < 3 || uri.substr(uri.size() - 3) != ".py") {
    return invalid("Main python file '" + uri + "' must be a .py file.");
  }
  if (uri.rfind("gs://", 0) != 0) {
    return invalid("The sandbox reads main python files from Cloud Storage only: '" + uri +
                   "' is not a gs:// URI.");
  }
  for (const char* f : {"args", "pythonFileUris", "jarFileUris", "fileUris", "archiveUris"}) {
    if (auto e = string_list(p, f, where)) return e;
  }
  if (auto e = string_map(p, "properties", where)) return e;
  return std::nullopt;
}

// "gs://bucket/path/to/obj" -> {bucket, path/to/obj}
std::optional<std::pair<std::string, std::string>> split_gs(const std::string& uri) {
  if (uri.rfind("gs://", 0) != 0) return std::nullopt;
  auto slash = uri.find('/', 5);
  if (slash == std::string::npos) return std::nullopt;
  return std::make_pair(uri.substr(5, slash - 5), uri.substr(slash + 1));
}

std::chrono::steady_clock::duration secs(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(0.0, s)));
}

}  // namespace

DataprocApi::DataprocApi(const SandboxConfig& config, const Clock& clock, Random& random,
                         Stats& stats, Catalog& catalog, RunPlanner& planner, GcsStore& gcs,
                         OAuth& oauth)
    : config_(config),
      clock_(clock),
      random_(random),
      stats_(stats),
      catalog_(catalog),
      planner_(planner),
      gcs_(gcs),
      oauth_(oauth) {}

void DataprocApi::register_routes(Router& r) {
  const std::string pl = "/v1/projects/([^/]+)/locations/([^/]+)";
  const std::string pr = "/v1/projects/([^/]+)/regions/([^/]+)";
  r.add("POST", pl + "/batches", "dataproc.batches.create",
        [this](Exchange& ex) { return create_batch(ex); });
  r.add("GET", pl + "/batches/([^/:]+)", "dataproc.batches.get",
        [this](Exchange& ex) { return get_batch(ex); });
  r.add("GET", pr + "/operations/([^/:]+)", "dataproc.operations.get",
        [this](Exchange& ex) { return get_operation(ex); });
  r.add("POST", pr + "/operations/([^/:]+):cancel", "dataproc.operations.cancel",
        [this](Exchange& ex) { return cancel_operation(ex); });
  r.add("POST", pr + "/jobs:submit", "dataproc.jobs.submit",
        [this](Exchange& ex) { return submit_job(ex); });
  r.add("GET", pr + "/jobs/([^/:]+)", "dataproc.jobs.get",
        [this](Exchange& ex) { return get_job(ex); });
  r.add("POST", pr + "/jobs/([^/:]+):cancel", "dataproc.jobs.cancel",
        [this](Exchange& ex) { return cancel_job(ex); });
}

std::optional<Reply> DataprocApi::check_location(const std::string& project,
                                                 const std::string& region,
                                                 const std::string& permission) {
  for (const auto& p : config_.google.projects) {
    if (p.id != project) continue;
    if (!p.regions.empty() &&
        std::find(p.regions.begin(), p.regions.end(), region) == p.regions.end()) {
      return invalid("Region '" + region + "' is invalid for project '" + project +
                     "': use one of " + join(p.regions, ", ") + ".");
    }
    return std::nullopt;
  }
  return google_error(403, "Permission '" + permission +
                               "' denied on resource '//dataproc.googleapis.com/projects/" +
                               project + "/regions/" + region + "' (or it may not exist).");
}

std::string DataprocApi::wall_time_at(const Work& w, SteadyTime t) const {
  auto wall = w.created_wall +
              std::chrono::duration_cast<std::chrono::system_clock::duration>(t - w.created);
  return format_rfc3339(wall);
}

void DataprocApi::plan(Work& w, const std::string& staging_bucket) {
  gcs_.ensure_bucket(staging_bucket);
  auto loc = split_gs(w.main_uri);
  std::optional<GcsObject> main;
  if (loc && gcs_.has_bucket(loc->first)) main = gcs_.get(loc->first, loc->second);
  if (!main) {
    w.missing_main = true;
    w.clock.plan = planner_.plan_failure(
        "FileNotFoundError", "Google Cloud Storage object " + w.main_uri + " does not exist.");
  } else {
    PlannedRun pr = planner_.plan_python("dataproc", main->content, w.main_uri, false);
    w.clock.plan = std::move(pr.plan);
    w.meta = std::move(pr.meta);
  }
  w.clock.cancel_latency = config_.defaults.cancel_latency;
  // A cluster job is PENDING until the agent picks it up, then SETUP_DONE, then RUNNING.
  if (!w.is_batch && w.clock.plan.queue_seconds <= 0) {
    w.clock.plan.queue_seconds = w.clock.plan.startup_seconds / 2;
    w.clock.plan.startup_seconds /= 2;
  }
}

void DataprocApi::finalize(Work& w, SteadyTime now) {
  if (w.finalized) return;
  Phase p = w.clock.phase_at(now);
  if (!is_terminal(p)) return;
  w.finalized = true;
  stats_.run_finished("dataproc", phase_name(p));
  // Driver output: what the model printed, then the traceback when it failed.
  std::string out;
  for (const auto& line : w.clock.plan.stdout_lines)
    out += line + "\n";
  if (p == Phase::kFailed) out += w.clock.plan.traceback + "\n";
  if (auto loc = split_gs(w.output_prefix)) {
    gcs_.put(loc->first, loc->second + ".000000000", out, "application/octet-stream",
             Json::object(), std::nullopt);
  }
  if (p == Phase::kSucceeded && w.meta) {
    Json info = {{"unique_id", w.meta->unique_id},
                 {"materialized", w.meta->materialized},
                 {"columns", w.clock.plan.columns},
                 {"updated_by", (w.is_batch ? "batch " : "job ") + w.id}};
    catalog_.record("bigquery", w.meta->relation, info);
    // Here the staging table outlives the run: the BigQuery merge job reads it afterwards.
    if (!w.meta->staging_relation.empty()) {
      catalog_.record("bigquery", w.meta->staging_relation, info);
    }
  }
}

void DataprocApi::tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const SteadyTime now = clock_.steady_now();
  for (auto& [n, w] : batches_)
    finalize(w, now);
  for (auto& [n, w] : jobs_)
    finalize(w, now);
}

std::string DataprocApi::batch_state(const Work& w, SteadyTime now, std::string* message) const {
  Phase p = w.clock.phase_at(now);
  switch (p) {
    case Phase::kQueued:
    case Phase::kStarting:
      return "PENDING";
    case Phase::kRunning:
      return "RUNNING";
    case Phase::kCancelling:
      return "CANCELLING";
    case Phase::kCancelled:
      return "CANCELLED";
    case Phase::kSucceeded:
      return "SUCCEEDED";
    case Phase::kTimedOut:
      if (message) *message = "Batch exceeded its ttl and was terminated.";
      return "FAILED";
    case Phase::kFailed:
      if (message) {
        *message = w.missing_main
                       ? w.clock.plan.error_message.substr(w.clock.plan.error_type.size() + 2)
                       : "Job failed with message [" + w.clock.plan.error_message +
                             "]. Additional details can be found at:\n" + w.output_prefix;
      }
      return "FAILED";
  }
  return "STATE_UNSPECIFIED";
}

Json DataprocApi::batch_json(Work& w, SteadyTime now) {
  finalize(w, now);
  std::string message;
  std::string state = batch_state(w, now, &message);
  Json history = Json::array();
  SteadyTime running = w.clock.started_running();
  SteadyTime end = w.clock.terminal_time();
  std::string state_time = w.create_time;
  if (state != "PENDING") {
    history.push_back({{"state", "PENDING"}, {"stateStartTime", w.create_time}});
    state_time = wall_time_at(w, std::min(running, end));
    if (state != "RUNNING" && running < end) {
      history.push_back({{"state", "RUNNING"}, {"stateStartTime", wall_time_at(w, running)}});
    }
    if (state == "CANCELLED" && w.clock.cancel_requested) {
      history.push_back({{"state", "CANCELLING"},
                         {"stateStartTime", wall_time_at(w, *w.clock.cancel_requested)}});
    }
    if (state != "RUNNING") {
      state_time = wall_time_at(w, state == "CANCELLING" ? *w.clock.cancel_requested : end);
    }
  }
  Json j = w.spec;
  j["name"] = "projects/" + w.project + "/locations/" + w.region + "/batches/" + w.id;
  j["uuid"] = w.uuid;
  j["createTime"] = w.create_time;
  j["creator"] = w.creator;
  j["operation"] = w.operation;
  j["state"] = state;
  j["stateTime"] = state_time;
  if (!message.empty()) j["stateMessage"] = message;
  if (!history.empty()) j["stateHistory"] = history;
  if (!j.contains("runtimeConfig")) j["runtimeConfig"] = Json::object();
  if (!j["runtimeConfig"].contains("version")) j["runtimeConfig"]["version"] = "2.2";
  if (state != "PENDING") j["runtimeInfo"] = {{"outputUri", w.output_prefix}};
  return j;
}

Json DataprocApi::operation_json(Work& w, SteadyTime now) {
  Json batch = batch_json(w, now);
  std::string state = batch["state"];
  Json op = {{"name", w.operation},
             {"metadata",
              {{"@type", "type.googleapis.com/google.cloud.dataproc.v1.BatchOperationMetadata"},
               {"batch", batch["name"]},
               {"batchUuid", w.uuid},
               {"createTime", w.create_time},
               {"operationType", "BATCH"},
               {"description", "Batch"}}}};
  if (w.spec.contains("labels")) op["metadata"]["labels"] = w.spec["labels"];
  bool done = state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED";
  op["done"] = done;
  if (state == "SUCCEEDED") {
    Json response = batch;
    response["@type"] = "type.googleapis.com/google.cloud.dataproc.v1.Batch";
    op["response"] = response;
    op["metadata"]["doneTime"] = batch["stateTime"];
  } else if (state == "FAILED") {
    op["error"] = {{"code", 9}, {"message", batch.value("stateMessage", "Batch failed")}};
    op["metadata"]["doneTime"] = batch["stateTime"];
  } else if (state == "CANCELLED") {
    op["error"] = {{"code", 1}, {"message", "Batch was cancelled."}};
    op["metadata"]["doneTime"] = batch["stateTime"];
  }
  return op;
}

Reply DataprocApi::create_batch(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kDataproc)) return *r;
  const std::string project = ex.args[0];
  const std::string region = ex.args[1];
  if (auto e = check_location(project, region, "dataproc.batches.create")) return *e;
  std::string batch_id = ex.query("batchId");
  std::string request_id = ex.query("requestId");
  if (ex.has_query("batchId")) {
    ex.log_keys["batchId"] = batch_id;
    if (!std::regex_match(batch_id, kBatchId)) {
      return invalid("Batch ID '" + batch_id +
                     "' is invalid: use 4-63 lowercase letters, digits and hyphens, starting and "
                     "ending with a letter or digit.");
    }
  }
  if (ex.has_query("requestId")) {
    ex.log_keys["requestId"] = request_id;
    if (!std::regex_match(request_id, kRequestId)) {
      return invalid("Request ID '" + request_id +
                     "' is invalid: use up to 40 letters, digits, underscores and hyphens.");
    }
  }
  Json body = Json::parse(ex.req.body, nullptr, false);
  if (body.is_discarded()) return invalid("Invalid JSON payload received. Unexpected token.");
  if (auto e = unknown_fields(
          body, "batch",
          {"name", "uuid", "createTime", "pysparkBatch", "sparkBatch", "sparkRBatch",
           "sparkSqlBatch", "runtimeInfo", "state", "stateMessage", "stateTime", "creator",
           "labels", "runtimeConfig", "environmentConfig", "operation", "stateHistory"})) {
    return *e;
  }
  int kinds = 0;
  for (const char* k : {"pysparkBatch", "sparkBatch", "sparkRBatch", "sparkSqlBatch"}) {
    kinds += body.contains(k) ? 1 : 0;
  }
  if (kinds != 1) {
    return invalid(
        "Batch must specify exactly one of pysparkBatch, sparkBatch, sparkRBatch or "
        "sparkSqlBatch.");
  }
  if (!body.contains("pysparkBatch")) {
    return invalid("The sandbox simulates pysparkBatch batches only.");
  }
  if (auto e = check_pyspark(body["pysparkBatch"], "batch.pyspark_batch")) return *e;
  if (auto e = string_map(body, "labels", "batch")) return *e;
  std::optional<double> ttl;
  std::string staging = config_.google.staging_bucket;
  if (body.contains("runtimeConfig")) {
    const Json& rc = body["runtimeConfig"];
    if (auto e = unknown_fields(rc, "batch.runtime_config",
                                {"version", "containerImage", "properties", "repositoryConfig",
                                 "autotuningConfig", "cohort"})) {
      return *e;
    }
    if (auto e = string_map(rc, "properties", "batch.runtime_config")) return *e;
    if (rc.contains("version")) {
      static const std::set<std::string> kVersions = {"1.1", "1.2", "2.0", "2.1", "2.2", "2.3"};
      if (!rc["version"].is_string() || !kVersions.count(rc["version"].get<std::string>())) {
        return invalid("Unsupported runtime version: " + rc["version"].dump() +
                       ". Use 1.1, 1.2, 2.0, 2.1, 2.2 or 2.3.");
      }
    }
  }
  if (body.contains("environmentConfig")) {
    const Json& ec = body["environmentConfig"];
    if (auto e = unknown_fields(ec, "batch.environment_config",
                                {"executionConfig", "peripheralsConfig"})) {
      return *e;
    }
    if (ec.contains("executionConfig")) {
      const Json& x = ec["executionConfig"];
      if (auto e = unknown_fields(
              x, "batch.environment_config.execution_config",
              {"serviceAccount", "networkUri", "subnetworkUri", "networkTags", "kmsKey", "idleTtl",
               "ttl", "stagingBucket", "authenticationConfig"})) {
        return *e;
      }
      if (x.contains("stagingBucket")) {
        if (!x["stagingBucket"].is_string()) return invalid("stagingBucket must be a string.");
        staging = x["stagingBucket"];
        if (staging.rfind("gs://", 0) == 0 || !std::regex_match(staging, kBucketName)) {
          return invalid(
              "stagingBucket must be a Cloud Storage bucket name (without gs://), "
              "got '" +
              staging + "'.");
        }
      }
      if (x.contains("ttl")) {
        std::string t = x["ttl"].is_string() ? x["ttl"].get<std::string>() : "";
        auto d = parse_duration(t);
        if (t.empty() || t.back() != 's' || !d) {
          return invalid(
              "Invalid value at 'batch.environment_config.execution_config.ttl' "
              "(type.googleapis.com/google.protobuf.Duration), \"" +
              t + "\"");
        }
        ttl = *d;
      }
    }
  }

  std::lock_guard<std::mutex> lock(mu_);
  const std::string parent = "projects/" + project + "/locations/" + region;
  if (!request_id.empty()) {
    auto it = batch_requests_.find(parent + "|" + request_id);
    if (it != batch_requests_.end()) {
      // Same requestId: the second request is ignored and the first batch's operation returned.
      stats_.replay("dataproc");
      ex.log_keys["replayed"] = true;
      return Reply::json(200, operation_json(batches_.at(it->second), clock_.steady_now()));
    }
  }
  if (batch_id.empty()) batch_id = random_.uuid4();
  const std::string key = project + "|" + region + "|" + batch_id;
  if (batches_.count(key)) {
    return google_error(
        409, "Already exists: Failed to create batch: Batch " + parent + "/batches/" + batch_id);
  }
  Work w;
  w.is_batch = true;
  w.project = project;
  w.region = region;
  w.id = batch_id;
  w.uuid = random_.uuid4();
  w.operation = "projects/" + project + "/regions/" + region + "/operations/" + random_.uuid4();
  w.request_id = request_id;
  w.creator = ex.log_keys.value("principal", "");
  w.spec = body;
  for (const char* out_only : {"name", "uuid", "createTime", "runtimeInfo", "state", "stateMessage",
                               "stateTime", "creator", "operation", "stateHistory"}) {
    w.spec.erase(out_only);
  }
  w.main_uri = body["pysparkBatch"]["mainPythonFileUri"];
  w.output_prefix = "gs://" + staging + "/google-cloud-dataproc-metainfo/" + w.uuid +
                    "/jobs/srvls-batch-" + w.uuid + "/driveroutput";
  plan(w, staging);  // first: compiling the main file takes a moment
  w.created = clock_.steady_now();
  w.created_wall = clock_.now();
  w.create_time = format_rfc3339(w.created_wall);
  w.clock.submitted = w.created;
  w.clock.timeout_seconds = ttl;
  operations_[w.operation] = key;
  if (!request_id.empty()) batch_requests_[parent + "|" + request_id] = key;
  ex.log_keys["operation"] = w.operation;
  ex.creation_recorded = true;
  auto& stored = batches_[key] = std::move(w);
  return Reply::json(200, operation_json(stored, clock_.steady_now()));
}

Reply DataprocApi::get_batch(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kDataproc)) return *r;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = batches_.find(ex.args[0] + "|" + ex.args[1] + "|" + ex.args[2]);
  if (it == batches_.end()) {
    return google_error(404, "Not found: Batch projects/" + ex.args[0] + "/locations/" +
                                 ex.args[1] + "/batches/" + ex.args[2]);
  }
  return Reply::json(200, batch_json(it->second, clock_.steady_now()));
}

Reply DataprocApi::get_operation(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kDataproc)) return *r;
  const std::string name =
      "projects/" + ex.args[0] + "/regions/" + ex.args[1] + "/operations/" + ex.args[2];
  std::lock_guard<std::mutex> lock(mu_);
  auto it = operations_.find(name);
  if (it == operations_.end()) return google_error(404, "Not found: Operation " + name);
  return Reply::json(200, operation_json(batches_.at(it->second), clock_.steady_now()));
}

Reply DataprocApi::cancel_operation(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kDataproc)) return *r;
  const std::string name =
      "projects/" + ex.args[0] + "/regions/" + ex.args[1] + "/operations/" + ex.args[2];
  ex.log_keys["operation"] = name;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = operations_.find(name);
  if (it == operations_.end()) return google_error(404, "Not found: Operation " + name);
  Work& w = batches_.at(it->second);
  const SteadyTime now = clock_.steady_now();
  Phase p = w.clock.phase_at(now);
  if (is_terminal(p)) {
    return google_error(
        400, "Cannot cancel batch " + w.id + " in state " + batch_state(w, now, nullptr) + ".", "",
        "FAILED_PRECONDITION");
  }
  if (!w.clock.cancel_requested) {
    w.clock.cancel_requested = now;
    stats_.cancel("dataproc");
  }
  return Reply::json(200, Json::object());
}

std::string DataprocApi::job_state(const Work& w, SteadyTime now) const {
  switch (w.clock.phase_at(now)) {
    case Phase::kQueued:
      return "PENDING";
    case Phase::kStarting:
      return "SETUP_DONE";
    case Phase::kRunning:
      return "RUNNING";
    case Phase::kCancelling:
      return "CANCEL_PENDING";
    case Phase::kCancelled:
      return "CANCELLED";
    case Phase::kSucceeded:
      return "DONE";
    case Phase::kFailed:
    case Phase::kTimedOut:
      return "ERROR";
  }
  return "STATE_UNSPECIFIED";
}

Json DataprocApi::job_json(Work& w, SteadyTime now) {
  finalize(w, now);
  std::string state = job_state(w, now);
  SteadyTime queued_end = w.clock.submitted + secs(w.clock.plan.queue_seconds);
  SteadyTime running = w.clock.started_running();
  SteadyTime end = w.clock.terminal_time();
  // Each state with its start time, up to the current one.
  std::vector<std::pair<std::string, SteadyTime>> timeline = {{"PENDING", w.created}};
  if (now >= queued_end && queued_end < end) timeline.push_back({"SETUP_DONE", queued_end});
  if (now >= running && running < end) timeline.push_back({"RUNNING", running});
  if (w.clock.cancel_requested && now >= *w.clock.cancel_requested &&
      *w.clock.cancel_requested < end) {
    timeline.push_back({"CANCEL_PENDING", *w.clock.cancel_requested});
  }
  if (now >= end) timeline.push_back({state, end});
  Json history = Json::array();
  for (size_t i = 0; i + 1 < timeline.size(); ++i) {
    history.push_back(
        {{"state", timeline[i].first}, {"stateStartTime", wall_time_at(w, timeline[i].second)}});
  }
  Json status = {{"state", state}, {"stateStartTime", wall_time_at(w, timeline.back().second)}};
  if (state == "ERROR") {
    status["details"] = w.missing_main
                            ? w.clock.plan.error_message
                            : "Job failed with message [" + w.clock.plan.error_message +
                                  "]. Additional details can be found at:\n" + w.output_prefix;
  }
  Json j = w.spec;
  j["reference"] = {{"projectId", w.project}, {"jobId", w.id}};
  j["placement"]["clusterUuid"] = w.cluster_uuid;
  j["status"] = status;
  if (!history.empty()) j["statusHistory"] = history;
  std::string control = w.output_prefix.substr(0, w.output_prefix.size() - strlen("driveroutput"));
  j["driverControlFilesUri"] = control;
  j["driverOutputResourceUri"] = w.output_prefix;
  j["jobUuid"] = w.uuid;
  j["done"] = state == "DONE" || state == "ERROR" || state == "CANCELLED";
  return j;
}

Reply DataprocApi::submit_job(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kDataproc)) return *r;
  const std::string project = ex.args[0];
  const std::string region = ex.args[1];
  if (auto e = check_location(project, region, "dataproc.jobs.create")) return *e;
  Json body = Json::parse(ex.req.body, nullptr, false);
  if (body.is_discarded()) return invalid("Invalid JSON payload received. Unexpected token.");
  if (auto e = unknown_fields(body, "", {"job", "requestId"})) return *e;
  if (!body.contains("job")) return invalid("Missing required field: job");
  const Json& job = body["job"];
  if (auto e = unknown_fields(job, "job",
                              {"reference",
                               "placement",
                               "pysparkJob",
                               "hadoopJob",
                               "sparkJob",
                               "hiveJob",
                               "pigJob",
                               "sparkRJob",
                               "sparkSqlJob",
                               "prestoJob",
                               "trinoJob",
                               "flinkJob",
                               "labels",
                               "scheduling",
                               "driverSchedulingConfig",
                               "jobUuid",
                               "status",
                               "statusHistory",
                               "yarnApplications",
                               "driverOutputResourceUri",
                               "driverControlFilesUri",
                               "done"})) {
    return *e;
  }
  std::string request_id;
  if (body.contains("requestId")) {
    if (!body["requestId"].is_string()) return invalid("requestId must be a string.");
    request_id = body["requestId"];
    ex.log_keys["requestId"] = request_id;
    if (!std::regex_match(request_id, kRequestId)) {
      return invalid("Request ID '" + request_id +
                     "' is invalid: use up to 40 letters, digits, underscores and hyphens.");
    }
  }
  if (!job.contains("pysparkJob")) {
    return invalid("The sandbox simulates pysparkJob jobs only.");
  }
  if (auto e = check_pyspark(job["pysparkJob"], "job.pyspark_job")) return *e;
  if (auto e = string_map(job, "labels", "job")) return *e;
  if (!job.contains("placement") || !job["placement"].is_object() ||
      !job["placement"].contains("clusterName") || !job["placement"]["clusterName"].is_string()) {
    return invalid("Missing required field: job.placement.clusterName");
  }
  std::string cluster = job["placement"]["clusterName"];
  std::string job_id;
  if (job.contains("reference")) {
    const Json& ref = job["reference"];
    if (auto e = unknown_fields(ref, "job.reference", {"projectId", "jobId"})) return *e;
    if (ref.contains("projectId") && ref["projectId"] != project) {
      return invalid("job.reference.projectId '" + ref["projectId"].dump() +
                     "' does not match the project of the request '" + project + "'.");
    }
    if (ref.contains("jobId")) {
      if (!ref["jobId"].is_string() || !std::regex_match(ref["jobId"].get<std::string>(), kJobId)) {
        return invalid("Job ID " + ref["jobId"].dump() +
                       " is invalid: use up to 100 letters, digits, underscores and hyphens.");
      }
      job_id = ref["jobId"];
    }
  }
  bool cluster_known = false;
  for (const auto& p : config_.google.projects) {
    for (const auto& c : p.clusters) {
      cluster_known = cluster_known || (p.id == project && c.name == cluster && c.region == region);
    }
  }
  if (!cluster_known) {
    return google_error(404, "Not found: Cluster projects/" + project + "/regions/" + region +
                                 "/clusters/" + cluster);
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string scope = "projects/" + project + "/regions/" + region;
  if (!request_id.empty()) {
    auto it = job_requests_.find(scope + "|" + request_id);
    if (it != job_requests_.end()) {
      stats_.replay("dataproc");
      ex.log_keys["replayed"] = true;
      return Reply::json(200, job_json(jobs_.at(it->second), clock_.steady_now()));
    }
  }
  if (job_id.empty()) job_id = random_.hex(32);
  ex.log_keys["jobId"] = job_id;
  const std::string key = scope + "/jobs/" + job_id;
  if (jobs_.count(key)) {
    return google_error(409, "Already exists: Failed to submit job: Job " + key);
  }
  Work w;
  w.is_batch = false;
  w.project = project;
  w.region = region;
  w.id = job_id;
  w.uuid = random_.uuid4();
  w.cluster_uuid = random_.uuid4();
  w.request_id = request_id;
  w.spec = job;
  for (const char* out_only : {"jobUuid", "status", "statusHistory", "yarnApplications",
                               "driverOutputResourceUri", "driverControlFilesUri", "done"}) {
    w.spec.erase(out_only);
  }
  w.main_uri = job["pysparkJob"]["mainPythonFileUri"];
  const std::string staging = config_.google.staging_bucket;
  w.output_prefix = "gs://" + staging + "/google-cloud-dataproc-metainfo/" + w.cluster_uuid +
                    "/jobs/" + job_id + "/driveroutput";
  plan(w, staging);  // first: compiling the main file takes a moment
  w.created = clock_.steady_now();
  w.created_wall = clock_.now();
  w.create_time = format_rfc3339(w.created_wall);
  w.clock.submitted = w.created;
  if (!request_id.empty()) job_requests_[scope + "|" + request_id] = key;
  ex.creation_recorded = true;
  auto& stored = jobs_[key] = std::move(w);
  return Reply::json(200, job_json(stored, clock_.steady_now()));
}

Reply DataprocApi::get_job(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kDataproc)) return *r;
  const std::string key =
      "projects/" + ex.args[0] + "/regions/" + ex.args[1] + "/jobs/" + ex.args[2];
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(key);
  if (it == jobs_.end()) return google_error(404, "Not found: Job " + key);
  const SteadyTime now = clock_.steady_now();
  finalize(it->second, now);
  return Reply::json(200, job_json(it->second, now));
}

Reply DataprocApi::cancel_job(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kDataproc)) return *r;
  const std::string key =
      "projects/" + ex.args[0] + "/regions/" + ex.args[1] + "/jobs/" + ex.args[2];
  ex.log_keys["jobId"] = ex.args[2];
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(key);
  if (it == jobs_.end()) return google_error(404, "Not found: Job " + key);
  Work& w = it->second;
  const SteadyTime now = clock_.steady_now();
  if (is_terminal(w.clock.phase_at(now))) {
    return google_error(400,
                        "Cannot cancel jobId '" + w.id + "' in projectId '" + w.project +
                            "': Job is not running (state " + job_state(w, now) + ").",
                        "", "FAILED_PRECONDITION");
  }
  if (!w.clock.cancel_requested) {
    w.clock.cancel_requested = now;
    stats_.cancel("dataproc");
  }
  return Reply::json(200, job_json(w, now));
}

}  // namespace dbtpy::sandbox::google
