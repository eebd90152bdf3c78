#include "golden_cases.h"

#include "util/diagnostic.h"

namespace dbtpy::codegen::testing {

namespace {

Fixture incremental(Fixture f) {
  f.config("materialized", "incremental");
  return f;
}

std::vector<GoldenCase> make_cases() {
  std::vector<GoldenCase> cases;
  // ---- Snowflake ----
  cases.push_back({"snowflake_table_anonymous", [] { return snowflake_fixture(); }});
  cases.push_back({"snowflake_table_named", [] {
                     Fixture f = snowflake_fixture();
                     f.config("use_anonymous_sproc", false).config("transient", false);
                     return f;
                   }});
  cases.push_back(
      {"snowflake_incremental_anonymous", [] {
         Fixture f = incremental(snowflake_fixture());
         f.config("unique_key", "ORDER_ID").config("on_schema_change", "append_new_columns");
         return f;
       }});
  cases.push_back({"snowflake_incremental_named", [] {
                     Fixture f = incremental(snowflake_fixture());
                     f.config("use_anonymous_sproc", false)
                         .config("incremental_strategy", "delete+insert")
                         .config("unique_key", Json::array({"ORDER_ID", "ORDER_DATE"}))
                         .config("incremental_predicates",
                                 Json::array({"DBT_INTERNAL_DEST.ORDER_DATE >= dateadd(day, -7, "
                                              "current_date)"}))
                         .config("on_schema_change", "sync_all_columns")
                         .config("python_version", "3.10")
                         .config("packages", Json::array({"pandas==2.1.4",
                                                          "snowflake-snowpark-python==1.11.1"}))
                         .config("imports", Json::array({"@ml_stage/helpers.py"}))
                         .config("external_access_integrations", Json::array({"PYPI_ACCESS"}))
                         .config("secrets", {{"api_key", "ANALYTICS.SECRETS.ORDERS_API_KEY"}})
                         .config("query_tag", "team:finance")
                         .config("timeout", 3600)
                         .config("snowflake_warehouse", "TRANSFORMING_XL");
                     return f;
                   }});
  // ---- Databricks ----
  cases.push_back({"databricks_table_command_api", [] { return databricks_fixture(); }});
  cases.push_back({"databricks_incremental_command_api", [] {
                     Fixture f = incremental(databricks_fixture());
                     f.config("unique_key", "order_id")
                         .config("notebook_scoped_libraries", true)
                         .config("merge_update_columns", Json::array({"status", "amount"}));
                     return f;
                   }});
  cases.push_back(
      {"databricks_table_notebook_run", [] {
         Fixture f = databricks_fixture();
         f.config("create_notebook", true)
             .config("cluster_id", "0123-456789-abcdefgh")
             .config("index_url", "https://pypi.internal.example.com/simple")
             .config(
                 "additional_libs",
                 Json::array({{{"whl", "/Volumes/main/libs/wheels/utils-1.0-py3-none-any.whl"}}}))
             .config("user_folder_for_python", false);
         return f;
       }});
  cases.push_back({"databricks_incremental_notebook_run", [] {
                     Fixture f = incremental(databricks_fixture());
                     f.config("create_notebook", true)
                         .config("incremental_strategy", "append")
                         .config("on_schema_change", "append_new_columns");
                     return f;
                   }});
  Json job_cluster = {{"spark_version", "15.4.x-scala2.12"},
                      {"node_type_id", "i3.xlarge"},
                      {"num_workers", 2},
                      {"spark_conf", {{"spark.sql.shuffle.partitions", "64"}}}};
  cases.push_back({"databricks_table_job_cluster", [job_cluster] {
                     Fixture f = databricks_fixture();
                     f.config("submission_method", "job_cluster")
                         .config("job_cluster_config", job_cluster)
                         .config("file_format", "delta")
                         .config("location_root", "s3://acme-lake/marts")
                         .config("partition_by", Json::array({"order_date"}))
                         .config("tblproperties", {{"delta.autoOptimize.optimizeWrite", "true"}})
                         .config("timeout", 7200);
                     return f;
                   }});
  cases.push_back({"databricks_incremental_job_cluster", [job_cluster] {
                     Fixture f = incremental(databricks_fixture());
                     f.config("submission_method", "job_cluster")
                         .config("job_cluster_config", job_cluster)
                         .config("incremental_strategy", "insert_overwrite")
                         .config("partition_by", "order_date");
                     return f;
                   }});
  cases.push_back({"databricks_table_serverless_cluster", [] {
                     Fixture f = databricks_fixture();
                     f.config("submission_method", "serverless_cluster")
                         .config("liquid_clustered_by", Json::array({"customer_id"}));
                     return f;
                   }});
  cases.push_back({"databricks_incremental_serverless_cluster", [] {
                     Fixture f = incremental(databricks_fixture());
                     f.config("submission_method", "serverless_cluster")
                         .config("incremental_strategy", "replace_where")
                         .config("incremental_predicates",
                                 Json::array({"order_date >= current_date() - INTERVAL 3 DAYS"}))
                         .config("on_schema_change", "fail");
                     return f;
                   }});
  cases.push_back(
      {"databricks_table_workflow_job", [] {
         Fixture f = databricks_fixture();
         f.config("submission_method", "workflow_job")
             .config("python_job_config",
                     {{"name", "nightly_orders"},
                      {"max_concurrent_runs", 1},
                      {"email_notifications", {{"on_failure", Json::array({"data@acme.example"})}}},
                      {"grants", {{"view", Json::array({{{"group_name", "analysts"}}})}}}});
         return f;
       }});
  cases.push_back(
      {"databricks_incremental_workflow_job", [job_cluster] {
         Fixture f = incremental(databricks_fixture());
         f.config("submission_method", "workflow_job")
             .config("job_cluster_config", job_cluster)
             .config("incremental_strategy", "delete+insert")
             .config("unique_key", Json::array({"order_id"}))
             .config("python_job_config",
                     {{"existing_job_id", "987654321"},
                      {"additional_task_settings", {{"max_retries", 2}}},
                      {"post_hook_tasks",
                       Json::array({{{"task_key", "refresh_dashboard"},
                                     {"depends_on", Json::array({{{"task_key", "dbtpy_model"}}})},
                                     {"sql_task",
                                      {{"warehouse_id", "abc123"},
                                       {"dashboard", {{"dashboard_id", "d1"}}}}}}})}});
         return f;
       }});
  // ---- BigQuery / Dataproc ----
  cases.push_back(
      {"bigquery_table_serverless", [] {
         Fixture f = bigquery_fixture();
         f.config("partition_by",
                  {{"field", "order_date"}, {"data_type", "date"}, {"granularity", "month"}})
             .config("cluster_by", "customer_id")
             .config("enable_list_inference", false)
             .config("intermediate_format", "orc");
         f.profile("dataproc_batch",
                   {{"environment_config",
                     {{"execution_config",
                       {{"service_account", "dbt-runner@acme-analytics.iam.gserviceaccount.com"},
                        {"subnetwork_uri", "projects/acme/regions/us-central1/subnetworks/dbt"},
                        {"network_tags", Json::array({"dbt"})}}}}},
                    {"runtime_config", {{"properties", {{"spark.executor.memory", "8g"}}}}},
                    {"labels", {{"cost_center", "finance"}}}});
         return f;
       }});
  cases.push_back({"bigquery_incremental_serverless", [] {
                     Fixture f = incremental(bigquery_fixture());
                     f.config("unique_key", Json::array({"order_id"}))
                         .config("on_schema_change", "sync_all_columns")
                         .config("merge_exclude_columns", Json::array({"loaded_at"}))
                         .config("batch_id", "orders-nightly");
                     return f;
                   }});
  cases.push_back({"bigquery_table_cluster", [] {
                     Fixture f = bigquery_fixture();
                     f.config("submission_method", "cluster");
                     return f;
                   }});
  cases.push_back({"bigquery_incremental_cluster", [] {
                     Fixture f = incremental(bigquery_fixture());
                     f.config("submission_method", "cluster")
                         .config("unique_key", "order_id")
                         .config("incremental_predicates",
                                 Json::array({"DBT_INTERNAL_DEST.order_date >= '2024-01-01'"}))
                         .config("on_schema_change", "fail")
                         .config("jar_file_uri",
                                 "gs://acme-jars/spark-bigquery-with-dependencies_2.12-0.36.4.jar");
                     return f;
                   }});
  return cases;
}

}  // namespace

const std::vector<GoldenCase>& golden_cases() {
  static const std::vector<GoldenCase> cases = make_cases();
  return cases;
}

std::string payload_summary(const Payload& p) {
  Json j = Json::object();
  j["unique_id"] = p.unique_id;
  j["platform"] = p.platform;
  j["method"] = p.method;
  j["materialized"] = p.materialized;
  j["relation"] = p.relation;
  j["facts"] = p.facts;
  Json files = Json::array();
  for (const auto& f : p.files)
    files.push_back({{"name", f.name}, {"media_type", f.media_type}, {"bytes", f.content.size()}});
  j["files"] = files;
  Json sm = Json::array();
  for (const auto& e : p.source_map)
    sm.push_back({{"generated_file", e.generated_file},
                  {"first_line", e.first_line},
                  {"line_count", e.line_count},
                  {"model_file", e.model_file},
                  {"model_first_line", e.model_first_line},
                  {"remote", e.remote},
                  {"remote_line_offset", e.remote_line_offset}});
  j["source_map"] = sm;
  Json w = Json::array();
  for (const auto& d : p.warnings)
    w.push_back(format_diagnostic(d));
  j["warnings"] = w;
  return j.dump(2) + "\n";
}

}  // namespace dbtpy::codegen::testing
