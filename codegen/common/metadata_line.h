#pragma once
// The first line of every generated Python file (after a notebook's mandatory header): one
// comment holding compact JSON with sorted keys, which dbtpy-sandbox reads to simulate a run.
//   # dbtpy-model: {"materialized":"...","platform":"...","relation":"...","unique_id":"..."}
// Extra keys are allowed (unique_key, incremental_strategy, on_schema_change, ...). Pure.
#include <string>

#include "util/json.h"

namespace dbtpy::codegen {

inline constexpr const char* kMetadataPrefix = "# dbtpy-model: ";

// `fields` must hold at least materialized, platform, relation and unique_id. Returns the
// line including its trailing "\n".
std::string metadata_line(const Json& fields);

}  // namespace dbtpy::codegen
