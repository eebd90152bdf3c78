#include "profiles/target.h"

namespace dbtpy::profiles {

std::string_view platform_name(Platform p) {
  switch (p) {
    case Platform::kSnowflake:
      return "snowflake";
    case Platform::kDatabricks:
      return "databricks";
    case Platform::kBigQuery:
      return "bigquery";
  }
  return "unknown";
}

std::optional<Platform> parse_platform(std::string_view type) {
  if (type == "snowflake") return Platform::kSnowflake;
  if (type == "databricks") return Platform::kDatabricks;
  if (type == "bigquery") return Platform::kBigQuery;
  return std::nullopt;
}

namespace {
const Json* find(const Json& fields, std::string_view key) {
  if (!fields.is_object()) return nullptr;
  auto it = fields.find(std::string(key));
  if (it == fields.end() || it->is_null()) return nullptr;
  return &*it;
}
}  // namespace

std::optional<std::string> Target::string_field(std::string_view key) const {
  const Json* v = find(fields, key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return std::to_string(v->get<long long>());
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  if (v->is_number()) return v->dump();
  return std::nullopt;
}

std::optional<long long> Target::int_field(std::string_view key) const {
  const Json* v = find(fields, key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<long long>();
  if (v->is_string()) {
    try {
      size_t used = 0;
      long long n = std::stoll(v->get<std::string>(), &used);
      if (used == v->get<std::string>().size()) return n;
    } catch (...) {
    }
  }
  return std::nullopt;
}

std::optional<bool> Target::bool_field(std::string_view key) const {
  const Json* v = find(fields, key);
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  return std::nullopt;
}

std::string Target::default_database() const {
  switch (platform) {
    case Platform::kSnowflake:
      return string_field("database").value_or("");
    case Platform::kDatabricks:
      return string_field("catalog").value_or(string_field("database").value_or("hive_metastore"));
    case Platform::kBigQuery:
      return string_field("project").value_or(string_field("database").value_or(""));
  }
  return {};
}

std::string Target::default_schema() const {
  if (platform == Platform::kBigQuery) {
    return string_field("dataset").value_or(string_field("schema").value_or(""));
  }
  return string_field("schema").value_or("");
}

}  // namespace dbtpy::profiles
