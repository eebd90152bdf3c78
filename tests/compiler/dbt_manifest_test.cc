#include "compiler/dbt_manifest.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "util/error.h"

namespace dbtpy::compiler {
namespace {

TEST(DbtManifest, KeepsRelationsAndParentsOfNodesAndSources) {
  testing::TempDir dir;
  auto path = dir.write("manifest.json", R"y({
    "metadata": {"dbt_version": "1.10.2", "project_name": "jaffle"},
    "nodes": {
      "model.jaffle.stg": {"resource_type": "model", "name": "stg", "package_name": "jaffle",
        "database": "PROD", "schema": "custom", "alias": "stg_alias",
        "relation_name": "PROD.custom.stg_alias", "language": "sql",
        "config": {"materialized": "view", "tags": ["x"], "meta": {"big": [1, 2, 3]}},
        "depends_on": {"nodes": ["source.jaffle.raw.t"], "macros": ["macro.dbt.ref"]},
        "raw_code": "select 1", "columns": {"id": {"name": "id"}}},
      "model.jaffle.eph": {"resource_type": "model", "name": "eph", "relation_name": null,
        "config": {"materialized": "ephemeral"}, "version": 2}
    },
    "sources": {
      "source.jaffle.raw.t": {"resource_type": "source", "name": "t", "source_name": "raw",
        "database": "RAW", "schema": "landing", "identifier": "T_V2",
        "relation_name": "RAW.landing.T_V2"}
    },
    "macros": {"macro.dbt.ref": {"name": "ref"}}
  })y");
  DbtManifest m = read_dbt_manifest(path, "manifest.json");
  EXPECT_EQ(m.dbt_version, "1.10.2");
  ASSERT_EQ(m.entries.size(), 3u);
  const ManifestEntry& stg = m.entries.at("model.jaffle.stg");
  EXPECT_EQ(stg.identifier, "stg_alias");
  EXPECT_EQ(stg.relation_name, "PROD.custom.stg_alias");
  EXPECT_EQ(stg.materialized, "view");
  EXPECT_EQ(stg.depends_on, std::vector<std::string>{"source.jaffle.raw.t"});
  EXPECT_EQ(m.entries.at("model.jaffle.eph").version, "2");
  EXPECT_EQ(m.entries.at("model.jaffle.eph").relation_name, "");
  const ManifestEntry& src = m.entries.at("source.jaffle.raw.t");
  EXPECT_EQ(src.identifier, "T_V2");
  EXPECT_EQ(src.source_name, "raw");
}

TEST(DbtManifest, InvalidFilesAreUsageErrors) {
  testing::TempDir dir;
  for (const char* text : {"{not json", "[1, 2]", "{\"metadata\": {}}"}) {
    auto path = dir.write("manifest.json", text);
    try {
      read_dbt_manifest(path, "target/manifest.json");
      ADD_FAILURE() << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.diagnostics()[0].code, "DBTPY260");
      EXPECT_NE(e.diagnostics()[0].message.find("target/manifest.json"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace dbtpy::compiler
