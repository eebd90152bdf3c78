#pragma once
// What the engine runs: the selected Python models, parents first, each with the models it
// waits for and its compiled payload. Built by the CLI from the loaded project and the
// compiled payloads; read-only while the engine runs (safe to share across threads). The
// payloads are owned by the caller and must outlive the run.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "codegen/payload.h"

namespace dbtpy::runner {

struct PlannedModel {
  std::string unique_id;           // model.<package>.<name>
  std::string name;                // model name, as dbt's summary prints it
  std::string original_file_path;  // models/orders.py
  std::string display_relation;    // schema.identifier, as dbt's log lines print it
  std::string relation_name;       // the rendered relation (run_results relation_name)
  std::string materialized;        // table | incremental
  std::string platform;            // snowflake | databricks | bigquery
  // Indices into RunPlan::models of the selected Python models this one waits for (through
  // any chain of SQL models, seeds and snapshots). Always smaller than this model's index.
  std::vector<size_t> upstream;
  // The model config `timeout`: from the first request to the end of the remote work
  // (queueing and cluster start included). nullopt: no limit but the platform's own.
  std::optional<std::chrono::milliseconds> timeout;
  const codegen::Payload* payload = nullptr;  // null when the model could not be compiled
  std::string error;                          // why it could not be compiled (its failure)
  // When its payload was built (run_results' "compile" timing).
  std::optional<std::chrono::system_clock::time_point> compile_started, compile_completed;
};

struct RunPlan {
  std::vector<PlannedModel> models;  // parents before children
};

}  // namespace dbtpy::runner
