#pragma once
// INI files as Python's configparser reads them, enough for ~/.databrickscfg: [sections],
// `key = value` or `key: value`, comments with '#' or ';' on their own line, keys
// case-insensitive, indented continuation lines appended, and the [DEFAULT] section's values
// inherited by every section. Errors name the line, never a value. Pure; thread-safe.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy::profiles::auth {

class IniError : public std::runtime_error {
 public:
  IniError(int line, const std::string& message) : std::runtime_error(message), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

class IniFile {
 public:
  static IniFile parse(std::string_view text);

  bool has_section(std::string_view name) const;
  std::vector<std::string> sections() const;  // without DEFAULT
  // The value in `section`, else in [DEFAULT]; nullopt when neither sets it.
  std::optional<std::string> get(std::string_view section, std::string_view key) const;
  // Line where `section` starts (0 for DEFAULT or unknown), for diagnostics.
  int line_of(std::string_view section) const;

 private:
  std::map<std::string, std::map<std::string, std::string>> values_;
  std::map<std::string, int> lines_;
};

}  // namespace dbtpy::profiles::auth
