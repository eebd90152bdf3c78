#pragma once
// The part of TOML that Snowflake's connections.toml and config.toml use, hand-written
// because no TOML library is packaged for Debian 12's C++: tables ([name], [a.b],
// ["quoted"]), bare/quoted/dotted keys, basic and literal strings (single- and multi-line,
// with escapes), integers, floats, booleans, arrays of those, and comments. Arrays of tables
// and inline tables are reported as unsupported. Errors name the line and never quote a
// value (these files hold passwords and tokens). Pure; thread-safe.
#include <stdexcept>
#include <string>
#include <string_view>

#include "util/json.h"

namespace dbtpy::profiles::auth {

class TomlError : public std::runtime_error {
 public:
  TomlError(int line, const std::string& message) : std::runtime_error(message), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// The document as a JSON object (tables become nested objects).
Json parse_toml(std::string_view text);

}  // namespace dbtpy::profiles::auth
