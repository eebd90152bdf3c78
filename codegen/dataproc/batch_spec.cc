#include "codegen/dataproc/batch_spec.h"

#include <string>

namespace dbtpy::codegen::dataproc {

namespace {

std::string camel(const std::string& key) {
  std::string out;
  bool up = false;
  for (char c : key) {
    if (c == '_') {
      up = !out.empty();
      continue;
    }
    out += up && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    up = false;
  }
  return out.empty() ? key : out;
}

bool is_map_field(const std::string& json_name) {
  return json_name == "labels" || json_name == "properties";
}

}  // namespace

Json to_json_field_names(const Json& value) {
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& e : value)
      out.push_back(to_json_field_names(e));
    return out;
  }
  if (!value.is_object()) return value;
  Json out = Json::object();
  for (auto it = value.begin(); it != value.end(); ++it) {
    std::string name = camel(it.key());
    out[name] = is_map_field(name) ? it.value() : to_json_field_names(it.value());
  }
  return out;
}

Json deep_merge(const Json& base, const Json& overlay) {
  if (!base.is_object() || !overlay.is_object()) return overlay;
  Json out = base;
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    auto existing = out.find(it.key());
    out[it.key()] = existing == out.end() ? it.value() : deep_merge(*existing, it.value());
  }
  return out;
}

}  // namespace dbtpy::codegen::dataproc
