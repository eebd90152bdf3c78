#pragma once
// Loads a dbt project the way dbt parses it, in two steps (dbt_project.yml names the profile,
// the profile's target is needed to render the rest):
//   1. read_project_header: dbt_project.yml's name and profile;
//   2. load_project: the rest of dbt_project.yml, installed packages (dbt_packages/*), every
//      model (.py and .sql), seed, snapshot and properties file — read once each on a small
//      thread pool, one file in memory per thread: SQL and properties files first, Python
//      files analyzed in the same pass while one worker builds the nodes, each Python model's
//      config and relation resolved right after its analysis once the nodes exist — then
//      relation naming of the rest (dbt's manifest.json, when present, names non-Python
//      relations), ref/source resolution and the DAG. With partial parsing (LoadOptions::
//      partial_parse), a Python file whose bytes are unchanged takes its stored analysis
//      (compiler/analysis_cache.h) instead of being analyzed. Folder walks, node building, ref
//      resolution and DAG lookups use the same pool; results join in a fixed order, so output
//      and diagnostics do not depend on the thread count.
// Problems in models or properties files become diagnostics in the Project (other files
// still load); problems that make the project unusable (dbt_project.yml itself) throw.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "compiler/dbt_project.h"
#include "compiler/project.h"
#include "compiler/python/analysis.h"
#include "profiles/endpoints.h"
#include "profiles/target.h"
#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::compiler {

// The Python analyzer, injectable for tests; must be thread-safe.
using AnalyzeFn =
    std::function<python::PythonAnalysis(std::string_view source, std::string_view display_path)>;

struct LoadOptions {
  Json cli_vars = Json::object();  // --vars
  profiles::EnvLookup env;         // process_env() in the CLI
  std::shared_ptr<Redactor> redactor = std::make_shared<Redactor>();
  // dbt's manifest.json for non-Python relation names: this file when set (it must exist),
  // else <target-path>/manifest.json when it exists.
  std::optional<std::filesystem::path> dbt_manifest;
  int threads = 0;    // file analysis threads; 0: the machine's cores (at most 8)
  AnalyzeFn analyze;  // null: python::analyze_without_calls
  // Partial parsing, as dbt's --partial-parse: Python files whose bytes and path are unchanged
  // reuse the analysis stored in <target-path>/dbtpy/partial_parse.bin (compiler/
  // analysis_cache.h); everything else is resolved as usual. Unset: the root dbt_project.yml's
  // `flags: {partial_parse: ...}`, else on (the CLI sets it from --[no-]partial-parse and
  // $DBT_PARTIAL_PARSE, which dbt ranks above the project flag). Off, the file is not read but
  // is still written, as dbt writes partial_parse.msgpack either way. A non-null `analyze` (a
  // test's analyzer, whose results must not be mixed with the real one's) turns both off.
  std::optional<bool> partial_parse;
  // dbt's --partial-parse-file-path: the cache is read from this file instead (and still
  // written to the target path).
  std::optional<std::filesystem::path> partial_parse_file;
};

// Step 1. Throws dbtpy::Error (kUsage) when dbt_project.yml is missing or invalid.
DbtProjectFile read_project_header(const std::filesystem::path& project_dir,
                                   const LoadOptions& options);

// Step 2. Throws dbtpy::Error (kUsage) for errors in dbt_project.yml or --manifest; every
// other problem is a diagnostic in the result (see Project::exit_code).
Project load_project(DbtProjectFile header, const profiles::Target& target,
                     const LoadOptions& options);

}  // namespace dbtpy::compiler
