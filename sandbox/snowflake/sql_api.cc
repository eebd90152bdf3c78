#include "sandbox/snowflake/sql_api.h"

#include <fmt/format.h>

#include "sandbox/http/params.h"
#include "util/strings.h"

namespace dbtpy::sandbox::snowflake {
namespace {

const char* const kStatementsPath = "/api/v2/statements/";

std::string status_url(const std::string& handle) {
  return kStatementsPath + handle;
}

Reply bad_request(const std::string& message) {
  // The SQL API documents 400 with "the error code and message indicating the actual cause".
  return Reply::json(400, {{"code", "390400"}, {"message", message}});
}

Json query_status(const StatementView& v) {
  return {{"code", "333334"},
          {"message",
           "Asynchronous execution in progress. Use provided query id to perform query "
           "monitoring and management."},
          {"statementHandle", v.handle},
          {"statementStatusUrl", status_url(v.handle)},
          {"createdOn", v.created_on_ms}};
}

Json row_type(const Column& c) {
  Json j = {{"name", c.name}, {"database", ""}, {"schema", ""},
            {"table", ""},    {"type", c.type}, {"nullable", c.nullable}};
  if (c.precision >= 0) j["precision"] = c.precision;
  if (c.scale >= 0) j["scale"] = c.scale;
  if (c.length >= 0) {
    j["length"] = c.length;
    j["byteLength"] = c.length;
  }
  return j;
}

}  // namespace

SqlApi::SqlApi(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats,
               Catalog& catalog, RunPlanner& planner)
    : config_(config),
      auth_(config.snowflake, clock, random, stats),
      engine_(config, clock, random, stats, catalog, planner) {}

Reply SqlApi::error(int status, const std::string& message) {
  return Reply::json(status, {{"code", std::to_string(390000 + status)}, {"message", message}});
}

void SqlApi::register_routes(Router& router) {
  router.add("POST", "/api/v2/statements/?", "snowflake.statements.submit",
             [this](Exchange& ex) { return submit(ex); });
  router.add("GET", "/api/v2/statements/([^/]+)", "snowflake.statements.get",
             [this](Exchange& ex) { return get(ex); });
  router.add("POST", "/api/v2/statements/([^/]+)/cancel", "snowflake.statements.cancel",
             [this](Exchange& ex) { return cancel(ex); });
}

std::optional<Reply> SqlApi::check_headers(Exchange& ex, bool post, std::string& user) {
  if (auto r = auth_.check(ex, user)) return r;
  if (ex.header("User-Agent").empty()) {
    return bad_request("The User-Agent header is required (e.g. myApplication/1.0).");
  }
  std::string accept = to_lower(ex.header("Accept"));
  if (!accept.empty() && accept.find("application/json") == std::string::npos &&
      accept.find("*/*") == std::string::npos) {
    return Reply::json(406, {{"code", "390406"},
                             {"message", "Not Acceptable: the SQL API returns application/json."}});
  }
  if (post && ex.has_header("Content-Type") && ex.content_type() != "application/json") {
    return Reply::json(415, {{"code", "390415"},
                             {"message", "Unsupported media type '" + ex.content_type() +
                                             "'. The API supports application/json only."}});
  }
  return std::nullopt;
}

Reply SqlApi::render(const StatementView& v, long long partition, bool nullable,
                     int success_status) {
  if (v.state == StatementView::State::kRunning) return Reply::json(202, query_status(v));
  if (v.state == StatementView::State::kFailed) {
    return Reply::json(422, {{"code", v.error.code},
                             {"sqlState", v.error.sql_state},
                             {"message", v.error.message},
                             {"statementHandle", v.handle},
                             {"statementStatusUrl", status_url(v.handle)},
                             {"createdOn", v.created_on_ms}});
  }
  const size_t per = static_cast<size_t>(config_.snowflake.partition_rows);
  const size_t total = v.result.rows.size();
  const size_t partitions = std::max<size_t>(1, (total + per - 1) / per);
  if (partition < 0 || static_cast<size_t>(partition) >= partitions) {
    return Reply::json(422, {{"code", "000602"},
                             {"sqlState", "22000"},
                             {"message", fmt::format("Invalid partition number {}; the result has "
                                                     "{} partition(s).",
                                                     partition, partitions)},
                             {"statementHandle", v.handle}});
  }
  auto rows_of = [&](size_t p) {
    Json data = Json::array();
    for (size_t r = p * per; r < std::min(total, (p + 1) * per); ++r) {
      Json row = Json::array();
      for (const auto& cell : v.result.rows[r]) {
        if (cell) {
          row.push_back(*cell);
        } else if (nullable) {
          row.push_back(nullptr);
        } else {
          row.push_back("null");
        }
      }
      data.push_back(std::move(row));
    }
    return data;
  };
  Reply reply;
  if (partition > 0) {
    // Later partitions carry only their rows, as the SQL API returns them.
    reply = Reply::json(success_status, {{"data", rows_of(static_cast<size_t>(partition))}});
  } else {
    Json info = Json::array();
    for (size_t p = 0; p < partitions; ++p) {
      size_t count = std::min(total, (p + 1) * per) - std::min(total, p * per);
      info.push_back({{"rowCount", count}, {"uncompressedSize", rows_of(p).dump().size()}});
    }
    Json types = Json::array();
    for (const auto& c : v.result.columns)
      types.push_back(row_type(c));
    Json body = {{"resultSetMetaData",
                  {{"numRows", total},
                   {"format", "jsonv2"},
                   {"partitionInfo", info},
                   {"rowType", types},
                   {"nullable", nullable}}},
                 {"data", rows_of(0)},
                 {"code", "090001"},
                 {"sqlState", "00000"},
                 {"message", "Statement executed successfully."},
                 {"statementHandle", v.handle},
                 {"statementStatusUrl", status_url(v.handle)},
                 {"createdOn", v.created_on_ms}};
    if (!v.child_handles.empty()) body["statementHandles"] = v.child_handles;
    reply = Reply::json(success_status, body);
  }
  std::string links;
  auto link = [&](size_t p, const char* rel) {
    if (!links.empty()) links += ",";
    links += fmt::format("<{}?partition={}>; rel=\"{}\"", status_url(v.handle), p, rel);
  };
  link(0, "first");
  if (static_cast<size_t>(partition) + 1 < partitions) {
    link(static_cast<size_t>(partition) + 1, "next");
  }
  if (partition > 0) link(static_cast<size_t>(partition) - 1, "prev");
  link(partitions - 1, "last");
  reply.header("Link", links);
  return reply;
}

Reply SqlApi::submit(Exchange& ex) {
  std::string user;
  if (auto r = check_headers(ex, true, user)) return *r;
  SubmitRequest req;
  req.session.user = user;
  if (ex.has_query("requestId")) {
    req.request_id = ex.query("requestId");
    if (!is_uuid(req.request_id)) {
      return bad_request("requestId must be a UUID, got '" + req.request_id + "'.");
    }
    ex.log_keys["requestId"] = req.request_id;
  }
  bool async = false;
  bool nullable = true;
  for (const char* name : {"async", "nullable", "retry"}) {
    if (!ex.has_query(name)) continue;
    auto b = parse_bool(ex.query(name));
    if (!b) return bad_request(std::string(name) + " must be true or false.");
    if (std::string(name) == "async") async = *b;
    if (std::string(name) == "nullable") nullable = *b;
    if (std::string(name) == "retry") req.retry = *b;
  }
  if (req.retry) ex.log_keys["retry"] = true;
  if (ex.req.body.empty()) return bad_request("The request body is required.");
  Json body = Json::parse(ex.req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return bad_request("The request body is not a JSON object.");
  }
  if (!body.contains("statement") || !body["statement"].is_string()) {
    return bad_request("The request body needs a 'statement' string.");
  }
  req.text = body["statement"].get<std::string>();
  if (body.contains("timeout")) {
    if (!body["timeout"].is_number_integer() || body["timeout"].get<long long>() < 0) {
      return bad_request("'timeout' must be an integer >= 0 (seconds; 0 = the maximum).");
    }
    req.timeout_seconds = body["timeout"].get<long long>();
  }
  for (const char* field : {"database", "schema", "warehouse", "role"}) {
    if (!body.contains(field)) continue;
    if (!body[field].is_string())
      return bad_request(std::string("'") + field + "' must be a string.");
  }
  req.session.database = body.value("database", "");
  req.session.schema = body.value("schema", "");
  req.session.warehouse = body.value("warehouse", "");
  req.session.role = body.value("role", "");
  if (body.contains("bindings")) {
    if (!body["bindings"].is_object()) return bad_request("'bindings' must be an object.");
    static const std::vector<std::string> kTypes = {
        "FIXED",         "REAL",          "TEXT",         "BINARY", "BOOLEAN", "DATE",   "TIME",
        "TIMESTAMP_LTZ", "TIMESTAMP_NTZ", "TIMESTAMP_TZ", "ARRAY",  "OBJECT",  "VARIANT"};
    for (auto it = body["bindings"].begin(); it != body["bindings"].end(); ++it) {
      const Json& b = it.value();
      if (!b.is_object() || !b.contains("type") || !b["type"].is_string() || !b.contains("value")) {
        return bad_request("binding '" + it.key() + "' needs {\"type\": ..., \"value\": ...}.");
      }
      std::string t = to_upper(b["type"].get<std::string>());
      if (std::find(kTypes.begin(), kTypes.end(), t) == kTypes.end()) {
        return bad_request("binding '" + it.key() + "' has an unknown type '" +
                           b["type"].get<std::string>() + "'.");
      }
      if (!b["value"].is_string() && !b["value"].is_null()) {
        return bad_request("binding '" + it.key() + "' value must be a string (or null).");
      }
    }
    req.bindings = body["bindings"];
  }
  if (body.contains("parameters")) {
    if (!body["parameters"].is_object()) return bad_request("'parameters' must be an object.");
    for (auto it = body["parameters"].begin(); it != body["parameters"].end(); ++it) {
      std::string key = to_upper(it.key());
      const Json& v = it.value();
      if (key == "MULTI_STATEMENT_COUNT") {
        std::optional<long long> n;
        if (v.is_number_integer()) n = v.get<long long>();
        if (v.is_string()) n = parse_int(v.get<std::string>());
        if (!n || *n < 0) {
          return bad_request("MULTI_STATEMENT_COUNT must be a non-negative integer.");
        }
        req.statement_count = static_cast<int>(*n);
      } else if (key == "QUERY_TAG") {
        if (!v.is_string()) return bad_request("QUERY_TAG must be a string.");
        req.session.query_tag = v.get<std::string>();
        ex.log_keys["query_tag"] = req.session.query_tag;
      } else if (key == "STATEMENT_TIMEOUT_IN_SECONDS" && !body.contains("timeout")) {
        if (v.is_number_integer()) req.timeout_seconds = v.get<long long>();
      }
    }
  }
  SubmitOutcome out = engine_.submit(req);
  ex.log_keys["statementHandle"] = out.handle;
  if (out.replayed) {
    ex.log_keys["replayed"] = true;
  } else {
    ex.creation_recorded = true;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!out.replayed) nullable_[out.handle] = nullable;
  }
  StatementView v = async ? *engine_.view(out.handle)
                          : engine_.wait(out.handle, config_.snowflake.sync_wait_seconds);
  if (async && v.state != StatementView::State::kFailed) return Reply::json(202, query_status(v));
  return render(v, 0, nullable, 200);
}

Reply SqlApi::get(Exchange& ex) {
  std::string user;
  if (auto r = check_headers(ex, false, user)) return *r;
  const std::string handle = ex.args[0];
  ex.log_keys["statementHandle"] = handle;
  if (!is_uuid(handle)) return bad_request("Invalid statement handle '" + handle + "'.");
  long long partition = 0;
  if (ex.has_query("partition")) {
    auto p = parse_int(ex.query("partition"));
    if (!p || *p < 0) return bad_request("partition must be an integer >= 0.");
    partition = *p;
  }
  auto v = engine_.view(handle);
  if (!v) {
    return Reply::json(422, {{"code", "000709"},
                             {"sqlState", "02000"},
                             {"message", "Statement " + handle + " not found"},
                             {"statementHandle", handle}});
  }
  bool nullable = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = nullable_.find(handle);
    if (it != nullable_.end()) nullable = it->second;
  }
  return render(*v, partition, nullable, 200);
}

Reply SqlApi::cancel(Exchange& ex) {
  std::string user;
  if (auto r = check_headers(ex, true, user)) return *r;
  const std::string handle = ex.args[0];
  ex.log_keys["statementHandle"] = handle;
  if (!is_uuid(handle)) return bad_request("Invalid statement handle '" + handle + "'.");
  switch (engine_.cancel(handle)) {
    case StatementEngine::CancelResult::kCanceled:
      return Reply::json(200, {{"code", "000000"},
                               {"sqlState", "00000"},
                               {"message", "successfully canceled"},
                               {"statementHandle", handle},
                               {"statementStatusUrl", status_url(handle)}});
    case StatementEngine::CancelResult::kNotRunning:
      return Reply::json(422, {{"code", "000605"},
                               {"sqlState", "01000"},
                               {"message", "Identified SQL statement is not currently executing."},
                               {"statementHandle", handle},
                               {"statementStatusUrl", status_url(handle)}});
    case StatementEngine::CancelResult::kUnknown:
      break;
  }
  return Reply::json(422, {{"code", "000709"},
                           {"sqlState", "02000"},
                           {"message", "Statement " + handle + " not found"},
                           {"statementHandle", handle}});
}

}  // namespace dbtpy::sandbox::snowflake
