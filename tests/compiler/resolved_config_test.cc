// PackedConfig: what ModelIR keeps must unpack to exactly the ResolvedConfig that was packed,
// value types included (codegen and the artifacts read values through it).
#include "compiler/resolved_config.h"

#include <gtest/gtest.h>

#include <limits>

namespace dbtpy::compiler {
namespace {

void expect_round_trip(const ResolvedConfig& c) {
  PackedConfig packed(c);
  ResolvedConfig back = packed.unpack();
  EXPECT_EQ(back.values, c.values);
  EXPECT_EQ(back.values.dump(), c.values.dump());
  EXPECT_EQ(back.provenance, c.provenance);
  EXPECT_EQ(packed.values(), c.values);
  EXPECT_EQ(packed.provenance(), c.provenance);
}

// Same value and the same Json type at every level (== treats 1 and 1u as equal).
void expect_same_types(const Json& a, const Json& b) {
  ASSERT_EQ(a.type(), b.type()) << a.dump();
  if (a.is_array()) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      expect_same_types(a[i], b[i]);
  } else if (a.is_object()) {
    ASSERT_EQ(a.size(), b.size());
    for (auto it = a.begin(); it != a.end(); ++it)
      expect_same_types(*it, b.at(it.key()));
  }
}

TEST(PackedConfig, DefaultIsAnEmptyConfig) {
  PackedConfig packed;
  ResolvedConfig c = packed.unpack();
  EXPECT_EQ(c.values, Json::object());
  EXPECT_TRUE(c.provenance.empty());
  EXPECT_EQ(packed.layer_of("materialized"), std::nullopt);
  EXPECT_EQ(PackedConfig(ResolvedConfig{}), packed);
}

TEST(PackedConfig, KeepsEveryValueAndItsType) {
  ResolvedConfig c;
  c.values = {{"materialized", "incremental"},
              {"enabled", true},
              {"full_refresh", false},
              {"alias", nullptr},
              {"lookback", 3},
              {"negative", -42},
              {"unsigned", Json(std::numeric_limits<uint64_t>::max())},
              {"big", Json(std::numeric_limits<int64_t>::min())},
              {"threshold", 0.1},
              {"tiny", 5e-324},
              {"text", std::string("nul\0inside \xc3\xa9 \"quoted\"", 22)},
              {"empty_string", ""},
              {"tags", Json::array({"a", "b", 1, 2.5, nullptr, Json::array()})},
              {"meta", {{"owner", "x"}, {"nested", {{"deep", Json::array({Json::object()})}}}}},
              {"grants", Json::object()}};
  c.provenance = {{"materialized", ConfigLayer::kDefault},
                  {"enabled", ConfigLayer::kProject},
                  {"lookback", ConfigLayer::kProperties},
                  {"tags", ConfigLayer::kInFile}};
  expect_round_trip(c);
  expect_same_types(PackedConfig(c).values(), c.values);
}

TEST(PackedConfig, ProvenanceOfKeysWithoutValuesIsKept) {
  ResolvedConfig c;
  c.values = {{"b", 1}};
  c.provenance = {
      {"a", ConfigLayer::kProject}, {"b", ConfigLayer::kInFile}, {"c", ConfigLayer::kProperties}};
  expect_round_trip(c);
  PackedConfig packed(c);
  EXPECT_EQ(packed.layer_of("a"), ConfigLayer::kProject);
  EXPECT_EQ(packed.layer_of("b"), ConfigLayer::kInFile);
  EXPECT_EQ(packed.layer_of("c"), ConfigLayer::kProperties);
  EXPECT_EQ(packed.layer_of("d"), std::nullopt);
}

TEST(PackedConfig, ValuesThatAreNotAnObjectRoundTrip) {
  for (const Json& v : {Json(nullptr), Json::array({1, "x"}), Json("s"), Json(7)}) {
    ResolvedConfig c;
    c.values = v;
    c.provenance = {{"k", ConfigLayer::kInFile}};
    expect_round_trip(c);
  }
}

TEST(PackedConfig, IsSmallerThanTheTree) {
  ResolvedConfig c;
  c.values = {{"materialized", "table"},
              {"meta", {{"owner", "team_finance"}, {"sla_hours", 12}}},
              {"packages", Json::array({"pandas", "numpy==1.26.*"})},
              {"schema", "finance"},
              {"tags", Json::array({"finance", "tier_1"})}};
  for (auto it = c.values.begin(); it != c.values.end(); ++it)
    c.provenance[it.key()] = ConfigLayer::kInFile;
  EXPECT_LT(PackedConfig(c).packed_size(), 200u);
}

}  // namespace
}  // namespace dbtpy::compiler
