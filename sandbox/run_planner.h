#pragma once
// Turns a submitted payload into a RunPlan: compiles the Python, checks it is a dbtpy payload
// for this platform, then applies the first behaviour rule of sandbox.yml that matches the
// model's unique_id or relation (falling back to "succeed after a short random duration").
// Also counts executions, so every started simulation is visible in the stats. Thread-safe.
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/config.h"
#include "sandbox/model_payload.h"
#include "sandbox/python_checker.h"
#include "sandbox/random.h"
#include "sandbox/run_plan.h"
#include "sandbox/stats.h"

namespace dbtpy::sandbox {

struct PlannedRun {
  RunPlan plan;
  std::optional<ModelMeta> meta;  // nullopt when the payload was rejected
};

class RunPlanner {
 public:
  RunPlanner(const SandboxConfig& config, PythonChecker& checker, Random& random, Stats& stats);

  // `platform`: snowflake | databricks | dataproc. `filename` appears in tracebacks.
  // `notebook` = Databricks text: IPython magics are neutralized before compiling.
  PlannedRun plan_python(const std::string& platform, std::string_view source,
                         const std::string& filename, bool notebook);

  // A Databricks command that is not a model (no `def model(`, no metadata line): dbtpy's
  // `%pip install` and parameter cells. Compiled, then done at once; not an execution.
  RunPlan plan_helper(std::string_view source, const std::string& filename);

  // Work that is not a Python payload (BigQuery jobs): rules keyed by a relation name.
  RunPlan plan_named(const std::string& platform, const std::string& name);

  // A run that fails before user code starts (missing file, bad cluster, ...).
  RunPlan plan_failure(const std::string& error_type, const std::string& message);

 private:
  RunPlan resolve(const std::string& platform, const std::vector<std::string>& names,
                  const std::string& filename);

  const SandboxConfig& config_;
  PythonChecker& checker_;
  Random& random_;
  Stats& stats_;
  std::mutex mu_;
  std::vector<int> matches_;  // per rule, for max_matches
};

// "ValueError: boom" -> ("ValueError", "ValueError: boom"); "boom" -> ("Exception", "Exception:
// boom").
std::pair<std::string, std::string> split_exception(const std::string& message);

}  // namespace dbtpy::sandbox
