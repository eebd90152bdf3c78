#pragma once
// Reads the one line dbtpy's code generator writes into every Python payload:
//   # dbtpy-model: {"materialized":"table","platform":"snowflake","relation":"DB.SCH.T",...}
// and checks the payload is a dbtpy model (a `def model(` function plus that line). The
// sandbox cannot run Snowpark or PySpark, so this metadata is what a simulated run acts on.
// Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>

#include "util/json.h"

namespace dbtpy::sandbox {

struct ModelMeta {
  Json raw = Json::object();  // every key as written (extra keys are kept)
  std::string unique_id;
  std::string relation;
  std::string platform;
  std::string materialized;
  std::string staging_relation;  // "" when absent
};

struct PayloadInspection {
  std::optional<ModelMeta> meta;
  std::string problem;  // why it is not a dbtpy payload ("" when it is)
};

PayloadInspection inspect_payload(std::string_view python_source);

// Neither a `def model(` function nor a `# dbtpy-model:` line: helper code, not a model.
bool is_helper_code(std::string_view python_source);

// Databricks accepts IPython magics (`%pip install ...`, `%sql`) in commands and notebooks;
// CPython does not. Returns the source with such lines turned into comments, line numbers kept.
std::string neutralize_magics(std::string_view python_source);

}  // namespace dbtpy::sandbox
