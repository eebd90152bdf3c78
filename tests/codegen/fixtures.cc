#include "fixtures.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/fs.h"

namespace dbtpy::codegen::testing {

namespace {

const char* kOrdersSource = R"PY("""Orders enriched with customer lifetime value.

Depends on stg_orders and customers; see the docs site for the metric definition.
"""
import pandas as pd


def add_ltv(df, threshold):
    # A helper: module-level functions are fine in dbt Python models.
    return df


def model(dbt, session):
    dbt.config(materialized="table", packages=["pandas==2.1.4"])
    orders = dbt.ref("stg_orders")
    customers = dbt.ref("jaffle", "customers", v=2)
    events = dbt.source("raw", "events")
    threshold = dbt.config.get("ltv_threshold", 100)
    owner = dbt.config.meta_get("owner", "data-team")
    if dbt.is_incremental:
        orders = orders.filter(orders["ORDER_DATE"] >= "2024-01-01")
    return add_ltv(orders, threshold)
)PY";

compiler::ModelIR base_model() {
  compiler::ModelIR m;
  m.name = "orders";
  m.package_name = "jaffle";
  m.unique_id = "model.jaffle.orders";
  m.original_file_path = "models/marts/orders.py";
  m.absolute_path = "/project/models/marts/orders.py";
  m.model_def_line = 13;
  m.refs = {{"stg_orders", std::nullopt, std::nullopt, {15, 14}, false},
            {"customers", "jaffle", "2", {16, 17}, false}};
  m.sources = {{"raw", "events", {17, 14}, false}};
  m.config_keys_used = {{"ltv_threshold", Json(100), {18, 17}}};
  m.meta_keys_used = {{"owner", Json("data-team"), {19, 13}}};
  m.imports = {"pandas"};
  compiler::ResolvedConfig config;
  config.values = {{"materialized", "table"},
                   {"packages", Json::array({"pandas==2.1.4"})},
                   {"ltv_threshold", 250},
                   {"meta", {{"owner", "finance"}, {"tier", 1}}},
                   {"tags", Json::array({"nightly"})}};
  config.provenance = {{"materialized", compiler::ConfigLayer::kInFile},
                       {"packages", compiler::ConfigLayer::kInFile},
                       {"ltv_threshold", compiler::ConfigLayer::kProject},
                       {"meta", compiler::ConfigLayer::kProperties},
                       {"tags", compiler::ConfigLayer::kProject}};
  m.config = config;
  m.depends_on = {"model.jaffle.stg_orders", "model.jaffle.customers.v2",
                  "source.jaffle.raw.events"};
  return m;
}

}  // namespace

Payload Fixture::generate() const {
  CodegenInput in;
  in.model = &model;
  in.source = source;
  in.target = &target;
  in.endpoints = &endpoints;
  return codegen::generate(in);
}

Fixture& Fixture::config(const std::string& key, Json value) {
  compiler::ResolvedConfig config = model.config.unpack();
  config.values[key] = std::move(value);
  config.provenance[key] = compiler::ConfigLayer::kInFile;
  model.config = config;
  return *this;
}

Fixture& Fixture::remove_config(const std::string& key) {
  compiler::ResolvedConfig config = model.config.unpack();
  config.values.erase(key);
  config.provenance.erase(key);
  model.config = config;
  return *this;
}

Fixture& Fixture::profile(const std::string& key, Json value) {
  if (value.is_null())
    target.fields.erase(key);
  else
    target.fields[key] = std::move(value);
  return *this;
}

Fixture snowflake_fixture() {
  Fixture f;
  f.source = kOrdersSource;
  f.model = base_model();
  f.model.relation = {"ANALYTICS", "DBT_MARTS", "ORDERS", "ANALYTICS.DBT_MARTS.ORDERS"};
  f.model.ref_relations = {{"stg_orders", "ANALYTICS.DBT_STAGING.STG_ORDERS"},
                           {"jaffle.customers.v2", "ANALYTICS.DBT_MARTS.CUSTOMERS_V2"}};
  f.model.source_relations = {{"raw.events", "RAW.PUBLIC.EVENTS"}};
  f.target.profile_name = "jaffle";
  f.target.name = "snowflake";
  f.target.platform = profiles::Platform::kSnowflake;
  f.target.type = "snowflake";
  f.target.fields = {{"account", "myorg-acct"}, {"user", "DBT_CI"},
                     {"role", "transformer"},   {"warehouse", "TRANSFORMING"},
                     {"database", "ANALYTICS"}, {"schema", "DBT"}};
  f.target.secret_field_names = {"private_key_path"};
  f.target.source_file = "profiles.yml";
  f.target.source_line = 3;
  f.endpoints.snowflake = "https://myorg-acct.snowflakecomputing.com";
  return f;
}

Fixture databricks_fixture() {
  Fixture f;
  f.source = kOrdersSource;
  f.model = base_model();
  f.model.relation = {"main", "dbt_marts", "orders", "`main`.`dbt_marts`.`orders`"};
  f.model.ref_relations = {{"stg_orders", "`main`.`dbt_staging`.`stg_orders`"},
                           {"jaffle.customers.v2", "`main`.`dbt_marts`.`customers_v2`"}};
  f.model.source_relations = {{"raw.events", "`main`.`raw`.`events`"}};
  f.target.profile_name = "jaffle";
  f.target.name = "databricks";
  f.target.platform = profiles::Platform::kDatabricks;
  f.target.type = "databricks";
  f.target.fields = {{"host", "dbc-a1b2c3d4-e5f6.cloud.databricks.com"},
                     {"http_path", "/sql/protocolv1/o/1234567890123456/0123-456789-abcdefgh"},
                     {"catalog", "main"},
                     {"schema", "dbt"}};
  f.target.secret_field_names = {"token"};
  f.target.source_file = "profiles.yml";
  f.target.source_line = 12;
  f.endpoints.databricks = "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com";
  return f;
}

Fixture bigquery_fixture() {
  Fixture f;
  f.source = kOrdersSource;
  f.model = base_model();
  f.model.relation = {"acme-analytics", "dbt_marts", "orders", "acme-analytics.dbt_marts.orders"};
  f.model.ref_relations = {{"stg_orders", "acme-analytics.dbt_staging.stg_orders"},
                           {"jaffle.customers.v2", "acme-analytics.dbt_marts.customers_v2"}};
  f.model.source_relations = {{"raw.events", "acme-raw.public.events"}};
  f.target.profile_name = "jaffle";
  f.target.name = "bigquery";
  f.target.platform = profiles::Platform::kBigQuery;
  f.target.type = "bigquery";
  f.target.fields = {{"method", "service-account"},
                     {"project", "acme-analytics"},
                     {"dataset", "dbt"},
                     {"location", "US"},
                     {"compute_region", "us-central1"},
                     {"gcs_bucket", "acme-dbt-python"},
                     {"dataproc_cluster_name", "etl-cluster"}};
  f.target.secret_field_names = {"keyfile"};
  f.target.source_file = "profiles.yml";
  f.target.source_line = 20;
  f.endpoints.dataproc = "https://us-central1-dataproc.googleapis.com";
  f.endpoints.storage = "https://storage.googleapis.com";
  f.endpoints.bigquery = "https://bigquery.googleapis.com";
  return f;
}

Fixture fixture_for(profiles::Platform platform) {
  switch (platform) {
    case profiles::Platform::kSnowflake:
      return snowflake_fixture();
    case profiles::Platform::kDatabricks:
      return databricks_fixture();
    case profiles::Platform::kBigQuery:
      return bigquery_fixture();
  }
  return snowflake_fixture();
}

PlaceholderValues sample_values(const Payload& payload) {
  PlaceholderValues v;
  v.payload = &payload;
  const std::string run_id = "0f4e2b6a-8f7e-4c1b-9a43-1c2d3e4f5a6b";
  v.values["RUN_ID"] = run_id;
  v.values["FULL_REFRESH"] = "false";
  v.values["REQUEST_ID"] = request_id(run_id, payload.unique_id, "step");
  v.values["USER_NAME"] = "someone@example.com";
  v.values["HANDLE"] = "01b2c3d4-0000-1111-2222-333344445555";
  v.values["CONTEXT_ID"] = "8394856275012346789";
  v.values["JOB_ID"] = 912345678;
  v.values["DATABRICKS_RUN_ID"] = 455644833;
  return v;
}

std::string read_text(const std::string& path) {
  return dbtpy::read_file(path);
}

void write_text(const std::string& path, const std::string& content) {
  dbtpy::write_file_atomic(path, content);
}

std::string python3() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "";
}

int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0)
    output.append(buf.data(), n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace dbtpy::codegen::testing
