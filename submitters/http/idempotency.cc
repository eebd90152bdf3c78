#include "submitters/http/idempotency.h"

#include "submitters/http/url.h"
#include "util/json.h"
#include "util/strings.h"

namespace dbtpy::submitters::http {
namespace {

bool non_empty_string(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

bool is_snowflake_statements(const UrlParts& p) {
  return p.path.starts_with("/api/v2/statements");
}

}  // namespace

bool PlatformIdempotencyPolicy::is_idempotent(const HttpRequest& request) const {
  switch (request.idempotency) {
    case Idempotency::kIdempotent:
      return true;
    case Idempotency::kNonIdempotent:
      return false;
    case Idempotency::kDetect:
      break;
  }
  std::string method = to_upper(request.method);
  if (method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
      method == "DELETE") {
    return true;
  }
  if (method != "POST") return false;

  auto url = parse_url(request.url);
  if (!url) return false;
  for (const char* key : {"requestId", "batchId", "ifGenerationMatch"}) {
    if (auto v = query_param(request.url, key); v && !v->empty()) return true;
  }
  if (request.body.empty() || request.body.front() != '{') return false;
  Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return false;
  if (non_empty_string(body, "idempotency_token")) return true;  // Databricks
  if (non_empty_string(body, "requestId")) return true;          // Dataproc jobs:submit, ...
  if (auto ref = body.find("jobReference");
      ref != body.end() && ref->is_object() && non_empty_string(*ref, "jobId")) {
    return true;  // BigQuery jobs.insert with a client-chosen job id
  }
  return false;
}

void PlatformIdempotencyPolicy::prepare_resend(HttpRequest& request) const {
  auto url = parse_url(request.url);
  if (!url || !is_snowflake_statements(*url)) return;
  if (query_param(request.url, "requestId")) {
    request.url = with_query_param(request.url, "retry", "true");
  }
}

}  // namespace dbtpy::submitters::http
