// PackedConfigBuilder must give byte for byte the PackedConfig of merge_config_layer's result
// for the same layers (the loader takes either path per model), and refuse what it cannot
// merge exactly.
#include "compiler/config_builder.h"

#include <gtest/gtest.h>

#include "compiler/config_merge.h"

namespace dbtpy::compiler {
namespace {

struct Step {
  Json layer;
  ConfigLayer which = ConfigLayer::kProject;
  bool set_table = false;  // instead of a layer: materialized = "table" at kDefault
};

const Json kFolder = Json::parse(R"({"+materialized": "view", "+schema": "finance",
  "+tags": ["finance"], "+meta": {"owner": "team_finance", "tier": {"level": 1}},
  "+docs": {"show": false}, "+persist_docs": {"relation": true}})");
const Json kProperties = Json::parse(R"({"meta": {"sla_hours": 21, "tier": {"name": "gold"}},
  "threshold": 0.5, "tags": ["finance", "daily"], "docs": {"node_color": "red"}})");
const Json kInFile = Json::parse(R"({"materialized": "incremental", "unique_key": "id",
  "on_schema_change": "append_new_columns", "tags": ["growth", "daily"],
  "packages": ["pandas", "numpy==1.26.*"], "lookback": 3, "big": 18446744073709551615})");

// Merges the steps both ways; the first step may be loaded from its own packed form, as a
// folder's layers are.
void expect_same(const std::vector<Step>& steps, bool load_first = false) {
  ResolvedConfig cfg;
  PackedConfigBuilder b;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (s.set_table) {
      cfg.values["materialized"] = "table";
      cfg.provenance["materialized"] = ConfigLayer::kDefault;
      b.set("materialized", "table", ConfigLayer::kDefault);
      continue;
    }
    merge_config_layer(cfg, s.layer, s.which);
    if (i == 0 && load_first) {
      ASSERT_TRUE(b.load(PackedConfig(cfg)));
    } else {
      ASSERT_TRUE(b.merge(s.layer, s.which)) << s.layer.dump();
    }
  }
  PackedConfig built = b.build();
  EXPECT_EQ(built, PackedConfig(cfg)) << cfg.values.dump();
  ResolvedConfig back = built.unpack();
  EXPECT_EQ(back.values, cfg.values);
  EXPECT_EQ(back.provenance, cfg.provenance);
}

TEST(PackedConfigBuilder, FolderOnly) {
  expect_same({{kFolder}});
  expect_same({{kFolder}}, true);
}

TEST(PackedConfigBuilder, FolderAndProperties) {
  expect_same({{kFolder}, {kProperties, ConfigLayer::kProperties}});
  expect_same({{kFolder}, {kProperties, ConfigLayer::kProperties}}, true);
}

TEST(PackedConfigBuilder, AllThreeLayersAsForAPythonModel) {
  for (bool load : {false, true}) {
    expect_same({{kFolder},
                 {kProperties, ConfigLayer::kProperties},
                 {Json(), ConfigLayer::kDefault, true},
                 {kInFile, ConfigLayer::kInFile}},
                load);
    // A package's root overlay after the in-file layer.
    expect_same({{kFolder},
                 {kProperties, ConfigLayer::kProperties},
                 {kInFile, ConfigLayer::kInFile},
                 {kFolder}},
                load);
  }
}

TEST(PackedConfigBuilder, HigherLayerSetsNullOrEmpty) {
  expect_same({{kFolder},
               {Json::parse(R"({"tags": null, "meta": null, "schema": null, "docs": {}})"),
                ConfigLayer::kProperties}});
  expect_same(
      {{kFolder},
       {Json::parse(R"({"tags": [], "packages": [], "meta": {}})"), ConfigLayer::kProperties},
       {Json::parse(R"({"meta": {"a": null}, "tags": "solo"})"), ConfigLayer::kInFile}},
      true);
  // A null dict value is updated as an empty one.
  expect_same({{Json::parse(R"({"meta": null})")},
               {Json::parse(R"({"meta": {"x": 1}})"), ConfigLayer::kInFile}});
}

TEST(PackedConfigBuilder, NestedMetaIsUpdatedOneLevel) {
  expect_same({{Json::parse(R"({"+meta": {"a": {"b": 1, "c": [1, 2]}, "z": "keep"}})")},
               {Json::parse(R"({"meta": {"a": {"d": 2}, "m": true}})"), ConfigLayer::kProperties},
               {Json::parse(R"({"meta": {"0": "first", "zz": "last"}})"), ConfigLayer::kInFile}},
              true);
  // A non-dict value replaces the dict, and a dict replaces a non-dict.
  expect_same({{Json::parse(R"({"+meta": {"a": 1}, "quoting": {"identifier": true}})")},
               {Json::parse(R"({"meta": "text", "quoting": ["x"]})"), ConfigLayer::kProperties},
               {Json::parse(R"({"meta": {"b": 2}, "contract": {"enforced": false}})"),
                ConfigLayer::kInFile}});
  expect_same(
      {{Json::parse(R"({"column_types": {"a": "int"}})")},
       {Json::parse(R"({"column_types": {"b": "text", "a": "bigint"}})"), ConfigLayer::kInFile}});
}

TEST(PackedConfigBuilder, AppendsDropDuplicates) {
  expect_same({{Json::parse(R"({"+tags": ["a", "b", "a"], "+packages": "pandas"})")},
               {Json::parse(R"({"tags": ["b", "c", "c"], "packages": ["pandas", "numpy"]})"),
                ConfigLayer::kProperties},
               {Json::parse(R"({"tags": "a", "packages": null})"), ConfigLayer::kInFile}});
  // Non-string items without numbers compare as Json does.
  expect_same({{Json::parse(R"({"+tags": [true, null, ["x"], {"k": "v"}]})")},
               {Json::parse(R"({"tags": [true, false, ["x"], {"k": "v"}, {"k": "w"}]})"),
                ConfigLayer::kInFile}},
              true);
  // A non-list value under an append key is replaced by a list.
  expect_same({{Json::parse(R"({"tags": ["a"]})")},
               {Json(), ConfigLayer::kDefault, true},
               {Json::parse(R"({"materialized": ["m"]})"), ConfigLayer::kInFile}});
}

TEST(PackedConfigBuilder, HooksAsStringOrList) {
  expect_same({{Json::parse(R"({"+pre-hook": "grant select", "+post_hook": ["a", "b"]})")},
               {Json::parse(R"({"pre_hook": ["grant select", "analyze"], "post-hook": "a"})"),
                ConfigLayer::kProperties},
               {Json::parse(R"({"post-hook": [{"sql": "c", "transaction": false}, "c",
                                {"sql": "a"}]})"),
                ConfigLayer::kInFile}},
              true);
  expect_same({{Json::parse(R"({"+pre-hook": null, "post-hook": []})")},
               {Json::parse(R"({"pre-hook": [null, "x"]})"), ConfigLayer::kInFile}});
}

TEST(PackedConfigBuilder, KeySpellingsAreNormalized) {
  expect_same(
      {{Json::parse(R"({"+ tags ": ["a"], "+schema": "s", " +alias": "x"})")},
       {Json::parse(R"({"tags": ["b"], "+tags": ["c"], "schema": "t"})"), ConfigLayer::kProperties},
       {Json::parse(R"({"a_very_long_config_key_name": {"n": 1.5}})"), ConfigLayer::kInFile}});
}

TEST(PackedConfigBuilder, ReplacedValuesKeepTheirJsonTypes) {
  expect_same({{Json::parse(R"({"+lookback": 1, "+threshold": 0.5, "+enabled": true})")},
               {Json::parse(R"({"lookback": 2.0, "threshold": -3, "enabled": false,
                                "unique_key": ["id", "day"]})"),
                ConfigLayer::kProperties},
               {kInFile, ConfigLayer::kInFile}});
}

TEST(PackedConfigBuilder, EmptyBuildsAnEmptyConfig) {
  PackedConfigBuilder b;
  EXPECT_TRUE(b.merge(Json::object(), ConfigLayer::kProject));
  EXPECT_TRUE(b.merge(Json("not an object"), ConfigLayer::kProject));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.build(), PackedConfig());
  EXPECT_TRUE(b.load(PackedConfig()));
  EXPECT_TRUE(b.empty());
}

TEST(PackedConfigBuilder, RefusesWhatItCannotMergeExactly) {
  PackedConfigBuilder b;
  EXPECT_FALSE(b.merge(Json::parse(R"({"grants": {"select": ["a"]}})"), ConfigLayer::kProject));
  b.clear();
  EXPECT_FALSE(b.merge(Json::parse(R"({"+grants": {"+select": "b"}})"), ConfigLayer::kProject));
  b.clear();
  // 1 and 1.0 are equal Json: a byte comparison could keep both.
  EXPECT_FALSE(b.merge(Json::parse(R"({"tags": [1, 1.0]})"), ConfigLayer::kProject));
  b.clear();
  EXPECT_FALSE(b.merge(Json::parse(R"({"post-hook": [{"sql": 1}]})"), ConfigLayer::kProject));
  // A loaded list that holds a number.
  ResolvedConfig cfg;
  merge_config_layer(cfg, Json::parse(R"({"tags": [2]})"), ConfigLayer::kProject);
  ASSERT_TRUE(b.load(PackedConfig(cfg)));
  EXPECT_FALSE(b.merge(Json::parse(R"({"tags": ["x"]})"), ConfigLayer::kInFile));
}

TEST(PackedConfigBuilder, ReadsSingleKeys) {
  PackedConfigBuilder b;
  ASSERT_TRUE(b.merge(kFolder, ConfigLayer::kProject));
  ASSERT_TRUE(b.merge(kProperties, ConfigLayer::kProperties));
  EXPECT_EQ(b.layer_of("materialized"), ConfigLayer::kProject);
  EXPECT_EQ(b.layer_of("meta"), ConfigLayer::kProperties);
  EXPECT_EQ(b.layer_of("alias"), std::nullopt);
  EXPECT_EQ(b.value_of("materialized"), Json("view"));
  EXPECT_EQ(b.value_of("alias"), std::nullopt);
  EXPECT_EQ(b.string_of("schema"), "finance");
  EXPECT_EQ(b.string_of("meta"), std::nullopt);
  EXPECT_TRUE(b.strings_only("tags"));
  EXPECT_TRUE(b.strings_only("packages"));
  EXPECT_FALSE(b.strings_only("meta"));
  ResolvedConfig sub = b.subset({"schema", "alias", "meta"});
  EXPECT_EQ(sub.values, Json::parse(R"({"schema": "finance",
    "meta": {"owner": "team_finance", "sla_hours": 21, "tier": {"name": "gold"}}})"));
  EXPECT_EQ(sub.provenance.size(), 2u);
  EXPECT_EQ(sub.provenance.at("schema"), ConfigLayer::kProject);
}

}  // namespace
}  // namespace dbtpy::compiler
