#pragma once
// BigQuery via Dataproc: the compiled model is a PySpark main file uploaded to
// gs://<gcs_bucket>/dbtpy/<run id>/<schema>/<alias>.py and run as a Dataproc Serverless batch
// (submission_method: serverless, default) or a job on an existing cluster (cluster).
// Incrementals add ONE BigQuery script job (merge.sql) after the Dataproc work succeeds, and
// cleanup steps delete the uploaded file and the run's staging table on every path.
// Run-varying values are batch/job `args` and a BigQuery query parameter. Pure; thread-safe.
#include "codegen/codegen.h"

namespace dbtpy::codegen::dataproc {

Payload generate(const CodegenInput& input);

// The Dataproc Serverless runtime dbtpy asks for unless the profile's dataproc_batch sets
// runtime_config.version, and the spark-bigquery connector jar matching it.
inline constexpr const char* kDefaultRuntimeVersion = "2.2";
inline constexpr const char* kDefaultConnectorJar =
    "gs://spark-lib/bigquery/spark-bigquery-with-dependencies_2.13-0.36.4.jar";

}  // namespace dbtpy::codegen::dataproc
