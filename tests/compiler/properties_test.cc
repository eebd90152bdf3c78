#include "compiler/properties.h"

#include <gtest/gtest.h>

namespace dbtpy::compiler {
namespace {

class PropertiesTest : public ::testing::Test {
 protected:
  PropertiesTest() {
    ctx_.vars = &vars_;
    target_.name = "dev";
    target_.fields = {{"database", "ANALYTICS"}, {"schema", "dbt"}};
    ctx_.target = &target_;
  }
  PropertiesFile parse(const std::string& text) {
    diags_.clear();
    return parse_properties_text(text, "models/schema.yml", ctx_, diags_);
  }

  Json vars_ = {{"raw_db", "RAW"}};
  profiles::Target target_;
  profiles::JinjaValueContext ctx_;
  std::vector<Diagnostic> diags_;
};

TEST_F(PropertiesTest, ModelsWithConfigVersionsAndLegacyKeys) {
  PropertiesFile f = parse(R"y(
version: 2
models:
  - name: orders
    description: "Uses {{ doc('orders') }} which is never rendered"
    meta: {owner: legacy, tier: 1}
    config:
      materialized: incremental
      meta: {owner: config}
      tags: "{{ ['a', target.name] }}"
    columns:
      - name: id
        description: "{{ doc('id') }}"
        data_tests: [unique]
  - name: dim
    latest_version: 2
    versions:
      - v: 1
        defined_in: dim_legacy
      - v: 2
        config: {alias: dim_now}
)y");
  EXPECT_TRUE(diags_.empty()) << (diags_.empty() ? "" : diags_[0].message);
  ASSERT_EQ(f.models.size(), 2u);
  const NodeEntry& o = f.models[0];
  EXPECT_EQ(o.name, "orders");
  EXPECT_EQ(o.line, 4);
  EXPECT_EQ(o.file, "models/schema.yml");
  EXPECT_EQ(o.config["materialized"], "incremental");
  EXPECT_EQ(o.config["meta"], (Json{{"owner", "config"}, {"tier", 1}}));
  EXPECT_EQ(o.config["tags"], Json({"a", "dev"}));
  const NodeEntry& d = f.models[1];
  EXPECT_EQ(d.latest_version, "2");
  ASSERT_EQ(d.versions.size(), 2u);
  EXPECT_EQ(d.versions[0].v, "1");
  EXPECT_EQ(d.versions[0].defined_in, "dim_legacy");
  EXPECT_EQ(d.versions[1].config["alias"], "dim_now");
}

TEST_F(PropertiesTest, SourcesWithDefaultsAndQuoting) {
  PropertiesFile f = parse(R"y(
sources:
  - name: shop
    database: "{{ var('raw_db') }}"
    quoting: {identifier: true}
    loaded_at_field: "{{ dbt_utils.whatever() }}"
    tables:
      - name: orders
      - name: events
        identifier: EVENTS_V2
        quoting: {identifier: false}
        config: {enabled: false}
  - name: other
    schema: landing
    tables: [{name: t}]
)y");
  EXPECT_TRUE(diags_.empty()) << (diags_.empty() ? "" : diags_[0].message);
  ASSERT_EQ(f.sources.size(), 2u);
  const SourceEntry& s = f.sources[0];
  EXPECT_EQ(s.database, "RAW");
  EXPECT_FALSE(s.schema.has_value());
  EXPECT_EQ(s.quoting["identifier"], true);
  ASSERT_EQ(s.tables.size(), 2u);
  EXPECT_EQ(s.tables[0].identifier, "orders");
  EXPECT_EQ(s.tables[1].identifier, "EVENTS_V2");
  EXPECT_EQ(s.tables[1].config["enabled"], false);
  EXPECT_EQ(f.sources[1].schema, "landing");
}

TEST_F(PropertiesTest, YamlSnapshotsWithRelation) {
  PropertiesFile f = parse(R"y(
snapshots:
  - name: orders_snapshot
    relation: ref('stg_orders')
    config: {schema: snapshots, unique_key: id, strategy: timestamp, updated_at: updated_at}
  - name: src_snapshot
    relation: "source('shop', 'orders')"
)y");
  ASSERT_EQ(f.snapshots.size(), 2u);
  EXPECT_EQ(f.snapshots[0].relation_ref_name, "stg_orders");
  EXPECT_EQ(f.snapshots[1].relation_source,
            (std::pair<std::string, std::string>{"shop", "orders"}));
}

TEST_F(PropertiesTest, ProblemsAreLocatedAndTheRestStillLoads) {
  PropertiesFile f = parse(R"y(
models:
  - description: no name
  - name: good
    config:
      schema: "{{ var('missing_var') }}"
  - name: fine
  - "just a string"
sources:
  - name: s
    tables: nope
)y");
  ASSERT_EQ(f.models.size(), 2u);
  EXPECT_EQ(f.models[0].name, "good");
  EXPECT_EQ(f.models[1].name, "fine");
  std::vector<std::string> codes;
  for (const auto& d : diags_)
    codes.push_back(d.code + "@" + std::to_string(d.line));
  EXPECT_EQ(codes,
            (std::vector<std::string>{"DBTPY220@3", "DBTPY213@6", "DBTPY220@8", "DBTPY220@11"}));
}

TEST_F(PropertiesTest, MalformedYamlIsOneLocatedError) {
  parse("models:\n  - name: a\n    config: {materialized: table\n");
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_EQ(diags_[0].code, "DBTPY202");
  EXPECT_EQ(diags_[0].file, "models/schema.yml");
  EXPECT_GT(diags_[0].line, 0);
}

}  // namespace
}  // namespace dbtpy::compiler
