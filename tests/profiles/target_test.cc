#include "profiles/target.h"

#include <gtest/gtest.h>

namespace dbtpy::profiles {
namespace {

TEST(Target, DefaultDatabaseFollowsEachPlatformsFieldNames) {
  Target sf;
  sf.platform = Platform::kSnowflake;
  sf.fields = {{"database", "ANALYTICS"}, {"schema", "DBT_ME"}};
  EXPECT_EQ(sf.default_database(), "ANALYTICS");
  EXPECT_EQ(sf.default_schema(), "DBT_ME");

  Target dbx;
  dbx.platform = Platform::kDatabricks;
  dbx.fields = {{"schema", "dev"}};
  EXPECT_EQ(dbx.default_database(), "hive_metastore");
  dbx.fields["catalog"] = "main";
  EXPECT_EQ(dbx.default_database(), "main");

  Target bq;
  bq.platform = Platform::kBigQuery;
  bq.fields = {{"project", "my-proj"}, {"dataset", "dbt_me"}};
  EXPECT_EQ(bq.default_database(), "my-proj");
  EXPECT_EQ(bq.default_schema(), "dbt_me");
  bq.fields = {{"database", "other-proj"}, {"schema", "s"}};
  EXPECT_EQ(bq.default_database(), "other-proj");
  EXPECT_EQ(bq.default_schema(), "s");
}

TEST(Target, TypedFieldAccess) {
  Target t;
  t.fields = {{"port", "443"}, {"threads", 4}, {"flag", "true"}, {"none", nullptr}};
  EXPECT_EQ(t.int_field("port"), 443);
  EXPECT_EQ(t.string_field("threads"), "4");
  EXPECT_EQ(t.bool_field("flag"), true);
  EXPECT_FALSE(t.string_field("none").has_value());
  EXPECT_FALSE(t.int_field("missing").has_value());
  EXPECT_EQ(parse_platform("databricks"), Platform::kDatabricks);
  EXPECT_FALSE(parse_platform("postgres").has_value());
  EXPECT_EQ(platform_name(Platform::kBigQuery), "bigquery");
}

}  // namespace
}  // namespace dbtpy::profiles
