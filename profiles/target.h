#pragma once
// The active profile target as everything but authentication sees it: platform, name, threads
// and every non-secret field, already rendered. Secret fields (passwords, tokens, private keys,
// keyfile_json, client secrets) are NOT here; they stay unrendered in SecretFields and are
// rendered only when a credential is built, so `dbtpy compile` works with none of them set.
// Value types; immutable after loading; safe to share across threads.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"

namespace dbtpy::profiles {

enum class Platform { kSnowflake, kDatabricks, kBigQuery };

std::string_view platform_name(Platform p);  // "snowflake", "databricks", "bigquery"
std::optional<Platform> parse_platform(std::string_view type);  // profile `type:` value

struct Target {
  std::string profile_name;  // key in profiles.yml
  std::string name;          // target name (`target.name` in Jinja)
  Platform platform = Platform::kSnowflake;
  std::string type;  // `type:` as written
  int threads = 1;   // `threads:` (default 1)
  Json fields;       // every non-secret field, rendered, as written (object)
  std::vector<std::string> secret_field_names;  // fields present but held in SecretFields
  std::string source_file;                      // profiles.yml path, for diagnostics
  int source_line = 0;                          // line of the target's mapping

  // Field lookup helpers; nullopt when absent or null.
  std::optional<std::string> string_field(std::string_view key) const;
  std::optional<long long> int_field(std::string_view key) const;
  std::optional<bool> bool_field(std::string_view key) const;

  // The relation defaults dbt derives from the target: Snowflake `database`/`schema`,
  // Databricks `catalog` (default hive_metastore)/`schema`, BigQuery `project` or `database`
  // and `dataset` or `schema`.
  std::string default_database() const;
  std::string default_schema() const;
};

}  // namespace dbtpy::profiles
