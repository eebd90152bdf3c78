#include "profiles/endpoints.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace dbtpy::profiles {
namespace {

EnvLookup no_env() {
  return [](std::string_view) { return std::optional<std::string>(); };
}

Target make(Platform p, Json fields) {
  Target t;
  t.name = "dev";
  t.platform = p;
  t.fields = std::move(fields);
  return t;
}

TEST(Endpoints, SnowflakeFromAccountOrHostPortProtocol) {
  auto t = make(Platform::kSnowflake, {{"account", "MyOrg-Acct"}});
  EXPECT_EQ(resolve_endpoints(t, no_env()).snowflake, "https://myorg-acct.snowflakecomputing.com");
  t.fields = {{"account", "x"}, {"host", "127.0.0.1"}, {"port", 8080}, {"protocol", "http"}};
  EXPECT_EQ(resolve_endpoints(t, no_env()).snowflake, "http://127.0.0.1:8080");
  t.fields = {{"host", "acct.privatelink.snowflakecomputing.com"}, {"port", 443}};
  EXPECT_EQ(resolve_endpoints(t, no_env()).snowflake,
            "https://acct.privatelink.snowflakecomputing.com");
  t.fields = Json::object();
  EXPECT_THROW(resolve_endpoints(t, no_env()), Error);
}

TEST(Endpoints, SnowflakeAccountIdentifiersBecomeHosts) {
  EXPECT_EQ(snowflake_account_host("MyOrg-My_Account"), "myorg-my-account.snowflakecomputing.com");
  EXPECT_EQ(snowflake_account_host("xy12345.us-east-2.aws"),
            "xy12345.us-east-2.aws.snowflakecomputing.com");
  EXPECT_EQ(snowflake_account_host("https://xy12345.eu-west-1.snowflakecomputing.com/"),
            "xy12345.eu-west-1.snowflakecomputing.com");
  EXPECT_EQ(snowflake_account_host("acct.privatelink.snowflakecomputing.com"),
            "acct.privatelink.snowflakecomputing.com");
  auto t = make(Platform::kSnowflake, {{"account", "myorg-my_acct"}});
  EXPECT_EQ(resolve_endpoints(t, no_env()).snowflake,
            "https://myorg-my-acct.snowflakecomputing.com");
}

TEST(Endpoints, DatabricksHostWithOrWithoutScheme) {
  auto t = make(Platform::kDatabricks, {{"host", "dbc-1.cloud.databricks.com/"}});
  EXPECT_EQ(resolve_endpoints(t, no_env()).databricks, "https://dbc-1.cloud.databricks.com");
  t.fields = {{"host", "http://127.0.0.1:9000"}};
  EXPECT_EQ(resolve_endpoints(t, no_env()).databricks, "http://127.0.0.1:9000");
}

TEST(Endpoints, GoogleDefaultsOverridesAndStorageEmulator) {
  auto t = make(Platform::kBigQuery, {{"compute_region", "europe-west1"}});
  auto e = resolve_endpoints(t, no_env());
  EXPECT_EQ(e.dataproc, "https://europe-west1-dataproc.googleapis.com");
  EXPECT_EQ(e.storage, "https://storage.googleapis.com");
  EXPECT_EQ(e.bigquery, "https://bigquery.googleapis.com");
  auto emu = [](std::string_view k) -> std::optional<std::string> {
    if (k == "STORAGE_EMULATOR_HOST") return "localhost:4443";
    return std::nullopt;
  };
  EXPECT_EQ(resolve_endpoints(t, emu).storage, "http://localhost:4443");
  t.fields = {{"dataproc_endpoint", "http://127.0.0.1:7/"},
              {"storage_endpoint", "http://127.0.0.1:7"},
              {"bigquery_endpoint", "http://127.0.0.1:7"}};
  e = resolve_endpoints(t, emu);
  EXPECT_EQ(e.dataproc, "http://127.0.0.1:7");
  EXPECT_EQ(e.storage, "http://127.0.0.1:7");  // the profile wins over the emulator variable
  EXPECT_EQ(e.bigquery, "http://127.0.0.1:7");
}

}  // namespace
}  // namespace dbtpy::profiles
