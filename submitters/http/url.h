#pragma once
// URL helpers for the transport: parsing (libcurl's URL API, so we read URLs exactly as the
// transfer will), the loopback test, redaction of URLs for messages, query parameters and
// form encoding. Pure functions, thread-safe. The functions that parse URLs load libcurl on
// first use (curl_api.h); only commands that send HTTP call them.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace dbtpy::submitters::http {

struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // lower case; IPv6 in brackets ("[::1]")
  int port = 0;        // explicit or the scheme's default
  std::string path;    // "/" when empty
  std::string query;   // without '?', still encoded; empty when none
};

// nullopt unless `url` is an absolute URL with a scheme and a host.
std::optional<UrlParts> parse_url(std::string_view url);

// 127.0.0.0/8, ::1 (with or without brackets, also IPv4-mapped), "localhost" and names
// under ".localhost" (RFC 6761: they resolve to loopback, and libcurl makes sure they do).
bool is_loopback_host(std::string_view host);

// The URL as messages may show it: no user:password@, and the values of query parameters
// whose names suggest secrets (token, key, signature, password, code, ...) replaced.
std::string redact_url(std::string_view url);

// The decoded value of a query parameter; nullopt when absent.
std::optional<std::string> query_param(std::string_view url, std::string_view name);

// `url` with the query parameter set to `value` (replacing earlier occurrences).
std::string with_query_param(std::string_view url, std::string_view name, std::string_view value);

// Percent-encodes everything except RFC 3986 unreserved characters.
inline std::string url_encode(std::string_view s) {
  return percent_encode(s);
}
// Decodes %XX and '+' (form encoding); nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view s);

// application/x-www-form-urlencoded body from name/value pairs, in order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// Parses such a body; malformed escapes keep their raw text.
std::vector<std::pair<std::string, std::string>> form_decode(std::string_view body);

}  // namespace dbtpy::submitters::http
