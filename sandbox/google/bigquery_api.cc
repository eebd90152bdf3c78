#include "sandbox/google/bigquery_api.h"

#include <regex>
#include <set>

#include "sandbox/google/errors.h"
#include "util/base64.h"
#include "util/strings.h"

namespace dbtpy::sandbox::google {
namespace {

const std::regex kJobId(R"(^[A-Za-z0-9_-]{1,1024}$)");

Reply invalid(const std::string& message, const std::string& reason = "invalid") {
  return google_error(400, message, reason);
}

std::string colon_name(const std::string& table) {
  // "p.d.t" -> "p:d.t", BigQuery's way of naming tables in messages.
  auto dot = table.find('.');
  return dot == std::string::npos ? table : table.substr(0, dot) + ":" + table.substr(dot + 1);
}

Json schema_of(const Json& columns) {
  Json fields = Json::array();
  for (const auto& c : columns) {
    std::string type = to_upper(c.value("type", "STRING"));
    if (type == "TEXT" || type == "VARCHAR") type = "STRING";
    if (type == "NUMBER" || type == "INT" || type == "BIGINT") type = "INTEGER";
    fields.push_back({{"name", c.value("name", "")}, {"type", type}, {"mode", "NULLABLE"}});
  }
  return {{"fields", fields}};
}

}  // namespace

BigQueryApi::BigQueryApi(const SandboxConfig& config, const Clock& clock, Random& random,
                         Stats& stats, Catalog& catalog, RunPlanner& planner, OAuth& oauth)
    : config_(config),
      clock_(clock),
      random_(random),
      stats_(stats),
      catalog_(catalog),
      planner_(planner),
      oauth_(oauth) {}

void BigQueryApi::register_routes(Router& r) {
  const std::string p = "/bigquery/v2/projects/([^/]+)";
  r.add("POST", p + "/jobs", "bigquery.jobs.insert", [this](Exchange& ex) { return insert(ex); });
  r.add("GET", p + "/jobs/([^/]+)", "bigquery.jobs.get", [this](Exchange& ex) { return get(ex); });
  r.add("POST", p + "/jobs/([^/]+)/cancel", "bigquery.jobs.cancel",
        [this](Exchange& ex) { return cancel(ex); });
  r.add("GET", p + "/datasets/([^/]+)/tables/([^/]+)", "bigquery.tables.get",
        [this](Exchange& ex) { return get_table(ex); });
}

bool BigQueryApi::project_known(const std::string& project) const {
  for (const auto& p : config_.google.projects) {
    if (p.id == project) return true;
  }
  return false;
}

void BigQueryApi::tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const SteadyTime now = clock_.steady_now();
  for (auto& [k, j] : jobs_)
    finalize(j, now);
}

void BigQueryApi::finalize(Job& j, SteadyTime now) {
  if (j.finalized) return;
  Phase p = j.clock.phase_at(now);
  if (!is_terminal(p)) return;
  j.finalized = true;
  if (p == Phase::kCancelled) {
    j.final_error = {{"reason", "stopped"},
                     {"message", "Job execution was cancelled: User requested cancellation"}};
  } else if (p == Phase::kTimedOut) {
    j.final_error = {{"reason", "timeout"}, {"message", "Job timed out."}};
  } else if (!j.error_result.is_null()) {
    j.final_error = j.error_result;
  } else if (p == Phase::kFailed) {
    j.final_error = {
        {"reason", "invalidQuery"}, {"location", "query"}, {"message", j.clock.plan.error_message}};
  } else {
    // Check the whole script against the catalog first, then apply it: a failing statement
    // leaves nothing behind, as a failed BigQuery script rolls back its DML.
    std::set<std::string> created;
    std::set<std::string> dropped;
    auto exists = [&](const std::string& t) {
      if (dropped.count(t)) return false;
      return created.count(t) > 0 || catalog_.find("bigquery", t).has_value();
    };
    for (const auto& a : j.analysis.actions) {
      if (a.kind == TableAction::Kind::kRead && !exists(a.table)) {
        j.final_error = {{"reason", "notFound"},
                         {"message", "Not found: Table " + colon_name(a.table) +
                                         " was not found in location " + j.location}};
        break;
      }
      if (a.kind == TableAction::Kind::kDrop) {
        if (!exists(a.table) && !a.if_exists) {
          j.final_error = {{"reason", "notFound"},
                           {"message", "Not found: Table " + colon_name(a.table)}};
          break;
        }
        dropped.insert(a.table);
        created.erase(a.table);
      }
      if (a.kind == TableAction::Kind::kWrite) {
        created.insert(a.table);
        dropped.erase(a.table);
      }
    }
    if (j.final_error.is_null()) {
      Json source_columns = Json::array();
      for (const auto& a : j.analysis.actions) {
        if (a.kind == TableAction::Kind::kRead) {
          if (auto t = catalog_.find("bigquery", a.table)) {
            source_columns = t->value("columns", Json::array());
          }
        } else if (a.kind == TableAction::Kind::kDrop) {
          catalog_.drop("bigquery", a.table);
        } else {
          Json cols = j.clock.plan.columns.empty() ? source_columns : j.clock.plan.columns;
          Json info = {{"columns", cols}, {"updated_by", "bigquery job " + j.job_id}};
          if (j.analysis.meta) info["unique_id"] = j.analysis.meta->unique_id;
          catalog_.record("bigquery", a.table, info);
        }
      }
      const Json& dest = j.configuration["query"].value("destinationTable", Json());
      if (dest.is_object()) {
        std::string t = dest.value("projectId", j.project) + "." + dest.value("datasetId", "") +
                        "." + dest.value("tableId", "");
        catalog_.record(
            "bigquery", t,
            {{"columns", j.clock.plan.columns}, {"updated_by", "bigquery job " + j.job_id}});
      }
    }
  }
  stats_.run_finished("bigquery", j.final_error.is_null()  ? "SUCCEEDED"
                                  : p == Phase::kCancelled ? "CANCELLED"
                                                           : "FAILED");
}

Json BigQueryApi::job_json(Job& j, SteadyTime now, const std::string& base_url) {
  finalize(j, now);
  Phase p = j.clock.phase_at(now);
  std::string state = p == Phase::kQueued ? "PENDING" : is_terminal(p) ? "DONE" : "RUNNING";
  auto ms_at = [&](SteadyTime t) {
    return std::to_string(
        j.created_ms +
        std::chrono::duration_cast<std::chrono::milliseconds>(t - j.created).count());
  };
  Json status = {{"state", state}};
  if (state == "DONE" && !j.final_error.is_null()) {
    status["errorResult"] = j.final_error;
    status["errors"] = Json::array({j.final_error});
  }
  Json stats = {{"creationTime", std::to_string(j.created_ms)}};
  if (state != "PENDING") {
    stats["startTime"] =
        ms_at(j.clock.submitted + std::chrono::duration_cast<SteadyTime::duration>(
                                      std::chrono::duration<double>(j.clock.plan.queue_seconds)));
    stats["totalBytesProcessed"] = "0";
    stats["query"] = {{"statementType", j.analysis.statement_type},
                      {"totalBytesProcessed", "0"},
                      {"totalBytesBilled", "0"},
                      {"cacheHit", false},
                      {"totalSlotMs", "0"}};
    if (j.analysis.statement_type == "SCRIPT") stats["numChildJobs"] = std::to_string(j.child_jobs);
  }
  if (state == "DONE") stats["endTime"] = ms_at(j.clock.terminal_time());
  Json config = j.configuration;
  config["jobType"] = "QUERY";
  const std::string id = j.project + ":" + j.location + "." + j.job_id;
  return {
      {"kind", "bigquery#job"},
      {"etag", base64_encode(id.substr(0, 12))},
      {"id", id},
      {"selfLink", base_url + "/bigquery/v2/projects/" + j.project + "/jobs/" + j.job_id +
                       "?location=" + j.location},
      {"user_email", j.user},
      {"jobReference", {{"projectId", j.project}, {"jobId", j.job_id}, {"location", j.location}}},
      {"configuration", config},
      {"status", status},
      {"statistics", stats}};
}

Reply BigQueryApi::insert(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kBigQuery)) return *r;
  const std::string project = ex.args[0];
  if (!project_known(project)) {
    return google_error(404, "Not found: Project " + project, "notFound");
  }
  if (ex.content_type() != "application/json") {
    return invalid(
        "The sandbox accepts JSON query jobs only (Content-Type: application/json), "
        "got " +
        ex.content_type() + ".");
  }
  Json body = Json::parse(ex.req.body, nullptr, false);
  if (!body.is_object()) return invalid("Invalid JSON payload received.", "parseError");
  static const std::set<std::string> kKnown = {"kind",
                                               "etag",
                                               "id",
                                               "selfLink",
                                               "user_email",
                                               "configuration",
                                               "jobReference",
                                               "statistics",
                                               "status",
                                               "principal_subject",
                                               "jobCreationReason"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!kKnown.count(it.key())) {
      return invalid("Invalid JSON payload received. Unknown name \"" + it.key() +
                     "\": Cannot find field.");
    }
  }
  const Json configuration = body.value("configuration", Json());
  int kinds = 0;
  if (configuration.is_object()) {
    for (const char* k : {"query", "load", "extract", "copy"})
      kinds += configuration.contains(k);
  }
  if (kinds != 1) {
    return invalid(
        "Job configuration must contain exactly one job-specific configuration object "
        "(e.g., query, load, extract, spreadsheetExtract), but there were " +
        std::to_string(kinds) + ": ");
  }
  if (!configuration.contains("query")) return invalid("The sandbox runs query jobs only.");
  const Json& q = configuration["query"];
  if (!q.is_object() || !q.contains("query") || !q["query"].is_string()) {
    return invalid("Required parameter is missing: query", "required");
  }
  if (q.contains("useLegacySql") && !q["useLegacySql"].is_boolean()) {
    return invalid("Invalid value for useLegacySql: expected a boolean.");
  }
  std::string job_id = "job_" + random_.alnum(28);
  std::string location = config_.google.bigquery_location;
  if (body.contains("jobReference")) {
    const Json& ref = body["jobReference"];
    if (!ref.is_object()) return invalid("jobReference must be an object.");
    if (ref.contains("projectId") && ref["projectId"] != project) {
      return invalid("Project ID in jobReference (" + ref["projectId"].dump() +
                     ") does not match the project in the URL (" + project + ").");
    }
    if (ref.contains("jobId")) {
      if (!ref["jobId"].is_string() || !std::regex_match(ref["jobId"].get<std::string>(), kJobId)) {
        return invalid("Invalid job ID " + ref["jobId"].dump() +
                       ". Job IDs must be alphanumeric (plus underscores and dashes) and must be "
                       "at most 1024 characters long.");
      }
      job_id = ref["jobId"];
    }
    if (ref.contains("location") && ref["location"].is_string()) location = ref["location"];
  }
  ex.log_keys["jobId"] = job_id;
  const std::string key = project + ":" + to_upper(location) + "." + job_id;
  std::lock_guard<std::mutex> lock(mu_);
  if (jobs_.count(key)) {
    return google_error(409, "Already Exists: Job " + key, "duplicate");
  }
  Job j;
  j.project = project;
  j.job_id = job_id;
  j.location = to_upper(location);
  j.user = ex.log_keys.value("principal", "");
  j.configuration = configuration;
  std::string dataset;
  if (q.contains("defaultDataset") && q["defaultDataset"].is_object()) {
    dataset = q["defaultDataset"].value("datasetId", "");
  }
  const std::string text = q["query"];
  j.analysis = analyze_query(text, project, dataset);
  const bool legacy = q.value("useLegacySql", true);
  if (legacy && j.analysis.first_word != "SELECT") {
    // jobs.insert defaults to legacy SQL; GoogleSQL statements fail there.
    std::string w = j.analysis.first_word.empty() ? "<EOF>" : j.analysis.first_word;
    j.error_result = {{"reason", "invalidQuery"},
                      {"location", "query"},
                      {"message", "Encountered \" \"" + w + "\" \"" + w +
                                      " \"\" at line 1, column 1.\nWas expecting:\n    \"SELECT\" "
                                      "...\n[Try using standard SQL (set useLegacySql to false)]"}};
  } else if (legacy && text.find('`') != std::string::npos) {
    j.error_result = {
        {"reason", "invalidQuery"},
        {"location", "query"},
        {"message", "Invalid table name: `" +
                        text.substr(text.find('`') + 1,
                                    text.find('`', text.find('`') + 1) - text.find('`') - 1) +
                        "` [Try using standard SQL "
                        "(https://cloud.google.com/bigquery/docs/reference/"
                        "standard-sql/enabling-standard-sql)]."}};
  }
  std::string target = j.analysis.meta ? j.analysis.meta->relation : "";
  for (const auto& a : j.analysis.actions) {
    if (target.empty() && a.kind == TableAction::Kind::kWrite) target = a.table;
  }
  for (const auto& a : j.analysis.actions) {
    j.child_jobs += a.kind != TableAction::Kind::kRead ? 1 : 0;
  }
  if (j.error_result.is_null()) {
    j.clock.plan = planner_.plan_named("bigquery", target);
  } else {
    j.clock.plan = planner_.plan_failure("invalidQuery", j.error_result["message"]);
  }
  j.clock.cancel_latency = config_.defaults.cancel_latency;
  j.created = clock_.steady_now();
  j.created_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  j.clock.submitted = j.created;
  if (configuration.contains("jobTimeoutMs")) {  // int64 as a string, or a number
    const Json& t = configuration["jobTimeoutMs"];
    long long ms = t.is_string()   ? std::atoll(t.get<std::string>().c_str())
                   : t.is_number() ? t.get<long long>()
                                   : 0;
    if (ms > 0) j.clock.timeout_seconds = static_cast<double>(ms) / 1000.0;
  }
  ex.creation_recorded = true;
  auto& stored = jobs_[key] = std::move(j);
  return Reply::json(200, job_json(stored, clock_.steady_now(), ex.base_url));
}

Reply BigQueryApi::get(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kBigQuery)) return *r;
  const std::string project = ex.args[0];
  const std::string job_id = ex.args[1];
  ex.log_keys["jobId"] = job_id;
  std::string location = ex.has_query("location") ? to_upper(ex.query("location")) : "US";
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(project + ":" + location + "." + job_id);
  if (it == jobs_.end() && !ex.has_query("location")) {
    it = jobs_.find(project + ":" + to_upper(config_.google.bigquery_location) + "." + job_id);
  }
  if (it == jobs_.end()) {
    return google_error(404, "Not found: Job " + project + ":" + location + "." + job_id,
                        "notFound");
  }
  return Reply::json(200, job_json(it->second, clock_.steady_now(), ex.base_url));
}

Reply BigQueryApi::cancel(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kBigQuery)) return *r;
  const std::string project = ex.args[0];
  const std::string job_id = ex.args[1];
  ex.log_keys["jobId"] = job_id;
  std::string location = ex.has_query("location") ? to_upper(ex.query("location"))
                                                  : to_upper(config_.google.bigquery_location);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(project + ":" + location + "." + job_id);
  if (it == jobs_.end()) {
    return google_error(404, "Not found: Job " + project + ":" + location + "." + job_id,
                        "notFound");
  }
  const SteadyTime now = clock_.steady_now();
  Job& j = it->second;
  if (!is_terminal(j.clock.phase_at(now)) && !j.clock.cancel_requested) {
    j.clock.cancel_requested = now;
    stats_.cancel("bigquery");
  }
  return Reply::json(
      200, {{"kind", "bigquery#jobCancelResponse"}, {"job", job_json(j, now, ex.base_url)}});
}

Reply BigQueryApi::get_table(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kBigQuery)) return *r;
  const std::string table = ex.args[0] + "." + ex.args[1] + "." + ex.args[2];
  auto t = catalog_.find("bigquery", table);
  if (!t) return google_error(404, "Not found: Table " + colon_name(table), "notFound");
  const std::string created = std::to_string(t->value("created_ms", 0LL));
  return Reply::json(
      200, {{"kind", "bigquery#table"},
            {"etag", base64_encode(table.substr(0, 12))},
            {"id", colon_name(table)},
            {"selfLink", ex.base_url + "/bigquery/v2/projects/" + ex.args[0] + "/datasets/" +
                             ex.args[1] + "/tables/" + ex.args[2]},
            {"tableReference",
             {{"projectId", ex.args[0]}, {"datasetId", ex.args[1]}, {"tableId", ex.args[2]}}},
            {"schema", schema_of(t->value("columns", Json::array()))},
            {"numBytes", "0"},
            {"numLongTermBytes", "0"},
            {"numRows", "0"},
            {"creationTime", created},
            {"lastModifiedTime", std::to_string(t->value("updated_ms", 0LL))},
            {"type", "TABLE"},
            {"location", config_.google.bigquery_location}});
}

}  // namespace dbtpy::sandbox::google
