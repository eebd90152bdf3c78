#pragma once
// A YAML document as a small value tree with positions, and a fast reader for the block-style
// subset that properties files are written in. yaml-cpp parses ~8 MB/s, which made properties
// YAML of a 10,000-model project cost as much as analyzing all its Python; the subset reader
// is ~20x faster. Anything outside the subset (anchors, aliases, tags, merge keys, multi-line
// plain or quoted scalars, multi-line flow collections, directives, several documents, tabs in
// indentation, anything malformed) makes it give up, and yaml-cpp reads the text instead —
// also to report syntax errors with its positions — so the result never depends on which
// reader ran (tests compare both on a corpus). Pure functions; thread-safe.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/yaml_reader.h"
#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::profiles {

struct YamlTree;

struct YamlTreeEntry {
  std::string key;
  int key_line = 0;
  int key_column = 0;
};

struct YamlTree {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  bool plain = true;  // scalar written without quotes (resolved as PyYAML resolves plain scalars)
  int line = 0;       // 1-based position of the node
  int column = 0;
  std::string scalar;
  std::vector<YamlTree> items;                              // sequence
  std::vector<std::pair<YamlTreeEntry, YamlTree>> entries;  // mapping, in file order

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_mapping() const { return kind == Kind::kMapping; }
  // The JSON value of a scalar (plain ones resolved like PyYAML); null for other kinds.
  Json scalar_json() const;
};

// The fast subset reader; nullopt when the text is outside the subset. Duplicate keys keep
// the first position and the last value (PyYAML's behaviour) and add DBTPY225 warnings.
std::optional<YamlTree> parse_yaml_subset(std::string_view text, const std::string& file,
                                          std::vector<Diagnostic>* warnings);

// yaml-cpp's node as a tree (merge keys applied, duplicates reduced as above).
YamlTree yaml_tree_from_node(const YAML::Node& node, const std::string& file,
                             std::vector<Diagnostic>* warnings);

// The subset reader, else yaml-cpp. Throws dbtpy::Error (kUsage) DBTPY202 on invalid YAML.
YamlTree load_yaml_tree(std::string_view text, const std::string& file,
                        std::vector<Diagnostic>* warnings);

struct YamlTreeToJsonOptions {
  // Renders a string scalar (see YamlToJsonOptions); null: kept as written.
  std::function<Json(const std::string& text, const YamlTree& node, const YamlKeypath& path)>
      render;
  std::function<bool(const YamlKeypath& path)> should_render;  // null: all strings
};

Json yaml_tree_to_json(const YamlTree& tree, const YamlTreeToJsonOptions& options,
                       YamlKeypath path = {});

}  // namespace dbtpy::profiles
