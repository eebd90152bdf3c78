#pragma once
// Small string helpers used across layers. Pure functions, thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
void replace_all(std::string& s, std::string_view from, std::string_view to);

// Percent-encodes every byte except RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~):
// safe for one URL path segment, a query name or value, and form bodies.
std::string percent_encode(std::string_view s);

// `text` between two `quote` characters with C-style backslash escapes for the backslash, the
// quote, \n \r \t and \xHH for other control bytes; other bytes (UTF-8 included) verbatim.
// The same text is a valid Python string literal and a valid BigQuery string literal.
std::string backslash_quoted(std::string_view text, char quote);

// `n` and the noun, with an English plural 's' unless n == 1: "1 seed", "3 seeds".
std::string counted(size_t n, std::string_view noun);

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// Up to `limit` candidates closest to `name` (distance <= max(2, len/3)), best first, ties by name.
std::vector<std::string> closest_names(std::string_view name,
                                       const std::vector<std::string>& candidates,
                                       size_t limit = 3);

// Glob match with '*' (any run) and '?' (one char), as dbt's selector wildcards.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace dbtpy
