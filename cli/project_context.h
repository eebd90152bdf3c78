#pragma once
// The single way a command loads what it works on: the global flags become the --vars
// mapping, the profile (profiles.yml lookup, target) and the project (files, configs,
// relations, DAG), and --select/--exclude become the selected nodes. Every diagnostic is
// reported through the invocation's reporter as it is found. Used by ls, parse, compile,
// debug and run-like commands. Not thread-safe (one call per invocation).
#include <cstddef>
#include <vector>

#include "cli/invocation.h"
#include "compiler/project.h"
#include "profiles/profile_loader.h"
#include "util/json.h"

namespace dbtpy::cli {

struct ProjectContext {
  profiles::LoadedProfile profile;
  compiler::Project project;
  std::vector<size_t> selected;         // selected node indices (all kinds), sorted
  std::vector<size_t> selected_python;  // selected Python models without errors, parents first
  double load_seconds = 0;              // wall time of loading and selecting
};

struct ContextOptions {
  bool apply_selection = true;  // false: `selected` is every node (e.g. `dbtpy parse`)
};

// --vars as a mapping ('' -> {}). Throws dbtpy::Error (kUsage) DBTPY209 when it is not YAML
// or not a mapping.
Json parse_cli_vars(const std::string& vars_yaml);

// Loads only the profile (for commands such as `debug` that need no models).
profiles::LoadedProfile load_profile_for(Invocation& inv);

// Loads profile, project and selection. Throws dbtpy::Error (kUsage) when the profile or
// dbt_project.yml is unusable; model and properties problems are reported and reflected in
// context.project.exit_code().
ProjectContext load_project_context(Invocation& inv, const ContextOptions& options = {});

// Keeps a loaded context alive until the process exits instead of destroying it: the system
// reclaims a 10,000-model project at exit far faster than ~1M destructor calls and frees
// (about 6% of `dbtpy parse`). For commands that are done with the project when they return.
// The memory stays reachable, so leak checkers do not report it.
void keep_until_exit(ProjectContext&& context);

}  // namespace dbtpy::cli
