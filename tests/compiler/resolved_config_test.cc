// PackedConfig: what ModelIR keeps must unpack to exactly the ResolvedConfig that was packed,
// value types included (codegen and the artifacts read values through it).
#include "compiler/resolved_config.h"

#include <gtest/gtest.h>

#include <limits>

#include "compiler/config_merge.h"

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

// The manifest prints configs straight from the packed bytes; the text must be the tree's dump.
std::string dumped(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string appended(const PackedConfig& packed, const JsonMembersText* defaults) {
  std::string out = "prefix";
  packed.append_json(out, defaults);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

TEST(PackedConfig, AppendJsonIsTheDumpOfTheValues) {
  std::vector<Json> cases = {
      Json::object(),
      Json(nullptr),
      Json::array({1, "x", 2.5, Json::object()}),
      Json("s \"q\" \n"),
      Json(7),
      {{"materialized", "incremental"},
       {"unsigned", Json(std::numeric_limits<uint64_t>::max())},
       {"big", Json(std::numeric_limits<int64_t>::min())},
       {"threshold", 0.1},
       {"tiny", 5e-324},
       {"whole_float", 2.0},
       {"text", std::string("nul\0inside \xc3\xa9 \"quoted\" bad \xff", 28)},
       {"caf\xc3\xa9 \"key\"", true},
       {"tags", Json::array({"a", 1, 2.5, nullptr, Json::array()})},
       {"meta", {{"owner", "x"}, {"nested", {{"deep", Json::array({Json::object()})}}}}}}};
  for (const Json& v : cases) {
    ResolvedConfig c;
    c.values = v;
    EXPECT_EQ(appended(PackedConfig(c), nullptr), dumped(v));
  }
  EXPECT_EQ(appended(PackedConfig(), nullptr), "{}");
}

TEST(PackedConfig, AppendJsonWithDefaultsIsTheDumpOfConfigWithDefaults) {
  const JsonMembersText defaults(model_config_defaults());
  std::vector<Json> cases = {
      Json::object(),
      Json(nullptr),
      Json::array({1}),
      // before, between and after the defaults' keys; docs merged one level, contract extended,
      // an empty-object default (meta) replaced, a non-object over an object default
      {{"aaa_first", 1},
       {"docs", {{"show", false}}},
       {"contract", {{"enforced", true}, {"zz_extra", {{"deep", 1}}}}},
       {"meta", {{"owner", "x"}}},
       {"materialized", "incremental"},
       {"tags", Json::array({"a"})},
       {"zzz_last", "z"}},
      {{"docs", "not an object"}, {"contract", Json::object()}},
      {{"docs", {{"node_color", "red"}, {"show", nullptr}, {"a", 1}, {"zz", 2}}}},
      // keys sharing first bytes with defaults (the merge walk's first-byte shortcut), the
      // empty key, keys past ASCII, the first and last defaults themselves, a prefix of a key
      {{"", 0},
       {"access", "private"},
       {"unique_key", "id"},
       {"mat", 1},
       {"materialized", "view"},
       {"materializedx", 2},
       {"pre", 3},
       {"\xc3\xa9t\xc3\xa9", 4},
       {"\x7f", 5},
       {"docs", {{"", 1}, {"node_color", "x"}}}},
      // only keys between defaults, floats and unsigned values printed in place
      {{"ab", 0.5}, {"lookback", 18446744073709551615ULL}, {"zz", -0.0}}};
  for (const Json& v : cases) {
    ResolvedConfig c;
    c.values = v;
    c.provenance = {{"docs", ConfigLayer::kProperties}};
    EXPECT_EQ(appended(PackedConfig(c), &defaults), dumped(config_with_defaults(c))) << v.dump();
  }
  EXPECT_EQ(appended(PackedConfig(), &defaults), dumped(config_with_defaults(ResolvedConfig{})));
}

TEST(PackedConfig, AppendProvenanceJsonNamesEachKeysLayer) {
  const std::array<std::string_view, 4> names = {"default", "project", "props", "in \"file\""};
  ResolvedConfig c;
  c.values = {{"b", 1}, {"d", 2}};
  c.provenance = {{"a", ConfigLayer::kProject},
                  {"b", ConfigLayer::kInFile},
                  {"c", ConfigLayer::kProperties},
                  {"d", ConfigLayer::kDefault}};
  std::string out;
  PackedConfig(c).append_provenance_json(out, names);
  EXPECT_EQ(out,
            dumped({{"a", "project"}, {"b", "in \"file\""}, {"c", "props"}, {"d", "default"}}));
  out.clear();
  PackedConfig().append_provenance_json(out, names);
  EXPECT_EQ(out, "{}");
  // Names escaped once and reused: the same text.
  const ProvenanceNames prepared(names);
  EXPECT_EQ(prepared.tails[3], R"(:"in \"file\"")");
  out.clear();
  PackedConfig(c).append_provenance_json(out, prepared);
  EXPECT_EQ(out,
            dumped({{"a", "project"}, {"b", "in \"file\""}, {"c", "props"}, {"d", "default"}}));
}

}  // namespace
}  // namespace dbtpy::compiler
