#pragma once
// The Snowflake platform driver appended to the compiled model: the stored procedure's
// handler `main(session, run_id, full_refresh)`. It decides dbt.is_incremental on the server
// (target exists as a table, materialized incremental, not a full refresh), calls
// model(dbt, session), converts pandas to Snowpark, and materializes inside the procedure:
// save_as_table for tables and first runs; for incrementals a temporary staging table,
// dbt's on_schema_change handling and the strategy's SQL in one transaction, the staging
// table dropped on every path. Pure text generation; thread-safe.
#include <string>

#include "util/json.h"

namespace dbtpy::codegen::snowflake {

// `settings` becomes the driver's _DBTPY dict (target/staging names, exists query, strategy,
// keys, ...): reviewers read the exact values the run uses.
std::string snowpark_driver_python(const Json& settings);

}  // namespace dbtpy::codegen::snowflake
