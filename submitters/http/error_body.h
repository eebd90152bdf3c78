#pragma once
// The platform's own account of a failure, read from an error response body. Each platform
// has its shape:
//   Snowflake SQL API   {"code": "390144", "message": "...", "sqlState": "08001",
//                        "statementHandle": "..."}
//   Databricks REST     {"error_code": "INVALID_PARAMETER_VALUE", "message": "..."}
//   Google APIs         {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "...",
//                        "errors": [...], "details": [{"@type": ".../ErrorInfo", ...}]}}
//   OAuth 2.0 (RFC 6749 §5.2)  {"error": "invalid_grant", "error_description": "..."}
// Bodies that are none of these (an HTML page from a proxy, plain text) yield a short,
// tag-free excerpt as the message. Pure and total: any bytes in, never throws.
#include <string>
#include <string_view>

namespace dbtpy::submitters::http {

struct PlatformError {
  std::string kind;              // "snowflake", "databricks", "google", "oauth", "text" or ""
  std::string code;              // 390144 / INVALID_PARAMETER_VALUE / 403 / invalid_grant
  std::string status;            // Google's canonical status, e.g. PERMISSION_DENIED
  std::string message;           // the human message (OAuth: error_description)
  std::string sql_state;         // Snowflake
  std::string statement_handle;  // Snowflake
  std::string details;           // Google reasons/field violations/help links, OAuth error_uri
  std::string request_id;        // when the body carries one

  bool empty() const { return code.empty() && status.empty() && message.empty(); }
  // One line for messages: "Snowflake error 390144 (SQL state 08001): JWT token is invalid."
  std::string summary() const;
};

PlatformError parse_error_body(std::string_view body);

}  // namespace dbtpy::submitters::http
