#include "profiles/yaml_reader.h"

#include <gtest/gtest.h>

#include <cmath>

#include "util/error.h"

namespace dbtpy::profiles {
namespace {

Json plain(const char* text) {
  return resolve_plain_scalar(text);
}

TEST(YamlReader, ResolvesPlainScalarsAsPyYamlDoes) {
  EXPECT_EQ(plain(""), nullptr);
  EXPECT_EQ(plain("~"), nullptr);
  EXPECT_EQ(plain("Null"), nullptr);
  for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "on", "ON"})
    EXPECT_EQ(plain(t), true) << t;
  for (const char* t : {"false", "No", "off", "OFF"})
    EXPECT_EQ(plain(t), false) << t;
  EXPECT_EQ(plain("42"), 42);
  EXPECT_EQ(plain("-7"), -7);
  EXPECT_EQ(plain("1_000"), 1000);
  EXPECT_EQ(plain("0x1F"), 31);
  EXPECT_EQ(plain("0b101"), 5);
  EXPECT_EQ(plain("010"), 8);  // YAML 1.1 octal
  EXPECT_EQ(plain("1:30"), 90);
  EXPECT_EQ(plain("1.5"), 1.5);
  EXPECT_EQ(plain("1.0e+3"), 1000.0);
  EXPECT_EQ(plain("1e3"), "1e3");      // PyYAML: no dot, no float
  EXPECT_EQ(plain("1.0e3"), "1.0e3");  // PyYAML: unsigned exponent is text
  EXPECT_TRUE(std::isinf(plain(".inf").get<double>()));
  EXPECT_EQ(plain("2024-01-01"), "2024-01-01");
  EXPECT_EQ(plain("v1"), "v1");
  EXPECT_EQ(plain("1.2.3"), "1.2.3");
  EXPECT_EQ(plain("+"), "+");
}

TEST(YamlReader, QuotedScalarsStayStrings) {
  YAML::Node n = load_yaml_text("a: 'true'\nb: \"42\"\nc: 42\nd: !!str 7\n", "x.yml");
  Json j = yaml_to_json(n, {});
  EXPECT_EQ(j["a"], "true");
  EXPECT_EQ(j["b"], "42");
  EXPECT_EQ(j["c"], 42);
  EXPECT_EQ(j["d"], "7");
}

TEST(YamlReader, SyntaxErrorsCarryFileLineAndColumn) {
  try {
    load_yaml_text("models:\n  - name: a\n   bad: [\n", "models/schema.yml");
    FAIL() << "no error";
  } catch (const Error& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const Diagnostic& d = e.diagnostics()[0];
    EXPECT_EQ(d.code, "DBTPY202");
    EXPECT_EQ(d.file, "models/schema.yml");
    EXPECT_GE(d.line, 2);
    EXPECT_GT(d.column, 0);
  }
}

TEST(YamlReader, MergeKeysAndDuplicateKeys) {
  const char* text =
      "base: &base\n"
      "  a: 1\n"
      "  b: 2\n"
      "child:\n"
      "  <<: *base\n"
      "  b: 3\n"
      "  c: 4\n"
      "  c: 5\n";
  std::vector<Diagnostic> warnings;
  YamlToJsonOptions opts;
  opts.file = "f.yml";
  opts.warnings = &warnings;
  Json j = yaml_to_json(load_yaml_text(text, "f.yml"), opts);
  EXPECT_EQ(j["child"], (Json{{"a", 1}, {"b", 3}, {"c", 5}}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].code, "DBTPY225");
  EXPECT_EQ(warnings[0].line, 8);
}

TEST(YamlReader, RendererSeesKeyPathsAndCanSkipThem) {
  const char* text = "vars:\n  x: '{{ keep }}'\nname: '{{ render }}'\n";
  YamlToJsonOptions opts;
  opts.render = [](const std::string& s, const YAML::Node& node, const YamlKeypath& path) {
    EXPECT_EQ(yaml_line(node), 3);
    return Json(s + "@" + path.back());
  };
  opts.should_render = [](const YamlKeypath& path) { return path.empty() || path[0] != "vars"; };
  Json j = yaml_to_json(load_yaml_text(text, "p.yml"), opts);
  EXPECT_EQ(j["vars"]["x"], "{{ keep }}");
  EXPECT_EQ(j["name"], "{{ render }}@name");
}

}  // namespace
}  // namespace dbtpy::profiles
