#include "submitters/http/error_body.h"

#include <algorithm>

#include "util/json.h"
#include "util/strings.h"

namespace dbtpy::submitters::http {
namespace {

constexpr size_t kMaxText = 300;

std::string text_of(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<long long>());
  if (j.is_number() || j.is_boolean()) return j.dump();
  return {};
}

std::string field(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it == obj.end() ? std::string() : text_of(*it);
}

std::string clip(std::string s) {
  if (s.size() > kMaxText) {
    s.resize(kMaxText);
    // Do not leave half a UTF-8 sequence at the end.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80)
      s.pop_back();
    if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
    s += "...";
  }
  return s;
}

// Visible text of an HTML or plain body: tags dropped, whitespace collapsed.
std::string plain_excerpt(std::string_view body) {
  std::string out;
  bool in_tag = false;
  bool space = false;
  for (char c : body) {
    if (c == '<') {
      in_tag = true;
      space = true;
      continue;
    }
    if (c == '>' && in_tag) {
      in_tag = false;
      continue;
    }
    if (in_tag) continue;
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
    if (out.size() > kMaxText + 8) break;
  }
  return clip(out);
}

void parse_google(const Json& e, PlatformError& pe) {
  pe.kind = "google";
  pe.code = field(e, "code");
  pe.status = field(e, "status");
  pe.message = field(e, "message");
  std::vector<std::string> notes;
  if (auto errs = e.find("errors"); errs != e.end() && errs->is_array()) {
    for (const auto& x : *errs) {
      std::string reason = field(x, "reason");
      if (!reason.empty()) notes.push_back("reason " + reason);
    }
  }
  if (auto det = e.find("details"); det != e.end() && det->is_array()) {
    for (const auto& d : *det) {
      std::string type = field(d, "@type");
      if (type.ends_with("google.rpc.ErrorInfo")) {
        std::string r = field(d, "reason");
        if (!r.empty()) notes.push_back("reason " + r);
      } else if (type.ends_with("google.rpc.BadRequest")) {
        if (auto fv = d.find("fieldViolations"); fv != d.end() && fv->is_array()) {
          for (const auto& v : *fv)
            notes.push_back(field(v, "field") + ": " + field(v, "description"));
        }
      } else if (type.ends_with("google.rpc.RequestInfo")) {
        pe.request_id = field(d, "requestId");
      } else if (type.ends_with("google.rpc.Help")) {
        if (auto links = d.find("links"); links != d.end() && links->is_array()) {
          for (const auto& l : *links) {
            std::string url = field(l, "url");
            if (!url.empty()) notes.push_back("see " + url);
          }
        }
      }
    }
  }
  // Unique, in order.
  std::vector<std::string> seen;
  for (auto& n : notes) {
    if (std::find(seen.begin(), seen.end(), n) == seen.end()) seen.push_back(n);
  }
  pe.details = clip(join(seen, "; "));
}

}  // namespace

std::string PlatformError::summary() const {
  std::string head;
  if (kind == "snowflake") {
    head = "Snowflake error " + code;
    if (!sql_state.empty()) head += " (SQL state " + sql_state + ")";
  } else if (kind == "databricks") {
    head = "Databricks " + code;
  } else if (kind == "google") {
    head = "Google " + (status.empty() ? code : status);
  } else if (kind == "oauth") {
    head = "OAuth error " + code;
  }
  std::string out = head;
  if (!message.empty()) out += out.empty() ? message : ": " + message;
  if (!details.empty()) out += " [" + details + "]";
  return out;
}

PlatformError parse_error_body(std::string_view body) {
  PlatformError pe;
  std::string_view t = trim(body);
  if (t.empty()) return pe;
  if (t.front() == '{') {
    Json j = Json::parse(t, nullptr, false);
    if (j.is_object()) {
      auto err = j.find("error");
      if (err != j.end() && err->is_object()) {
        parse_google(*err, pe);
        pe.message = clip(pe.message);
        return pe;
      }
      if (err != j.end() && err->is_string()) {
        pe.kind = "oauth";
        pe.code = clip(err->get<std::string>());
        pe.message = clip(field(j, "error_description"));
        pe.details = clip(field(j, "error_uri"));
        return pe;
      }
      if (j.contains("error_code")) {
        pe.kind = "databricks";
        pe.code = clip(field(j, "error_code"));
        pe.message = clip(field(j, "message"));
        pe.request_id = field(j, "request_id");
        return pe;
      }
      if (j.contains("code") && (j.contains("message") || j.contains("sqlState"))) {
        pe.kind = "snowflake";
        pe.code = clip(field(j, "code"));
        pe.message = clip(field(j, "message"));
        pe.sql_state = clip(field(j, "sqlState"));
        pe.statement_handle = clip(field(j, "statementHandle"));
        pe.request_id = field(j, "requestId");
        return pe;
      }
      if (j.contains("message")) {
        pe.kind = "text";
        pe.message = clip(field(j, "message"));
        return pe;
      }
    }
  }
  pe.kind = "text";
  pe.message = plain_excerpt(t);
  return pe;
}

}  // namespace dbtpy::submitters::http
