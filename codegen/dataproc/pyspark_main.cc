#include "codegen/dataproc/pyspark_main.h"

#include "codegen/common/python_literal.h"
#include "codegen/common/spark_common.h"

namespace dbtpy::codegen::dataproc {

std::string pyspark_driver_python(const Json& settings) {
  std::string s;
  s += "\n\n# " + std::string(75, '-') + "\n";
  s += "# dbtpy driver: Dataproc PySpark + spark-bigquery connector\n";
  s += "# " + std::string(75, '-') + "\n";
  s += "import argparse as _dbtpy_argparse\n";
  s += "import json as _dbtpy_json\n\n";
  s += "from pyspark.sql import SparkSession as _DbtpySparkSession\n\n";
  s += "_DBTPY = " + py_literal_block(settings) + "\n";
  s += spark_dataframe_python("BigQuery (Dataproc)");
  s += R"PY(

def _dbtpy_args():
    parser = _dbtpy_argparse.ArgumentParser(prog="dbtpy-model")
    parser.add_argument("--run-id", default="")
    parser.add_argument("--full-refresh", default="false")
    args, _ = parser.parse_known_args()
    return args.run_id, args.full_refresh.lower() == "true"


def _dbtpy_bigquery_client():
    try:
        from google.cloud import bigquery
    except Exception:
        return None
    return bigquery.Client(project=_DBTPY["execution_project"])


def _dbtpy_existing_type(spark, client):
    if client is not None:
        from google.api_core.exceptions import NotFound

        try:
            return client.get_table(_DBTPY["target"]).table_type
        except NotFound:
            return None
    rows = (
        spark.read.format("bigquery")
        .option("viewsEnabled", "true")
        .option("materializationDataset", _DBTPY["dataset"])
        .option("query", _DBTPY["exists_query"])
        .load()
        .collect()
    )
    if not rows:
        return None
    return "TABLE" if rows[0][0] == "BASE TABLE" else rows[0][0]


def _dbtpy_write(df, table, layout):
    writer = (
        df.write.mode("overwrite")
        .format("bigquery")
        .option("writeMethod", _DBTPY["write_method"])
        .option("writeDisposition", "WRITE_TRUNCATE")
        .option("temporaryGcsBucket", _DBTPY["gcs_bucket"])
    )
    if layout:
        for key, value in _DBTPY["layout_options"].items():
            writer = writer.option(key, value)
    writer.save(table)


spark = _DbtpySparkSession.builder.appName(_DBTPY["app_name"]).getOrCreate()
for _dbtpy_key, _dbtpy_value in _DBTPY["spark_conf"].items():
    spark.conf.set(_dbtpy_key, _dbtpy_value)


def _dbtpy_main():
    run_id, full_refresh = _dbtpy_args()
    target = _DBTPY["target"]
    client = _dbtpy_bigquery_client()
    existing = _dbtpy_existing_type(spark, client)
    is_incremental = (
        _DBTPY["materialized"] == "incremental" and existing == "TABLE" and not full_refresh
    )
    dbt = dbtObj(spark.read.format("bigquery").load, is_incremental)
    df = _dbtpy_to_spark(spark, model(dbt, spark))
    result = {
        "run_id": run_id,
        "unique_id": _DBTPY["unique_id"],
        "relation": target,
        "materialized": _DBTPY["materialized"],
        "is_incremental": is_incremental,
    }
    if not is_incremental:
        if existing is None and client is not None:
            # dbt creates the dataset before building models; a first run may need it.
            from google.cloud import bigquery

            dataset = bigquery.Dataset(_DBTPY["project"] + "." + _DBTPY["dataset"])
            if _DBTPY["location"]:
                dataset.location = _DBTPY["location"]
            client.create_dataset(dataset, exists_ok=True)
        elif existing is not None and existing != "TABLE":
            if client is None:
                raise RuntimeError(
                    f"{target} exists as a {existing}; dbtpy cannot replace it from Spark "
                    "without google-cloud-bigquery: drop it, then run the model again"
                )
            client.delete_table(target)
        _dbtpy_write(df, target, True)
        result["written"] = target
        return result
    staging = _DBTPY["staging_prefix"] + run_id.replace("-", "_")
    _dbtpy_write(df, staging, False)
    result["written"] = staging
    return result


print("dbtpy:", _dbtpy_json.dumps(_dbtpy_main(), sort_keys=True))
)PY";
  return s;
}

}  // namespace dbtpy::codegen::dataproc
