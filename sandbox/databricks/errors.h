#pragma once
// Databricks error replies ({"error_code": "...", "message": "..."}) and the request-field
// checks every Databricks handler shares, worded as the REST API words them. Pure functions.
#include <optional>
#include <string>

#include "sandbox/http/exchange.h"

namespace dbtpy::sandbox::databricks {

Reply dbx_error(int status, const std::string& code, const std::string& message);
Reply missing_field(const std::string& field);
Reply cluster_missing(const std::string& cluster_id);

// Checks body[field] is present and a string (copied to `out`); else the 400 reply.
std::optional<Reply> require_string(const Json& body, const std::string& field, std::string& out);
// Optional field: absent is fine, present must be of the kind; else the 400 reply.
std::optional<Reply> optional_string(const Json& body, const std::string& field, std::string& out);
std::optional<Reply> optional_bool(const Json& body, const std::string& field, bool& out);
std::optional<Reply> require_int(const Json& body, const std::string& field, long long& out);
// A query parameter that must parse as an integer.
std::optional<Reply> query_int(const Exchange& ex, const std::string& name, long long& out);

// A Library object: exactly one of pypi/maven/cran/jar/egg/whl/requirements, well formed.
std::optional<Reply> validate_library(const Json& lib);

}  // namespace dbtpy::sandbox::databricks
