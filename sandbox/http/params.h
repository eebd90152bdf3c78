#pragma once
// Small parsers for request parameters shared by the platform handlers. Pure functions.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/strings.h"

namespace dbtpy::sandbox {

bool is_uuid(std::string_view s);                    // 8-4-4-4-12 hex digits
std::optional<bool> parse_bool(std::string_view s);  // "true" / "false"
std::optional<long long> parse_int(std::string_view s);
inline std::string url_encode(std::string_view s) {
  return percent_encode(s);
}  // RFC 3986
std::string url_decode(std::string_view s);
// application/x-www-form-urlencoded body -> first value per key.
std::map<std::string, std::string> parse_form(std::string_view body);

}  // namespace dbtpy::sandbox
