#pragma once
// run_results.json as dbt writes it (schema v6,
// https://schemas.getdbt.com/dbt/run-results/v6.json), so the tools that read dbt's artifacts (dbt
// Cloud-like dashboards, elementary, dbt_artifacts, CI scripts) read dbtpy's too:
//   metadata  dbt_schema_version, dbt_version (dbtpy's version), generated_at, invocation_id
//             (the run id), env (DBT_ENV_CUSTOM_ENV_* variables, as dbt collects them)
//   results[] in completion order: status (success / error / skipped), timing (compile,
//             execute), thread_id ("Thread-N", the concurrency lane), execution_time,
//             adapter_response (the platform's ids and URLs), message, failures (null),
//             unique_id, compiled, compiled_code (the payload's model.py), relation_name
//   elapsed_time, args (the invocation's flags)
// The schema forbids other fields in metadata and results; dbtpy's own facts go into args
// and adapter_response. Pure functions; thread-safe.
#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "runner/engine.h"
#include "runner/run_plan.h"
#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::runner {

inline constexpr std::string_view kRunResultsSchema =
    "https://schemas.getdbt.com/dbt/run-results/v6.json";

struct RunResultsMetadata {
  std::string invocation_id;  // the run id
  std::string dbtpy_version;
  std::chrono::system_clock::time_point generated_at;
  std::map<std::string, std::string> env;  // DBT_ENV_CUSTOM_ENV_ variables, prefix removed
  Json args = Json::object();
};

Json run_results_json(const RunPlan& plan, const RunOutcome& outcome,
                      const RunResultsMetadata& metadata);

// The DBT_ENV_CUSTOM_ENV_* variables of this process, prefix removed.
std::map<std::string, std::string> custom_env_from_process();

// Writes `run_results` to `path` atomically (temp file + fsync + rename), through the
// redactor. Throws std::runtime_error naming the file; the previous file stays untouched.
void write_run_results(const std::filesystem::path& path, const Json& run_results,
                       const Redactor* redactor);

}  // namespace dbtpy::runner
