#include "submitters/step_request.h"

#include "submitters/http/url.h"
#include "util/strings.h"

namespace dbtpy::submitters {
namespace {

http::Idempotency idempotency_of(const codegen::RequestStep& step) {
  const std::string& loc = step.idempotency.location;
  if (loc == "none") return http::Idempotency::kNonIdempotent;
  if (loc == "natural") return http::Idempotency::kIdempotent;
  if (loc.starts_with("query:") || loc.starts_with("body:")) return http::Idempotency::kIdempotent;
  return http::Idempotency::kDetect;
}

std::string idempotency_name(http::Idempotency i) {
  switch (i) {
    case http::Idempotency::kIdempotent:
      return "idempotent";
    case http::Idempotency::kNonIdempotent:
      return "non_idempotent";
    case http::Idempotency::kDetect:
      break;
  }
  return "detect";
}

void add_unique(std::vector<std::string>& out, std::string name) {
  for (const auto& n : out)
    if (n == name) return;
  out.push_back(std::move(name));
}

void collect(const Json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    for (auto& n : codegen::placeholders_in(v.get_ref<const std::string&>()))
      add_unique(out, std::move(n));
  } else if (v.is_structured()) {
    for (const auto& e : v)
      collect(e, out);
  }
}

}  // namespace

http::HttpRequest build_request(const codegen::RequestStep& step,
                                const codegen::PlaceholderValues& values) {
  http::HttpRequest r;
  r.method = to_upper(step.method);
  r.url = codegen::substitute_url(step.url, values);
  for (const auto& [name, value] : step.headers)
    r.set_header(name, codegen::substitute_text(value, values));
  if (step.json_body) {
    r.body = codegen::substitute_json(*step.json_body, values).dump();
    if (!r.header("Content-Type")) r.set_header("Content-Type", "application/json");
  } else if (!step.body_file.empty()) {
    const codegen::PayloadFile* f = values.payload ? values.payload->file(step.body_file) : nullptr;
    if (!f)
      throw std::invalid_argument("the step's body file '" + step.body_file +
                                  "' is not in the payload");
    r.body = f->content;
  }
  if (!step.content_type.empty() && !r.header("Content-Type"))
    r.set_header("Content-Type", step.content_type);
  r.idempotency = idempotency_of(step);
  return r;
}

Json request_record(const http::HttpRequest& request, codegen::Credential credential) {
  Json rec = {{"method", request.method},
              {"url", request.url},
              {"credential", std::string(codegen::credential_name(credential))},
              {"idempotency", idempotency_name(request.idempotency)}};
  Json headers = Json::object();
  for (const auto& h : request.headers)
    headers[h.name] = h.value;
  rec["headers"] = headers;
  if (!request.body.empty()) {
    Json body = Json::parse(request.body, nullptr, false);
    if (!body.is_discarded()) {
      rec["body"] = std::move(body);
    } else {
      rec["body_bytes"] = request.body.size();  // raw uploads are never replayed
    }
  }
  return rec;
}

std::optional<http::HttpRequest> request_from_record(const Json& record) {
  if (!record.is_object()) return std::nullopt;
  auto method = record.find("method");
  auto url = record.find("url");
  if (method == record.end() || !method->is_string() || url == record.end() || !url->is_string())
    return std::nullopt;
  http::HttpRequest r;
  r.method = method->get<std::string>();
  r.url = url->get<std::string>();
  if (auto h = record.find("headers"); h != record.end() && h->is_object()) {
    for (auto it = h->begin(); it != h->end(); ++it)
      if (it.value().is_string()) r.set_header(it.key(), it.value().get<std::string>());
  }
  if (auto b = record.find("body"); b != record.end() && !b->is_null()) {
    r.body = b->dump();
    if (!r.header("Content-Type")) r.set_header("Content-Type", "application/json");
  }
  std::string idem = record.value("idempotency", "detect");
  r.idempotency = idem == "idempotent"       ? http::Idempotency::kIdempotent
                  : idem == "non_idempotent" ? http::Idempotency::kNonIdempotent
                                             : http::Idempotency::kDetect;
  return r;
}

codegen::Credential record_credential(const Json& record) {
  std::string name = record.is_object() ? record.value("credential", "") : "";
  for (auto c : {codegen::Credential::kSnowflake, codegen::Credential::kDatabricks,
                 codegen::Credential::kGoogle}) {
    if (codegen::credential_name(c) == name) return c;
  }
  return codegen::Credential::kNone;
}

std::optional<http::HttpRequest> build_cancel_request(const codegen::Follow& follow,
                                                      const codegen::PlaceholderValues& values) {
  if (follow.cancel_url.empty()) return std::nullopt;
  http::HttpRequest r;
  r.method = to_upper(follow.cancel_method.empty() ? "POST" : follow.cancel_method);
  r.url = codegen::substitute_url(follow.cancel_url, values);
  r.set_header("Accept", "application/json");
  if (follow.cancel_body) r.body = codegen::substitute_json(*follow.cancel_body, values).dump();
  // Also without a body: libcurl labels a bodyless POST application/x-www-form-urlencoded,
  // which the Snowflake SQL API refuses with 415 (390415) — and the statement keeps running.
  if (r.method != "GET" && r.method != "DELETE") r.set_header("Content-Type", "application/json");
  // Cancelling work that is already cancelled or finished changes nothing: safe to resend.
  r.idempotency = http::Idempotency::kIdempotent;
  return r;
}

std::vector<std::string> step_placeholders(const codegen::RequestStep& step) {
  std::vector<std::string> raw;
  collect(Json(step.url), raw);
  for (const auto& [k, v] : step.headers)
    collect(Json(v), raw);
  if (step.json_body) collect(*step.json_body, raw);
  std::vector<std::string> out;
  for (auto& n : raw) {
    auto colon = n.find(':');
    add_unique(out, colon == std::string::npos ? n : n.substr(0, colon));
  }
  return out;
}

std::vector<std::string> step_files(const codegen::RequestStep& step) {
  std::vector<std::string> raw;
  collect(Json(step.url), raw);
  if (step.json_body) collect(*step.json_body, raw);
  std::vector<std::string> out;
  for (auto& n : raw) {
    for (std::string_view prefix : {"FILE_TEXT:", "FILE_BASE64:"}) {
      if (n.starts_with(prefix)) add_unique(out, n.substr(prefix.size()));
    }
  }
  if (!step.body_file.empty()) add_unique(out, step.body_file);
  return out;
}

std::string url_origin(std::string_view url) {
  auto p = http::parse_url(url);
  if (!p) return {};
  std::string origin = p->scheme + "://" + p->host;
  const int default_port = p->scheme == "https" ? 443 : 80;
  if (p->port != default_port) origin += ":" + std::to_string(p->port);
  return origin;
}

}  // namespace dbtpy::submitters
