#include "sandbox/databricks/errors.h"

#include "sandbox/http/params.h"

namespace dbtpy::sandbox::databricks {

Reply dbx_error(int status, const std::string& code, const std::string& message) {
  return Reply::json(status, {{"error_code", code}, {"message", message}});
}

Reply missing_field(const std::string& field) {
  return dbx_error(400, "INVALID_PARAMETER_VALUE", "Missing required field: " + field);
}

Reply cluster_missing(const std::string& cluster_id) {
  return dbx_error(400, "INVALID_PARAMETER_VALUE", "Cluster " + cluster_id + " does not exist");
}

std::optional<Reply> require_string(const Json& body, const std::string& field, std::string& out) {
  if (!body.contains(field) || body[field].is_null()) return missing_field(field);
  if (!body[field].is_string()) {
    return dbx_error(
        400, "INVALID_PARAMETER_VALUE",
        "Invalid value for field " + field + ": expected a string, got " + body[field].dump());
  }
  out = body[field].get<std::string>();
  if (out.empty()) return missing_field(field);
  return std::nullopt;
}

std::optional<Reply> optional_string(const Json& body, const std::string& field, std::string& out) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  if (!body[field].is_string()) {
    return dbx_error(
        400, "INVALID_PARAMETER_VALUE",
        "Invalid value for field " + field + ": expected a string, got " + body[field].dump());
  }
  out = body[field].get<std::string>();
  return std::nullopt;
}

std::optional<Reply> optional_bool(const Json& body, const std::string& field, bool& out) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  if (!body[field].is_boolean()) {
    return dbx_error(
        400, "MALFORMED_REQUEST",
        "Invalid value for field " + field + ": expected a boolean, got " + body[field].dump());
  }
  out = body[field].get<bool>();
  return std::nullopt;
}

std::optional<Reply> require_int(const Json& body, const std::string& field, long long& out) {
  if (!body.contains(field) || body[field].is_null()) return missing_field(field);
  if (!body[field].is_number_integer()) {
    return dbx_error(
        400, "INVALID_PARAMETER_VALUE",
        "Invalid value for field " + field + ": expected an integer, got " + body[field].dump());
  }
  out = body[field].get<long long>();
  return std::nullopt;
}

std::optional<Reply> query_int(const Exchange& ex, const std::string& name, long long& out) {
  if (!ex.has_query(name)) return missing_field(name);
  auto v = parse_int(ex.query(name));
  if (!v) {
    return dbx_error(
        400, "INVALID_PARAMETER_VALUE",
        "Invalid value for parameter " + name + ": '" + ex.query(name) + "' is not an integer");
  }
  out = *v;
  return std::nullopt;
}

}  // namespace dbtpy::sandbox::databricks
