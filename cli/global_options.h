#pragma once
// Flags shared by every command, spelled as dbt spells them. Filled by CLI11 in main.cc and
// passed by reference to each command. Value type.
#include <optional>
#include <string>
#include <vector>

namespace dbtpy::cli {

struct GlobalOptions {
  std::string project_dir = ".";
  std::optional<std::string> profiles_dir;  // else $DBT_PROFILES_DIR, the project dir, ~/.dbt
  std::optional<std::string> target;        // else the profile's `target:`
  std::optional<std::string> profile;       // else dbt_project.yml `profile:`
  std::string vars_yaml;                    // --vars '{k: v}'
  std::optional<std::string> manifest;      // --manifest: dbt's manifest.json for relations
  std::vector<std::string> select;          // --select/-s (space-separated values are unions)
  std::vector<std::string> exclude;
  std::string log_format = "text";  // text | json
  bool quiet = false;
  bool no_color = false;
  bool debug = false;
  // --partial-parse / --no-partial-parse or $DBT_PARTIAL_PARSE: 1 on, -1 off, 0 neither given
  // (then dbt_project.yml `flags: {partial_parse: ...}`, else on).
  int partial_parse = 0;
  std::optional<std::string> partial_parse_file;  // --partial-parse-file-path
};

}  // namespace dbtpy::cli
