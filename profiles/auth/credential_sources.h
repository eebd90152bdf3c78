#pragma once
// Where credentials come from besides profiles.yml, as a dependency so tests control it: the
// environment, the home folder (for ~/.snowflake, ~/.databrickscfg, gcloud's ADC file) and
// file reading. Secrets found there are registered with the redactor as they are read.
// Also the Setting type: one resolved value and where it came from, which `dbtpy debug`
// prints (secrets as <redacted>). Value types; thread-safe if `env` and `read` are.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/endpoints.h"
#include "util/redactor.h"

namespace dbtpy::profiles::auth {

struct CredentialSources {
  EnvLookup env;                       // process_env() in the CLI
  std::string home;                    // empty: $HOME
  std::shared_ptr<Redactor> redactor;  // may be null in tests
  // Reads a whole file; empty: util's read_file. Throws std::runtime_error when unreadable.
  std::function<std::string(const std::filesystem::path&)> read;

  // The variable when set to a non-empty value.
  std::optional<std::string> var(std::string_view name) const;
  std::filesystem::path home_dir() const;
  bool exists(const std::filesystem::path& p) const;
  std::string read_file(const std::filesystem::path& p) const;
  // "~/.snowflake/connections.toml" for paths under the home folder.
  std::string display(const std::filesystem::path& p) const;
  void add_secret(std::string_view value) const;
};

struct Setting {
  std::string name;
  std::string value;   // never shown when secret
  std::string source;  // "profile", "env SNOWFLAKE_USER", "~/.databrickscfg [DEFAULT]", ...
  bool secret = false;
};

// `value` for display: the value, or "<redacted>" for secrets; then " (source)".
std::string describe(const Setting& s);

}  // namespace dbtpy::profiles::auth
