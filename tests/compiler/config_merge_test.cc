#include "compiler/config_merge.h"

#include <gtest/gtest.h>

namespace dbtpy::compiler {
namespace {

ResolvedConfig merged(std::initializer_list<std::pair<Json, ConfigLayer>> layers) {
  ResolvedConfig c;
  for (const auto& [layer, which] : layers)
    merge_config_layer(c, layer, which);
  return c;
}

TEST(ConfigMerge, BehaviourPerKey) {
  EXPECT_EQ(merge_behavior("tags"), MergeBehavior::kAppend);
  EXPECT_EQ(merge_behavior("packages"), MergeBehavior::kAppend);
  EXPECT_EQ(merge_behavior("pre-hook"), MergeBehavior::kAppend);
  EXPECT_EQ(merge_behavior("post-hook"), MergeBehavior::kAppend);
  for (const char* k : {"meta", "quoting", "docs", "contract", "column_types"})
    EXPECT_EQ(merge_behavior(k), MergeBehavior::kUpdate) << k;
  EXPECT_EQ(merge_behavior("grants"), MergeBehavior::kDictKeyAppend);
  EXPECT_EQ(merge_behavior("materialized"), MergeBehavior::kReplace);
  EXPECT_EQ(merge_behavior("persist_docs"), MergeBehavior::kReplace);
}

TEST(ConfigMerge, KeysAreNormalized) {
  EXPECT_EQ(normalize_config_key("+schema"), "schema");
  EXPECT_EQ(normalize_config_key("+ tags"), "tags");
  EXPECT_EQ(normalize_config_key("pre_hook"), "pre-hook");
  EXPECT_EQ(normalize_config_key("+post_hook"), "post-hook");
}

TEST(ConfigMerge, ReplaceTakesTheHigherLayer) {
  auto c = merged({{{{"materialized", "view"}, {"schema", "a"}}, ConfigLayer::kProject},
                   {{{"materialized", "incremental"}}, ConfigLayer::kInFile}});
  EXPECT_EQ(c.values["materialized"], "incremental");
  EXPECT_EQ(c.values["schema"], "a");
  EXPECT_EQ(c.provenance["materialized"], ConfigLayer::kInFile);
  EXPECT_EQ(c.provenance["schema"], ConfigLayer::kProject);
}

TEST(ConfigMerge, TagsPackagesAppendParentFirstWithoutDuplicates) {
  auto c = merged({{{{"+tags", "nightly"}, {"packages", {"pandas"}}}, ConfigLayer::kProject},
                   {{{"tags", {"finance", "nightly"}}}, ConfigLayer::kProperties},
                   {{{"packages", {"numpy==1.26", "pandas"}}}, ConfigLayer::kInFile}});
  EXPECT_EQ(c.values["tags"], Json({"nightly", "finance"}));
  EXPECT_EQ(c.values["packages"], Json({"pandas", "numpy==1.26"}));
  EXPECT_EQ(c.provenance["tags"], ConfigLayer::kProperties);
  EXPECT_EQ(c.provenance["packages"], ConfigLayer::kInFile);
}

TEST(ConfigMerge, HooksAppendAndNormalize) {
  auto c = merged(
      {{{{"+pre-hook", "grant select on {{ this }} to role r"}}, ConfigLayer::kProject},
       {{{"pre_hook", {{{"sql", "select 1"}, {"transaction", false}}}}}, ConfigLayer::kInFile}});
  ASSERT_EQ(c.values["pre-hook"].size(), 2u);
  EXPECT_EQ(c.values["pre-hook"][0]["sql"], "grant select on {{ this }} to role r");
  EXPECT_EQ(c.values["pre-hook"][0]["transaction"], true);
  EXPECT_EQ(c.values["pre-hook"][1]["transaction"], false);
  EXPECT_FALSE(c.values.contains("pre_hook"));
}

TEST(ConfigMerge, DictsUpdateKeyByKey) {
  auto c = merged({{{{"meta", {{"owner", "a"}, {"tier", 1}}}, {"docs", {{"show", false}}}},
                    ConfigLayer::kProject},
                   {{{"meta", {{"owner", "b"}}}, {"quoting", {{"identifier", true}}}},
                    ConfigLayer::kProperties},
                   {{{"contract", {{"enforced", false}}}, {"column_types", {{"id", "int"}}}},
                    ConfigLayer::kInFile}});
  EXPECT_EQ(c.values["meta"], (Json{{"owner", "b"}, {"tier", 1}}));
  EXPECT_EQ(c.values["docs"], (Json{{"show", false}}));
  EXPECT_EQ(c.values["quoting"], (Json{{"identifier", true}}));
  EXPECT_EQ(c.values["column_types"], (Json{{"id", "int"}}));
}

TEST(ConfigMerge, GrantsAppendWithPlusAndClobberWithout) {
  auto c = merged(
      {{{{"grants", {{"select", {"reporter"}}, {"insert", {"loader"}}}}}, ConfigLayer::kProject},
       {{{"grants", {{"+select", {"bi"}}, {"insert", {"etl"}}}}}, ConfigLayer::kProperties}});
  EXPECT_EQ(c.values["grants"]["select"], Json({"reporter", "bi"}));
  EXPECT_EQ(c.values["grants"]["insert"], Json({"etl"}));
}

TEST(ConfigMerge, DefaultsFillWhatNoLayerSets) {
  ResolvedConfig c;
  merge_config_layer(c, {{"docs", {{"show", false}}}, {"materialized", "incremental"}},
                     ConfigLayer::kInFile);
  Json full = config_with_defaults(c);
  EXPECT_EQ(full["materialized"], "incremental");
  EXPECT_EQ(full["on_schema_change"], "ignore");
  EXPECT_EQ(full["unique_key"], nullptr);
  EXPECT_EQ(full["docs"], (Json{{"show", false}, {"node_color", nullptr}}));
  EXPECT_EQ(full["enabled"], true);
  EXPECT_EQ(config_layer_name(ConfigLayer::kProperties), "properties");
}

}  // namespace
}  // namespace dbtpy::compiler
