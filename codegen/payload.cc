#include "codegen/payload.h"

namespace dbtpy::codegen {

std::string_view credential_name(Credential c) {
  switch (c) {
    case Credential::kNone:
      return "none";
    case Credential::kSnowflake:
      return "snowflake";
    case Credential::kDatabricks:
      return "databricks";
    case Credential::kGoogle:
      return "google";
  }
  return "none";
}

const PayloadFile* Payload::file(std::string_view name) const {
  for (const auto& f : files)
    if (f.name == name) return &f;
  return nullptr;
}

const RequestStep* Payload::step(std::string_view name) const {
  for (const auto& s : steps)
    if (s.name == name) return &s;
  return nullptr;
}

namespace {

using Ordered = nlohmann::ordered_json;

Ordered ordered(const Json& j) {
  return Ordered::parse(j.dump());
}

Ordered follow_json(const Follow& f) {
  Ordered j = Ordered::object();
  j["kind"] = f.kind;
  j["handle"] = f.handle;
  j["status_url"] = f.status_url;
  if (!f.cancel_url.empty()) {
    j["cancel"] = {{"method", f.cancel_method}, {"url", f.cancel_url}};
    if (f.cancel_body) j["cancel"]["body"] = ordered(*f.cancel_body);
  }
  return j;
}

}  // namespace

std::string requests_json(const Payload& payload) {
  Ordered out = Ordered::array();
  for (const auto& s : payload.steps) {
    Ordered r = Ordered::object();
    r["step"] = s.name;
    r["description"] = s.description;
    if (s.cleanup) {
      r["cleanup"] = true;
      r["armed_by"] = s.armed_by;
    }
    if (s.run_if)
      r["run_if"] = {{"placeholder", s.run_if->placeholder}, {"present", s.run_if->present}};
    r["method"] = s.method;
    r["url"] = s.url;
    Ordered headers = Ordered::object();
    if (s.credential != Credential::kNone) {
      headers["Authorization"] = "<redacted>";
      if (s.credential == Credential::kSnowflake)
        headers["X-Snowflake-Authorization-Token-Type"] = "<redacted>";
    }
    if (!s.content_type.empty()) headers["Content-Type"] = s.content_type;
    for (const auto& [k, v] : s.headers)
      headers[k] = v;
    r["headers"] = headers;
    r["credential"] = std::string(credential_name(s.credential));
    if (s.json_body) {
      r["body"] = ordered(*s.json_body);
    } else if (!s.body_file.empty()) {
      r["body"] = {{"file", s.body_file}};
    }
    if (!s.captures.empty()) {
      Ordered c = Ordered::object();
      for (const auto& cap : s.captures) {
        c[cap.name] = {{"pointer", cap.pointer}, {"optional", cap.optional}};
      }
      r["captures"] = c;
    }
    if (!s.checks.empty()) {
      Ordered c = Ordered::array();
      for (const auto& chk : s.checks)
        c.push_back(
            {{"pointer", chk.pointer}, {"must_exist", chk.must_exist}, {"message", chk.message}});
      r["checks"] = c;
    }
    if (!s.follow.kind.empty()) r["follow"] = follow_json(s.follow);
    r["idempotency"] = {{"location", s.idempotency.location}, {"key", s.idempotency.key}};
    out.push_back(std::move(r));
  }
  return out.dump(2) + "\n";
}

}  // namespace dbtpy::codegen
