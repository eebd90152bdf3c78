#include "compiler/sql_node.h"

#include <gtest/gtest.h>

namespace dbtpy::compiler {
namespace {

TEST(SqlNode, StaticConfigRefsAndSources) {
  const char* sql =
      "{{ config(materialized='table', alias=\"fct_orders\", tags=['a', 'b'],\n"
      "          schema='marts', enabled=True, meta={'owner': 'x'}) }}\n"
      "-- a comment with {{ ref('commented_out') }} still renders in dbt\n"
      "select * from {{ ref('stg_orders') }} o\n"
      "join {{ ref('other_pkg', 'dim') }} d using (id)\n"
      "join {{ ref('versioned', v=2) }} v using (id)\n"
      "join {{ source('raw', 'payments') }} p using (id)\n"
      "{% set x = ref('in_statement') %}\n"
      "where {{ adapter.ref('not_a_ref') }} and {{ config.get('materialized') }}\n";
  SqlScan s = scan_sql(sql, false, nullptr);
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.blocks.size(), 1u);
  const SqlBlock& b = s.blocks[0];
  EXPECT_EQ(b.config["materialized"], "table");
  EXPECT_EQ(b.config["alias"], "fct_orders");
  EXPECT_EQ(b.config["tags"], Json({"a", "b"}));
  EXPECT_EQ(b.config["enabled"], true);
  EXPECT_EQ(b.config["meta"], (Json{{"owner", "x"}}));
  ASSERT_EQ(b.refs.size(), 5u);
  EXPECT_EQ(b.refs[0].name, "commented_out");
  EXPECT_EQ(b.refs[1].name, "stg_orders");
  EXPECT_EQ(b.refs[1].line, 4);
  EXPECT_EQ(b.refs[2].package, "other_pkg");
  EXPECT_EQ(b.refs[2].name, "dim");
  EXPECT_EQ(b.refs[3].version, "2");
  EXPECT_EQ(b.refs[4].name, "in_statement");
  ASSERT_EQ(b.sources.size(), 1u);
  EXPECT_EQ(b.sources[0].source_name, "raw");
  EXPECT_EQ(b.sources[0].table_name, "payments");
}

TEST(SqlNode, ConfigValuesUseTheValueRendererOrAreReportedDynamic) {
  Json vars = {{"mart", "finance"}};
  profiles::JinjaValueContext ctx;
  ctx.vars = &vars;
  const char* sql =
      "{{ config(schema=var('mart'), alias=my_macro('x'), materialized='view') }}\n"
      "{% if target.name == 'prod' %}{{ config(database='PROD') }}{% endif %}\n"
      "select 1";
  SqlScan s = scan_sql(sql, false, &ctx);
  const SqlBlock& b = s.blocks[0];
  EXPECT_EQ(b.config["schema"], "finance");
  EXPECT_FALSE(b.config.contains("alias"));
  ASSERT_EQ(b.dynamic_config_keys.size(), 1u);
  EXPECT_EQ(b.dynamic_config_keys[0].first, "alias");
  EXPECT_EQ(b.config["database"], "PROD");          // taken as written...
  ASSERT_EQ(b.conditional_config_keys.size(), 1u);  // ...and reported
  EXPECT_EQ(b.conditional_config_keys[0], (std::pair<std::string, int>{"database", 2}));
}

TEST(SqlNode, CommentsAndRawBlocksAreSkipped) {
  const char* sql =
      "{# {{ ref('in_comment') }} #}\n"
      "{% raw %}{{ ref('in_raw') }}{% endraw %}\n"
      "{%- set y = 1 -%}\n"
      "select '{ not jinja }' as braces, {{ ref('real') }}";
  SqlScan s = scan_sql(sql, false, nullptr);
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.blocks[0].refs.size(), 1u);
  EXPECT_EQ(s.blocks[0].refs[0].name, "real");
}

TEST(SqlNode, SnapshotBlocks) {
  const char* sql =
      "{% snapshot orders_snapshot %}\n"
      "{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp',\n"
      "          updated_at='updated_at') }}\n"
      "select * from {{ source('shop', 'orders') }}\n"
      "{% endsnapshot %}\n"
      "\n"
      "{%- snapshot customers_snapshot -%}\n"
      "select * from {{ ref('stg_customers') }}\n"
      "{%- endsnapshot -%}\n";
  SqlScan s = scan_sql(sql, true, nullptr);
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(s.blocks[0].name, "orders_snapshot");
  EXPECT_EQ(s.blocks[0].config["target_schema"], "snapshots");
  EXPECT_EQ(s.blocks[0].sources.size(), 1u);
  EXPECT_EQ(s.blocks[1].name, "customers_snapshot");
  EXPECT_EQ(s.blocks[1].line, 7);
  EXPECT_EQ(s.blocks[1].refs[0].name, "stg_customers");
  EXPECT_TRUE(s.blocks[1].config.empty());
}

TEST(SqlNode, UnterminatedBlocksAreReportedWithTheirLine) {
  SqlScan a = scan_sql("select 1\n{{ ref('x') \n", false, nullptr);
  EXPECT_EQ(a.error, "unterminated `{{`");
  EXPECT_EQ(a.error_line, 2);
  SqlScan b = scan_sql("{% snapshot s %}\nselect 1\n", true, nullptr);
  EXPECT_NE(b.error.find("endsnapshot"), std::string::npos);
  EXPECT_EQ(b.error_line, 1);
}

}  // namespace
}  // namespace dbtpy::compiler
