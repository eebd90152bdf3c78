#pragma once
// What dbtpy needs from SQL models and snapshots, read statically (no Jinja engine): the
// `config(...)` calls whose arguments are literals (or env_var/var/target expressions, which
// the YAML value renderer evaluates), and the `ref(...)`/`source(...)` calls with literal
// arguments, wherever they appear in `{{ }}` or `{% %}` blocks. Snapshot files are split into
// their `{% snapshot name %} ... {% endsnapshot %}` blocks. dbt itself renders the Jinja, so
// this is a close approximation: configs behind `{% if %}` are taken as written, and a config
// value that cannot be read statically is reported (the caller decides whether it matters).
// Pure function; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/jinja_value.h"
#include "util/json.h"

namespace dbtpy::compiler {

struct SqlRef {
  std::string name;
  std::optional<std::string> package;
  std::optional<std::string> version;
  int line = 0;
};

struct SqlSource {
  std::string source_name;
  std::string table_name;
  int line = 0;
};

struct SqlBlock {
  std::string name;              // snapshot name; empty for a model file
  int line = 1;                  // where the block starts
  Json config = Json::object();  // static config() keyword arguments, later calls win
  std::vector<SqlRef> refs;
  std::vector<SqlSource> sources;
  // config() keys whose value could not be evaluated statically, with their line.
  std::vector<std::pair<std::string, int>> dynamic_config_keys;
  // config() keys set inside {% if %} / {% for %} (taken unconditionally), with their line.
  std::vector<std::pair<std::string, int>> conditional_config_keys;
};

struct SqlScan {
  std::vector<SqlBlock> blocks;  // one for a model file; one per snapshot block otherwise
  std::string error;             // an unterminated block, with its line in `error_line`
  int error_line = 0;
};

// `context` evaluates env_var/var/target in config values; null: only literals count.
SqlScan scan_sql(std::string_view text, bool snapshot_file,
                 const profiles::JinjaValueContext* context);

}  // namespace dbtpy::compiler
