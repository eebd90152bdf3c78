#include "codegen/placeholders.h"

#include <stdexcept>

#include "codegen/payload.h"
#include "util/base64.h"
#include "util/hash.h"
#include "util/strings.h"

namespace dbtpy::codegen {

std::string file_text_ref(std::string_view file_name) {
  return "${FILE_TEXT:" + std::string(file_name) + "}";
}
std::string file_base64_ref(std::string_view file_name) {
  return "${FILE_BASE64:" + std::string(file_name) + "}";
}
std::string placeholder(std::string_view name) {
  return "${" + std::string(name) + "}";
}

std::string escape_placeholders(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') out += '$';
    out += text[i];
  }
  return out;
}

namespace {

bool is_name_start(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '_';
}

// One token of a template: literal text or a placeholder reference.
struct Ref {
  std::string name;
  std::string argument;  // after ':' (file name), may be empty
};

// Parses `${NAME}` / `${NAME:arg}` starting at text[i] == '$' && text[i+1] == '{'.
// Returns the reference and sets `end` past the closing brace, or throws.
Ref parse_ref(std::string_view text, size_t i, size_t& end) {
  size_t j = i + 2;
  size_t name_start = j;
  if (j >= text.size() || !is_name_start(text[j]))
    throw std::invalid_argument("malformed placeholder at offset " + std::to_string(i));
  while (j < text.size() && is_name_char(text[j]))
    ++j;
  Ref ref;
  ref.name = std::string(text.substr(name_start, j - name_start));
  if (j < text.size() && text[j] == ':') {
    size_t close = text.find('}', j);
    if (close == std::string_view::npos)
      throw std::invalid_argument("unterminated placeholder ${" + ref.name + ":...");
    ref.argument = std::string(text.substr(j + 1, close - j - 1));
    end = close + 1;
    return ref;
  }
  if (j >= text.size() || text[j] != '}')
    throw std::invalid_argument("unterminated placeholder ${" + ref.name);
  end = j + 1;
  return ref;
}

Json resolve(const Ref& ref, const PlaceholderValues& values) {
  if (ref.name == "FILE_TEXT" || ref.name == "FILE_BASE64") {
    if (!values.payload) throw std::invalid_argument("no payload to resolve ${" + ref.name + "}");
    const PayloadFile* f = values.payload->file(ref.argument);
    if (!f)
      throw std::invalid_argument("placeholder refers to unknown file '" + ref.argument + "'");
    return ref.name == "FILE_TEXT" ? Json(f->content) : Json(base64_encode(f->content));
  }
  auto it = values.values.find(ref.name);
  if (it == values.values.end())
    throw std::invalid_argument("placeholder ${" + ref.name + "} has no value");
  return it->second;
}

std::string as_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  throw std::invalid_argument("placeholder value must be a string, number or boolean");
}

template <typename OnRef>
std::string walk(std::string_view text, OnRef&& on_ref) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '$' && i + 2 < text.size() && text[i + 1] == '$' && text[i + 2] == '{') {
      out += "${";
      i += 2;
      continue;
    }
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      size_t end = 0;
      Ref ref = parse_ref(text, i, end);
      out += on_ref(ref);
      i = end - 1;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string substitute_text(std::string_view text, const PlaceholderValues& values) {
  return walk(text, [&](const Ref& r) { return as_text(resolve(r, values)); });
}

std::string substitute_url(std::string_view url, const PlaceholderValues& values) {
  // HANDLE is a server-issued id or resource name (Dataproc operation names hold '/'), used
  // verbatim; everything else is percent-encoded.
  return walk(url, [&](const Ref& r) {
    std::string v = as_text(resolve(r, values));
    return r.name == "HANDLE" ? v : percent_encode(v);
  });
}

Json substitute_json(const Json& value, const PlaceholderValues& values) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.size() > 3 && s.rfind("${", 0) == 0) {
      size_t end = 0;
      Ref ref = parse_ref(s, 0, end);
      if (end == s.size()) return resolve(ref, values);
    }
    return Json(substitute_text(s, values));
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& v : value)
      out.push_back(substitute_json(v, values));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it)
      out[it.key()] = substitute_json(it.value(), values);
    return out;
  }
  return value;
}

std::vector<std::string> placeholders_in(std::string_view text) {
  std::vector<std::string> names;
  walk(text, [&](const Ref& r) {
    std::string n = r.argument.empty() ? r.name : r.name + ":" + r.argument;
    bool seen = false;
    for (const auto& x : names)
      seen = seen || x == n;
    if (!seen) names.push_back(n);
    return std::string();
  });
  return names;
}

namespace {
void collect_json(const Json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    for (auto& n : placeholders_in(v.get_ref<const std::string&>())) {
      bool seen = false;
      for (const auto& x : out)
        seen = seen || x == n;
      if (!seen) out.push_back(n);
    }
  } else if (v.is_structured()) {
    for (const auto& e : v)
      collect_json(e, out);
  }
}
}  // namespace

std::vector<std::string> placeholders_in(const Payload& payload) {
  std::vector<std::string> out;
  for (const auto& s : payload.steps) {
    collect_json(Json(s.url), out);
    for (const auto& [k, v] : s.headers)
      collect_json(Json(v), out);
    if (s.json_body) collect_json(*s.json_body, out);
    collect_json(Json(s.follow.status_url), out);
    collect_json(Json(s.follow.cancel_url), out);
    if (s.follow.cancel_body) collect_json(*s.follow.cancel_body, out);
    collect_json(Json(s.idempotency.key), out);
  }
  return out;
}

std::string request_id(std::string_view run_id, std::string_view unique_id,
                       std::string_view step_name, int attempt) {
  std::string material = "dbtpy-request\n" + std::string(run_id) + "\n" + std::string(unique_id) +
                         "\n" + std::string(step_name) + "\n" + std::to_string(attempt);
  std::string h = sha256_hex(material).substr(0, 32);
  h[12] = '8';  // version 8: custom (RFC 9562 §5.8)
  static const char* variant = "89ab";
  int nibble = (h[16] >= 'a') ? h[16] - 'a' + 10 : h[16] - '0';
  h[16] = variant[nibble & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

}  // namespace dbtpy::codegen
