#pragma once
// The Dataproc (BigQuery) platform driver appended to the compiled model, which is also the
// PySpark main file. It reads --run-id/--full-refresh from the batch/job args, sets the
// spark-bigquery connector options, decides dbt.is_incremental from BigQuery (target exists
// as a table, materialized incremental, not a full refresh), calls model(dbt, spark),
// converts the result to a Spark DataFrame and writes it: to the target (table, first run,
// full refresh) or to a staging table named after the run, which the BigQuery merge script
// (merge_script.h) merges and drops. Pure; thread-safe.
#include <string>

#include "util/json.h"

namespace dbtpy::codegen::dataproc {

std::string pyspark_driver_python(const Json& settings);

}  // namespace dbtpy::codegen::dataproc
