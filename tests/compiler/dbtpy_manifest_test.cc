#include "compiler/dbtpy_manifest.h"

#include <gtest/gtest.h>

#include "compiler/json_text.h"
#include "tests/compiler/project_fixture.h"
#include "util/fs.h"

namespace dbtpy::compiler {
namespace {

using testing::ProjectFixture;
using testing::py_model;

TEST(JsonText, EscapesLikeNlohmann) {
  for (std::string s :
       {std::string("plain"), std::string("q\"uote\\back"), std::string("ctl\n\t\x01 end"),
        std::string("caf\xc3\xa9 ok"), std::string("bad \xff byte"), std::string()}) {
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, Json(s).dump(-1, ' ', false, Json::error_handler_t::replace)) << s;
  }
  std::string out;
  JsonText w(out);
  w.begin_object().field("a", "x").key("b").begin_array().integer(1).null().value(
      Json{{"k", true}});
  w.end_array().json_field("c", Json::array()).end_object();
  EXPECT_EQ(out, R"({"a":"x","b":[1,null,{"k":true}],"c":[]})");
}

TEST(DbtpyManifest, StreamedEntriesCarryTheLsFieldsAndMore) {
  ProjectFixture f;
  f.write("models/up.sql", "select 1");
  f.write("models/src.yml", "sources:\n  - name: shop\n    tables: [{name: orders}]\n");
  f.write("models/m.py", py_model("    dbt.config(materialized='incremental', tags=['a'])\n"
                                  "    x = dbt.config.get('k', [1, 2])\n"
                                  "    s = dbt.source('shop', 'orders')\n"
                                  "    return dbt.ref('up')\n"));
  f.write("models/props.yml",
          "models:\n  - name: m\n    description: \"It's \\\"quoted\\\"\"\n"
          "    config: {docs: {show: false}}\n");
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));

  Json manifest = Json::parse(dbtpy_manifest_text(p));
  EXPECT_EQ(manifest["metadata"]["project_name"], "jaffle");
  EXPECT_EQ(manifest["metadata"]["platform"], "snowflake");
  const Json& entry = manifest["models"]["model.jaffle.m"];
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.m");
  Json ls = model_json(m);
  for (auto it = ls.begin(); it != ls.end(); ++it)
    EXPECT_EQ(entry[it.key()], *it) << it.key();  // the same data as `ls --output json`
  EXPECT_EQ(entry["config"]["docs"], (Json{{"show", false}, {"node_color", nullptr}}));
  EXPECT_EQ(entry["config_provenance"]["materialized"], "in-file config");
  EXPECT_EQ(entry["config_provenance"]["docs"], "properties");
  EXPECT_EQ(entry["ref_relations"]["up"], "ANALYTICS.dbt_me.up");
  EXPECT_EQ(entry["source_relations"]["shop.orders"], "ANALYTICS.shop.orders");
  EXPECT_EQ(entry["description"], "It's \"quoted\"");
  EXPECT_EQ(entry["fqn"], Json({"jaffle", "m"}));
  EXPECT_EQ(manifest["nodes"]["model.jaffle.up"]["materialized"], "view");
  EXPECT_EQ(manifest["nodes"]["source.jaffle.shop.orders"]["resource_type"], "source");

  // Written atomically where dbt users expect dbtpy's artifacts; same bytes as the text.
  auto path = write_dbtpy_manifest(p);
  EXPECT_EQ(path, f.dir.path() / "target/dbtpy/manifest.json");
  EXPECT_EQ(read_file(path), dbtpy_manifest_text(p));
}

}  // namespace
}  // namespace dbtpy::compiler
