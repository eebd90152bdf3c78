// Bad configuration gets a clear DBTPY3xx error naming the model, the key, where it was set
// and what to do; suspicious but valid configuration gets a warning. One case per rule.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "util/error.h"

namespace dbtpy::codegen::testing {
namespace {

Diagnostic error_of(const Fixture& f) {
  try {
    f.generate();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kModel);
    EXPECT_EQ(e.diagnostics().size(), 1u);
    return e.diagnostics().front();
  }
  ADD_FAILURE() << "expected a DBTPY error";
  return {};
}

void expect_error(const Fixture& f, const std::string& code,
                  const std::vector<std::string>& fragments) {
  Diagnostic d = error_of(f);
  EXPECT_EQ(d.code, code) << format_diagnostic(d);
  std::string text = format_diagnostic(d);
  for (const auto& frag : fragments)
    EXPECT_NE(text.find(frag), std::string::npos) << "'" << frag << "' missing from:\n" << text;
  EXPECT_FALSE(d.hint.empty()) << text;
}

bool has_warning(const Payload& p, const std::string& code) {
  for (const auto& w : p.warnings)
    if (w.code == code && w.severity == Severity::kWarning) return true;
  return false;
}

TEST(ConfigErrors, MaterializationMustBeTableOrIncremental) {
  Fixture f = snowflake_fixture();
  f.config("materialized", "view");
  Diagnostic d = error_of(f);
  EXPECT_EQ(d.code, "DBTPY301");
  EXPECT_EQ(d.file, "models/marts/orders.py");
  EXPECT_EQ(d.line, 14);  // the dbt.config(materialized=...) line
  EXPECT_NE(d.message.find("model 'orders'"), std::string::npos);
  EXPECT_NE(d.message.find("'view'"), std::string::npos);
}

TEST(ConfigErrors, UnknownSubmissionMethodListsAllowedValues) {
  Fixture f = databricks_fixture();
  f.config("submission_method", "job-cluster");
  expect_error(f, "DBTPY302",
               {"submission_method", "did you mean 'job_cluster'", "'workflow_job'"});
  Fixture b = bigquery_fixture();
  b.config("submission_method", "bigframes");
  expect_error(b, "DBTPY302", {"bigframes", "serverless"});
  Fixture p = bigquery_fixture();
  p.profile("submission_method", "dataflow");
  expect_error(p, "DBTPY302", {"dataflow", "profiles.yml"});
}

TEST(ConfigErrors, JobClusterNeedsItsClusterSpec) {
  Fixture f = databricks_fixture();
  f.config("submission_method", "job_cluster");
  expect_error(f, "DBTPY303", {"job_cluster_config", "spark_version", "node_type_id"});
  f.config("job_cluster_config", {{"spark_version", "15.4.x-scala2.12"}, {"num_workers", 1}});
  expect_error(f, "DBTPY303", {"no 'node_type_id'"});
  f.config("job_cluster_config", {{"node_type_id", "i3.xlarge"}});
  expect_error(f, "DBTPY303", {"no 'spark_version'"});
}

TEST(ConfigErrors, DataprocNeedsBucketRegionAndClusterName) {
  Fixture f = bigquery_fixture();
  f.profile("gcs_bucket", nullptr);
  Diagnostic d = error_of(f);
  EXPECT_EQ(d.code, "DBTPY304");
  EXPECT_EQ(d.file, "profiles.yml");
  EXPECT_EQ(d.line, 20);
  EXPECT_NE(d.message.find("gcs_bucket"), std::string::npos);
  Fixture r = bigquery_fixture();
  r.profile("compute_region", nullptr);
  expect_error(r, "DBTPY304", {"compute_region"});
  Fixture c = bigquery_fixture();
  c.profile("dataproc_cluster_name", nullptr).config("submission_method", "cluster");
  expect_error(c, "DBTPY305", {"dataproc_cluster_name", "cluster"});
}

TEST(ConfigErrors, UnknownIncrementalStrategyPerPlatform) {
  Fixture s = snowflake_fixture();
  s.config("materialized", "incremental").config("incremental_strategy", "upsert");
  expect_error(s, "DBTPY306", {"'upsert'", "snowflake", "'delete+insert'"});
  Fixture d = databricks_fixture();
  d.config("materialized", "incremental").config("incremental_strategy", "microbatch");
  expect_error(d, "DBTPY306", {"microbatch", "databricks"});
  Fixture b = bigquery_fixture();
  b.config("materialized", "incremental").config("incremental_strategy", "insert_overwrite");
  expect_error(b, "DBTPY306", {"not yet supported for Python models"});
  b.config("incremental_strategy", "append");
  expect_error(b, "DBTPY306", {"'append'", "'merge'"});
}

TEST(ConfigErrors, MergeUpdateAndExcludeColumnsAreExclusive) {
  Fixture f = snowflake_fixture();
  f.config("materialized", "incremental")
      .config("merge_update_columns", Json::array({"a"}))
      .config("merge_exclude_columns", Json::array({"b"}));
  expect_error(f, "DBTPY307", {"merge_update_columns", "merge_exclude_columns"});
}

TEST(ConfigErrors, WrongValueTypes) {
  Fixture f = snowflake_fixture();
  f.config("packages", Json::array({1}));
  expect_error(f, "DBTPY308", {"packages", "list of strings"});
  Fixture g = snowflake_fixture();
  g.config("use_anonymous_sproc", "sometimes");
  expect_error(g, "DBTPY308", {"use_anonymous_sproc", "true or false"});
}

TEST(ConfigErrors, AllPurposeClusterNeedsACluster) {
  Fixture f = databricks_fixture();
  f.profile("http_path", "/sql/1.0/warehouses/abc123");
  expect_error(f, "DBTPY309", {"SQL warehouse", "serverless_cluster"});
  Fixture g = databricks_fixture();
  g.profile("http_path", nullptr);
  expect_error(g, "DBTPY309", {"all_purpose_cluster", "cluster_id"});
}

TEST(ConfigErrors, WorkflowJobNeedsPythonJobConfig) {
  Fixture f = databricks_fixture();
  f.config("submission_method", "workflow_job");
  expect_error(f, "DBTPY310", {"python_job_config"});
}

TEST(ConfigErrors, DatabricksStrategyRequirements) {
  Fixture f = databricks_fixture();
  f.config("materialized", "incremental").config("incremental_strategy", "delete+insert");
  expect_error(f, "DBTPY311", {"unique_key"});
  f.config("incremental_strategy", "merge").config("file_format", "parquet");
  expect_error(f, "DBTPY311", {"'delta' or 'hudi'"});
  Fixture g = databricks_fixture();
  g.config("materialized", "incremental").config("incremental_strategy", "replace_where");
  expect_error(g, "DBTPY311", {"incremental_predicates"});
}

TEST(ConfigErrors, BatchIdMustBeAValidPrefix) {
  Fixture f = bigquery_fixture();
  f.config("batch_id", "Orders_Nightly");
  expect_error(f, "DBTPY313", {"batch_id", "[a-z0-9-]"});
}

TEST(ConfigErrors, SnowflakeClauseChecks) {
  Fixture f = snowflake_fixture();
  f.config("external_access_integrations", Json::array({"x); drop table t; --"}));
  expect_error(f, "DBTPY316", {"external_access_integrations"});
  Fixture g = snowflake_fixture();
  g.config("table_format", "iceberg");
  expect_error(g, "DBTPY322", {"Iceberg"});
  Fixture h = snowflake_fixture();
  h.config("tmp_relation_type", "view");
  expect_error(h, "DBTPY320", {"tmp_relation_type"});
  Fixture i = snowflake_fixture();
  i.config("python_version", "3");
  expect_error(i, "DBTPY321", {"python_version"});
}

TEST(ConfigErrors, ServerlessTakesOnlyPipDependencies) {
  Fixture f = databricks_fixture();
  f.config("submission_method", "serverless_cluster")
      .config("additional_libs", Json::array({{{"jar", "/Volumes/x.jar"}}}));
  expect_error(f, "DBTPY323", {"serverless", "jar"});
}

TEST(ConfigErrors, PartitionByShapes) {
  Fixture f = bigquery_fixture();
  f.config("partition_by", {{"field", "x"}, {"data_type", "string"}});
  expect_error(f, "DBTPY324", {"data_type 'string'"});
  f.config("partition_by", {{"field", "id"}, {"data_type", "int64"}});
  expect_error(f, "DBTPY324", {"range"});
  f.config("partition_by", {{"field", "d"}, {"time_ingestion_partitioning", true}});
  expect_error(f, "DBTPY325", {"ingestion-time"});
}

TEST(ConfigErrors, NoModelFunction) {
  Fixture f = snowflake_fixture();
  f.source = "import pandas\n";
  f.model.model_def_line = 0;
  expect_error(f, "DBTPY326", {"def model"});
}

TEST(ConfigErrors, SecretsInIndexUrlAreRefused) {
  Fixture f = databricks_fixture();
  f.config("index_url", "https://user:s3cret@pypi.example.com/simple");
  Diagnostic d = error_of(f);
  EXPECT_EQ(d.code, "DBTPY327");
  EXPECT_EQ(format_diagnostic(d).find("s3cret"), std::string::npos);
}

TEST(ConfigWarnings, InvalidOnSchemaChangeFallsBackToIgnore) {
  Fixture f = snowflake_fixture();
  f.config("materialized", "incremental").config("on_schema_change", "explode");
  Payload p = f.generate();
  EXPECT_TRUE(has_warning(p, "DBTPY315"));
  EXPECT_NE(p.file("model.py")->content.find("\"on_schema_change\": \"ignore\""),
            std::string::npos);
}

TEST(ConfigWarnings, CellSeparatorsPackagesAndUnknownRunFields) {
  Fixture f = databricks_fixture();
  f.source += "# COMMAND ----------\n";
  Payload p = f.generate();
  EXPECT_TRUE(has_warning(p, "DBTPY318"));
  EXPECT_TRUE(has_warning(p, "DBTPY328"));  // packages ignored on the Command API path
  Fixture g = databricks_fixture();
  g.config("submission_method", "serverless_cluster")
      .config("python_job_config", {{"max_retries", 3}});
  EXPECT_TRUE(has_warning(g.generate(), "DBTPY329"));
}

TEST(ConfigWarnings, HugeSnowflakeStatement) {
  Fixture f = snowflake_fixture();
  f.source += "BLOB = \"" + std::string(1100 * 1024, 'x') + "\"\n";
  EXPECT_TRUE(has_warning(f.generate(), "DBTPY317"));
}

}  // namespace
}  // namespace dbtpy::codegen::testing
