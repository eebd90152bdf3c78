// The fast YAML subset reader must agree with yaml-cpp on everything it accepts: checked on
// hand-written properties-style documents, on every YAML file of the repository, and on
// thousands of random documents written by yaml-cpp's emitter in different styles.
#include "profiles/yaml_tree.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "util/error.h"

namespace dbtpy::profiles {
namespace {

// Compares two trees; returns "" when equal, else where they differ.
std::string diff(const YamlTree& a, const YamlTree& b, const std::string& at = "$") {
  if (a.kind != b.kind)
    return at + ": kind " + std::to_string(int(a.kind)) + " vs " + std::to_string(int(b.kind));
  switch (a.kind) {
    case YamlTree::Kind::kNull:
      return "";
    case YamlTree::Kind::kScalar:
      if (a.scalar_json() != b.scalar_json())
        return at + ": " + a.scalar_json().dump() + " vs " + b.scalar_json().dump();
      if (a.line != b.line)
        return at + ": line " + std::to_string(a.line) + " vs " + std::to_string(b.line);
      return "";
    case YamlTree::Kind::kSequence:
      if (a.items.size() != b.items.size()) return at + ": sequence sizes differ";
      if (a.line != b.line) return at + ": sequence line differs";
      for (size_t i = 0; i < a.items.size(); ++i) {
        std::string d = diff(a.items[i], b.items[i], at + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    case YamlTree::Kind::kMapping:
      if (a.entries.size() != b.entries.size()) return at + ": mapping sizes differ";
      for (size_t i = 0; i < a.entries.size(); ++i) {
        const auto& [ka, va] = a.entries[i];
        const auto& [kb, vb] = b.entries[i];
        if (ka.key != kb.key) return at + ": key " + ka.key + " vs " + kb.key;
        if (ka.key_line != kb.key_line) return at + "." + ka.key + ": key line differs";
        std::string d = diff(va, vb, at + "." + ka.key);
        if (!d.empty()) return d;
      }
      return "";
  }
  return "";
}

// Reads `text` with both readers; returns whether the fast one accepted it.
bool check(const std::string& text, const std::string& label) {
  std::optional<YamlTree> fast = parse_yaml_subset(text, "t.yml", nullptr);
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception&) {
    EXPECT_FALSE(fast.has_value()) << label << ": accepted invalid YAML\n" << text;
    return false;
  }
  if (!fast) return false;
  YamlTree slow = yaml_tree_from_node(node, "t.yml", nullptr);
  std::string d = diff(*fast, slow);
  EXPECT_EQ(d, "") << label << "\n" << text;
  return true;
}

TEST(YamlTree, PropertiesStyleDocumentsMatchYamlCpp) {
  const char* docs[] = {
      "version: 2\n\nmodels:\n  - name: orders\n    description: \"One row per order\"\n"
      "    config:\n      materialized: incremental\n      tags: ['a', \"b\", c]\n"
      "      meta: {owner: x, tier: 1, flag: yes}\n    columns:\n      - name: id\n"
      "        data_tests: [unique, not_null]\n      - name: amount   # in cents\n"
      "        description: 'It''s money: #1'\n",
      "sources:\n- name: shop\n  database: \"{{ var('db') }}\"\n  tables:\n  - name: orders\n"
      "    identifier: ORDERS_V2\n    quoting:\n      identifier: true\n",
      "models:\n  - name: m\n    description: |\n      First line\n        indented\n\n      last\n"
      "    other: >\n      folded into\n      one line\n    keep: |+\n      x\n\n    strip: |-\n"
      "      y\n\nnext: 1\n",
      "---\na: 1\nb: 1.5\nc: 1e3\nd: 0x1F\ne: ~\nf:\ng: null\nh: 2024-01-01\ni: 'yes'\nj: "
      "on\n...\n",
      "key: value with 'quotes' and \"double\" inside\nurl: http://x.y/z?a=b#frag\n"
      "colon: a:b\nhash: a#b\n",
      "list:\n- a\n-   b\n- - nested\n",  // nested inline sequences: left to yaml-cpp
      "escapes: \"tab\\there \\u00e9 \\x41 \\\\ \\\"\"\nunicode: caf\xc3\xa9\n",
      "empty_list: []\nempty_map: {}\nnested: {a: [1, 2, {b: c}], d: {}}\n",
      "anchors: &x {a: 1}\nalias: *x\n",               // anchors: left to yaml-cpp
      "multi: this plain scalar\n  continues here\n",  // multi-line plain: left to yaml-cpp
      "# only a comment\n",
      "",
      "a:\n  b:\n    c:\n      - d: 1\n        e: [x]\n      - f\n",
      "\"quoted key\": 1\n'single key': 2\n",
      "a: 1\nb: 2\na: 3\n",  // duplicate keys: last value, first position
      "bad: [unclosed\n",
      "bad:\n  - a\n b: c\n",
      "x: 1\r\ny: 2\r\n",
      "models:\n  # a comment\n  - name: a   # trailing\n    # between keys\n"
      "    config: {materialized: table}  # after flow\n      # odd indent comment\n"
      "    tests:\n    - unique\n  -\n    name: b\n  - name: \"c\" # quoted\n",
      "desc: |\n  # not a comment\n  text: with colon\nnext: it's plain\n",
      "key:\n  value on next line\n",
      "seq:\n  - [a, b]\n  - {k: v}\n  -\n    - deep\n",
      "'a': \"b\" # c\nk with spaces : v\n",
      "d: >-\n  folded\n  text\ne: >\n  para\n\n  two\n",
      // Quoted scalars with and without anything to unescape, as values, keys and in flows.
      R"(a: "plain words"
b: 'plain words'
c: 'it''s'
d: ''''
e: ""
f: ''
g: "back\\slash \"q\" \n"
h: 'single "double" \ kept'
"k\tey": 1
'k''ey': 2
i: {"x y": 'z''s', 'w': "\u00e9"}
)",
  };
  int accepted = 0;
  for (size_t i = 0; i < std::size(docs); ++i)
    accepted += check(docs[i], "doc " + std::to_string(i));
  EXPECT_GE(accepted, 12);
}

TEST(YamlTree, LargeMappingsKeepTheLastDuplicateAndWarnAtTheLaterKey) {
  // Past 16 keys the reader indexes keys in a hash table instead of scanning them.
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  text += "k3: again\nk30: again\nflow: {";
  for (int i = 0; i < 30; ++i)
    text += "f" + std::to_string(i) + ": " + std::to_string(i) + ", ";
  text += "f2: x, f25: y}\n";
  EXPECT_TRUE(check(text, "large mapping"));
  std::vector<Diagnostic> warnings;
  auto tree = parse_yaml_subset(text, "big.yml", &warnings);
  ASSERT_TRUE(tree.has_value());
  ASSERT_EQ(tree->entries.size(), 41u);
  EXPECT_EQ(tree->entries[3].first.key_line, 4);
  EXPECT_EQ(tree->entries[3].second.scalar, "again");
  EXPECT_EQ(tree->entries[30].second.scalar, "again");
  const YamlTree& flow = tree->entries[40].second;
  ASSERT_EQ(flow.entries.size(), 30u);
  EXPECT_EQ(flow.entries[2].second.scalar, "x");
  EXPECT_EQ(flow.entries[25].second.scalar, "y");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].code, "DBTPY225");
  EXPECT_EQ(warnings[0].line, 41);
  EXPECT_EQ(warnings[1].line, 42);
}

TEST(YamlTree, EveryRepositoryYamlFileMatches) {
  namespace fs = std::filesystem;
  int files = 0;
  for (const char* dir : {"examples", "tests/fixtures"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(DBTPY_SOURCE_DIR) / dir)) {
      std::string ext = e.path().extension().string();
      if (ext != ".yml" && ext != ".yaml") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      check(ss.str(), e.path().string());
      ++files;
    }
  }
  EXPECT_GT(files, 5);
}

// Random documents in yaml-cpp's own styles.
class RandomDocs {
 public:
  explicit RandomDocs(unsigned seed) : rng_(seed) {}

  std::string next() {
    YAML::Emitter out;
    emit_map(out, 0);
    return out.c_str();
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }

  std::string word() {
    static const char* words[] = {"orders",      "yes",
                                  "No",          "null",
                                  "~",           "1",
                                  "0x10",        "1.5",
                                  "1e3",         "-2",
                                  "2024-01-01",  "a b",
                                  "it's",        "say \"hi\"",
                                  "a: b",        "x #y",
                                  "#z",          "",
                                  " lead",       "trail ",
                                  "caf\xc3\xa9", "{{ var('x') }}",
                                  "[a]",         "- dash",
                                  "line\nbreak", "tab\there",
                                  "true",        "@at",
                                  "%p",          "*star",
                                  "&amp",        "!bang",
                                  "?q",          "|pipe",
                                  ">gt",         "a,b",
                                  "key:",        "k: v: w"};
    return words[pick(static_cast<int>(std::size(words)))];
  }

  void emit_scalar(YAML::Emitter& out) {
    std::string w = word();
    switch (pick(4)) {
      case 0:
        out << YAML::SingleQuoted << w;
        break;
      case 1:
        out << YAML::DoubleQuoted << w;
        break;
      case 2:
        if (w.find('\n') == std::string::npos) {
          out << w;
        } else {
          out << YAML::Literal << w;
        }
        break;
      default:
        out << w;
    }
  }

  void emit_value(YAML::Emitter& out, int depth) {
    int k = depth > 3 ? 0 : pick(6);
    if (k == 4) {
      emit_map(out, depth + 1);
    } else if (k == 5) {
      emit_seq(out, depth + 1);
    } else {
      emit_scalar(out);
    }
  }

  void emit_map(YAML::Emitter& out, int depth) {
    if (depth > 0 && pick(4) == 0) out << YAML::Flow;
    out << YAML::BeginMap;
    int n = pick(5) + (depth == 0 ? 1 : 0);
    for (int i = 0; i < n; ++i) {
      out << YAML::Key << ("k" + std::to_string(i) + (pick(3) == 0 ? " x" : ""));
      out << YAML::Value;
      emit_value(out, depth);
    }
    out << YAML::EndMap;
  }

  void emit_seq(YAML::Emitter& out, int depth) {
    if (pick(3) == 0) out << YAML::Flow;
    out << YAML::BeginSeq;
    int n = pick(4);
    for (int i = 0; i < n; ++i)
      emit_value(out, depth);
    out << YAML::EndSeq;
  }

  std::mt19937 rng_;
};

TEST(YamlTree, RandomEmittedDocumentsMatch) {
  RandomDocs gen(20261121);
  int accepted = 0;
  const int total =
      std::getenv("DBTPY_YAML_FUZZ") ? std::atoi(std::getenv("DBTPY_YAML_FUZZ")) : 3000;
  for (int i = 0; i < total; ++i)
    accepted += check(gen.next(), "random " + std::to_string(i));
  // Most documents are inside the subset; the rest fall back to yaml-cpp.
  EXPECT_GT(accepted, total / 3);
  std::cout << "[ yaml ] fast reader accepted " << accepted << " of " << total
            << " random documents, all identical to yaml-cpp\n";
}

TEST(YamlTree, LoadFallsBackAndReportsSyntaxErrors) {
  YamlTree t = load_yaml_tree("a: &x 1\nb: *x\n", "f.yml", nullptr);  // needs yaml-cpp
  ASSERT_TRUE(t.is_mapping());
  EXPECT_EQ(t.entries[1].second.scalar_json(), 1);
  try {
    load_yaml_tree("a: [1,\n", "models/x.yml", nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY202");
    EXPECT_EQ(e.diagnostics()[0].file, "models/x.yml");
  }
  std::vector<Diagnostic> warnings;
  YamlTree dup = load_yaml_tree("models:\n  a: 1\n  a: 2\n", "d.yml", &warnings);
  EXPECT_EQ(dup.entries[0].second.entries[0].second.scalar_json(), 2);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].line, 3);
}

TEST(YamlTree, ToJsonRendersWithKeyPaths) {
  YamlTree t = load_yaml_tree("a:\n  b: '{{ x }}'\n  c: [1, yes]\n", "f.yml", nullptr);
  YamlTreeToJsonOptions o;
  o.render = [](const std::string& s, const YamlTree& node, const YamlKeypath& path) {
    return Json(s + "@" + path.back() + ":" + std::to_string(node.line));
  };
  Json j = yaml_tree_to_json(t, o);
  EXPECT_EQ(j["a"]["b"], "{{ x }}@b:2");
  EXPECT_EQ(j["a"]["c"], Json({1, true}));
}

}  // namespace
}  // namespace dbtpy::profiles
