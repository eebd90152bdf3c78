#include "compiler/relation_naming.h"

#include <gtest/gtest.h>

namespace dbtpy::compiler {
namespace {
using profiles::Platform;
using profiles::Target;

Target target(Platform p) {
  Target t;
  t.name = "dev";
  t.platform = p;
  switch (p) {
    case Platform::kSnowflake:
      t.type = "snowflake";
      t.fields = {{"database", "ANALYTICS"}, {"schema", "dbt_me"}};
      break;
    case Platform::kDatabricks:
      t.type = "databricks";
      t.fields = {{"catalog", "main"}, {"schema", "dbt_me"}};
      break;
    case Platform::kBigQuery:
      t.type = "bigquery";
      t.fields = {{"project", "acme-prod"}, {"dataset", "dbt_me"}};
      break;
  }
  return t;
}

TEST(RelationNaming, DefaultsPerPlatform) {
  Relation sf = model_relation(target(Platform::kSnowflake), {}, Json::object(), "orders", {});
  EXPECT_EQ(sf.database, "ANALYTICS");
  EXPECT_EQ(sf.schema, "dbt_me");
  EXPECT_EQ(sf.identifier, "orders");
  EXPECT_EQ(sf.rendered, "ANALYTICS.dbt_me.orders");
  EXPECT_EQ(
      model_relation(target(Platform::kDatabricks), {}, Json::object(), "orders", {}).rendered,
      "`main`.`dbt_me`.`orders`");
  EXPECT_EQ(model_relation(target(Platform::kBigQuery), {}, Json::object(), "orders", {}).rendered,
            "acme-prod.dbt_me.orders");
}

TEST(RelationNaming, DatabricksWithoutCatalogUsesHiveMetastore) {
  Target t = target(Platform::kDatabricks);
  t.fields.erase("catalog");
  EXPECT_EQ(model_relation(t, {}, Json::object(), "x", {}).rendered,
            "`hive_metastore`.`dbt_me`.`x`");
}

TEST(RelationNaming, CustomSchemaDatabaseAndAlias) {
  Json cfg = {{"schema", " marts "}, {"database", "RAW"}, {"alias", "fct_orders"}};
  Relation r = model_relation(target(Platform::kSnowflake), {}, cfg, "orders", {});
  EXPECT_EQ(r.schema, "dbt_me_marts");  // dbt's generate_schema_name trims the custom part
  EXPECT_EQ(r.database, "RAW");
  EXPECT_EQ(r.identifier, "fct_orders");
  EXPECT_EQ(r.rendered, "RAW.dbt_me_marts.fct_orders");
  // An empty alias falls back to the name, as Jinja's truthiness does.
  EXPECT_EQ(
      model_relation(target(Platform::kSnowflake), {}, {{"alias", ""}}, "orders", {}).identifier,
      "orders");
  EXPECT_EQ(default_schema_name(target(Platform::kBigQuery), "staging"), "dbt_me_staging");
}

TEST(RelationNaming, VersionedModels) {
  Target t = target(Platform::kSnowflake);
  EXPECT_EQ(model_relation(t, {}, Json::object(), "dim", std::string("2")).identifier, "dim_v2");
  EXPECT_EQ(model_relation(t, {}, Json::object(), "dim", std::string("1.5")).identifier,
            "dim_v1_5");
  EXPECT_EQ(model_relation(t, {}, {{"alias", "dim_now"}}, "dim", std::string("2")).identifier,
            "dim_now");
}

TEST(RelationNaming, SnowflakeQuotingFromProjectAndModel) {
  Target t = target(Platform::kSnowflake);
  Json project_quoting = {{"identifier", true}};
  EXPECT_EQ(model_relation(t, project_quoting, Json::object(), "Orders", {}).rendered,
            "ANALYTICS.dbt_me.\"Orders\"");
  Json cfg = {{"quoting", {{"database", true}, {"identifier", false}}}};
  EXPECT_EQ(model_relation(t, project_quoting, cfg, "Orders", {}).rendered,
            "\"ANALYTICS\".dbt_me.Orders");
  EXPECT_EQ(render_relation(Platform::kSnowflake, "D", "S", "a\"b", {false, false, true}),
            "D.S.\"a\"\"b\"");
}

TEST(RelationNaming, DatabricksQuotingCanBeTurnedOffBigQueryNeverQuotes) {
  Json off = {{"database", false}, {"schema", false}, {"identifier", false}};
  EXPECT_EQ(model_relation(target(Platform::kDatabricks), off, Json::object(), "x", {}).rendered,
            "main.dbt_me.x");
  Json on = {{"identifier", true}};
  EXPECT_EQ(model_relation(target(Platform::kBigQuery), on, Json::object(), "x", {}).rendered,
            "acme-prod.dbt_me.x");
}

TEST(RelationNaming, SnapshotTargetSchemaIsVerbatim) {
  Target t = target(Platform::kSnowflake);
  Relation legacy = snapshot_relation(t, {}, {{"target_schema", "snapshots"}}, "snap");
  EXPECT_EQ(legacy.schema, "snapshots");
  EXPECT_EQ(legacy.rendered, "ANALYTICS.snapshots.snap");
  Relation modern = snapshot_relation(t, {}, {{"schema", "snapshots"}}, "snap");
  EXPECT_EQ(modern.schema, "dbt_me_snapshots");
  Relation db = snapshot_relation(t, {}, {{"target_database", "HIST"}}, "snap");
  EXPECT_EQ(db.rendered, "HIST.dbt_me.snap");
}

// The loader names 10,000 nodes with one RelationNamer: its names are dbt's macros' for any
// target and config, spaces included (dbt trims the joined schema, not each part).
TEST(RelationNaming, NamerTrimsAsDbtsMacros) {
  Target t = target(Platform::kSnowflake);
  t.fields = {{"database", " ANALYTICS "}, {"schema", " dbt_me "}};
  RelationNamer namer(t, Json{{"schema", true}});
  Relation plain = namer.model(Json::object(), "orders", {});
  EXPECT_EQ(plain.database, "ANALYTICS");
  EXPECT_EQ(plain.schema, "dbt_me");
  EXPECT_EQ(plain.rendered, "ANALYTICS.\"dbt_me\".orders");
  Relation custom =
      namer.model({{"schema", " s "}, {"database", " DB "}, {"alias", " o "}}, "orders", {});
  EXPECT_EQ(custom.schema, "dbt_me _s");
  EXPECT_EQ(custom.database, "DB");
  EXPECT_EQ(custom.identifier, "o");
  EXPECT_EQ(namer.model({{"schema", 7}}, "orders", {}).schema, "dbt_me _7");
  EXPECT_EQ(namer.model({{"schema", ""}}, "orders", {}).schema, "dbt_me _");
  Relation unquoted = namer.model({{"quoting", {{"schema", false}}}}, "orders", {});
  EXPECT_EQ(unquoted.rendered, "ANALYTICS.dbt_me.orders");
  Relation snap = namer.snapshot({{"target_schema", " snaps "}, {"schema", "x"}}, "s");
  EXPECT_EQ(snap.schema, "snaps");
  EXPECT_EQ(snap.rendered, "ANALYTICS.\"snaps\".s");
  EXPECT_EQ(namer.snapshot({{"database", "D"}}, "s").database, "D");
  // The functions give the same.
  EXPECT_EQ(model_relation(t, Json{{"schema", true}}, {{"schema", " s "}}, "orders", {}).rendered,
            namer.model({{"schema", " s "}}, "orders", {}).rendered);
}

}  // namespace
}  // namespace dbtpy::compiler
