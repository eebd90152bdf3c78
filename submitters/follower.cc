#include "submitters/follower.h"

#include "submitters/databricks/cluster_follower.h"
#include "submitters/databricks/command_follower.h"
#include "submitters/databricks/context_follower.h"
#include "submitters/databricks/run_follower.h"
#include "submitters/dataproc/batch_follower.h"
#include "submitters/dataproc/bigquery_job_follower.h"
#include "submitters/dataproc/job_follower.h"
#include "submitters/snowflake/statement_follower.h"

namespace dbtpy::submitters {

FollowUpdate Follower::on_submit(const http::HttpResponse& /*response*/, const Json& /*body*/,
                                 FollowIo& /*io*/) {
  return FollowUpdate::running("SUBMITTED");
}

std::unique_ptr<Follower> make_follower(std::string_view kind) {
  if (kind == "snowflake_statement") return snowflake::make_statement_follower();
  if (kind == "databricks_cluster") return databricks::make_cluster_follower();
  if (kind == "databricks_context") return databricks::make_context_follower();
  if (kind == "databricks_command") return databricks::make_command_follower();
  if (kind == "databricks_run") return databricks::make_run_follower();
  if (kind == "dataproc_batch") return dataproc::make_batch_follower();
  if (kind == "dataproc_job") return dataproc::make_job_follower();
  if (kind == "bigquery_job") return dataproc::make_bigquery_job_follower();
  return nullptr;
}

Json json_of(const http::HttpResponse& response, std::string_view method, const std::string& url) {
  http::HttpRequest r;
  r.method = std::string(method);
  r.url = url;
  return http::parse_json_response(r, response);
}

const Json* at_pointer(const Json& doc, std::string_view pointer) {
  if (pointer.empty()) return &doc;
  try {
    Json::json_pointer p{std::string(pointer)};
    if (!doc.contains(p)) return nullptr;
    return &doc.at(p);
  } catch (const Json::exception&) {
    return nullptr;
  }
}

std::string text_at(const Json& doc, std::string_view pointer) {
  const Json* v = at_pointer(doc, pointer);
  if (!v || v->is_null()) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number() || v->is_boolean()) return v->dump();
  return {};
}

std::string url_prefix(std::string_view url, std::string_view marker) {
  auto at = url.find(marker);
  return at == std::string_view::npos ? std::string() : std::string(url.substr(0, at));
}

void throw_status(const http::HttpResponse& response, std::string_view method,
                  const std::string& url) {
  http::HttpRequest r;
  r.method = std::string(method);
  r.url = url;
  throw http::status_error(r, response);
}

}  // namespace dbtpy::submitters
