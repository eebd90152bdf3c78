#pragma once
// The Databricks platform driver appended to the compiled model. It reads the run
// parameters (notebook widgets, or `dbtpy_params` set by a parameters command on the
// Command API path), decides dbt.is_incremental from the catalog (target exists as a table,
// materialized incremental, not a full refresh), calls model(dbt, spark), converts the
// result to a Spark DataFrame and materializes inside the same run: saveAsTable (format,
// location, partitioning, liquid clustering, bucketing, tblproperties) for tables and first
// runs; for incrementals a staging table named after the run, dbt's on_schema_change, the
// strategy's Spark SQL, and the staging table dropped on every path. Pure; thread-safe.
#include <string>

#include "util/json.h"

namespace dbtpy::codegen::databricks {

std::string spark_driver_python(const Json& settings);

}  // namespace dbtpy::codegen::databricks
