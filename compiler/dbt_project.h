#pragma once
// dbt_project.yml, read in dbt's two steps: first `name` and `profile` (rendered with env
// vars and --vars only, since the profile is not known yet), then — once the target is known —
// everything else with `target` available. `vars:` are kept unrendered and hooks are left as
// written (dbt renders both later, in the node's context). Also the walk of the `models:`,
// `seeds:` and `snapshots:` config trees along a node's fqn, and the bookkeeping behind dbt's
// "unused configuration paths" warning. Value types; functions are pure apart from reading
// the file.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "profiles/jinja_value.h"
#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::compiler {

struct DbtProjectFile {
  std::filesystem::path root;  // absolute folder holding the file
  std::string file;            // path shown in messages
  std::string name;
  std::string profile;  // may be empty (packages have none)
  std::vector<std::string> model_paths{"models"};
  std::vector<std::string> seed_paths{"seeds"};
  std::vector<std::string> snapshot_paths{"snapshots"};
  std::vector<std::string> macro_paths{"macros"};
  std::string target_path = "target";
  std::string packages_install_path = "dbt_packages";
  Json vars = Json::object();     // unrendered, as written (global and package-scoped)
  Json quoting = Json::object();  // rendered
  Json models = Json::object();   // config trees, rendered except hooks
  Json seeds = Json::object();
  Json snapshots = Json::object();
  Json sources = Json::object();
  // `flags: {partial_parse: ...}` of the root project (dbt's project flags; installed
  // packages' flags are not read, as dbt ignores them). Unset when not given.
  std::optional<bool> partial_parse;
  YAML::Node raw;  // the parsed file, for the second step
};

// Step one. Throws dbtpy::Error (kUsage): DBTPY201 (missing file), DBTPY202 (YAML), DBTPY203
// (missing or invalid `name`, wrong types), DBTPY211-217 (Jinja in name/profile).
DbtProjectFile read_dbt_project(const std::filesystem::path& project_dir,
                                const profiles::JinjaValueContext& context,
                                const std::filesystem::path& display_base);

// Step two: renders paths, quoting and config trees with `context` (which has the target).
// Throws dbtpy::Error like read_dbt_project; duplicate keys are added to `warnings`. With
// `lenient` (installed packages, whose Jinja dbt evaluates but dbtpy may not), a value that
// cannot be rendered is left unset (null) and reported as a DBTPY271 warning instead.
void render_dbt_project(DbtProjectFile& project, const profiles::JinjaValueContext& context,
                        std::vector<Diagnostic>& warnings, bool lenient = false);

// Turns a rendering error into the DBTPY271 warning used for installed packages.
Diagnostic package_jinja_warning(const Diagnostic& error);

// The config layers a node receives from one config tree, root level first, deepest last:
// `+key` entries and plain keys with non-mapping values are configs; plain keys with mapping
// values are folders (or project/model names) along `fqn`. Each visited folder path is added
// to `visited` (joined with '.') for the unused-path warning.
std::vector<Json> project_config_layers(const Json& tree, const std::vector<std::string>& fqn,
                                        std::set<std::string>* visited = nullptr);

// The configs set at one level of a config tree (`+key` entries and plain non-mapping keys).
Json level_configs(const Json& level);

// Paths of a config tree that carry configs ("models.jaffle.staging"), for comparing with the
// visited set.
std::vector<std::string> config_tree_paths(const Json& tree, const std::string& prefix);

}  // namespace dbtpy::compiler
