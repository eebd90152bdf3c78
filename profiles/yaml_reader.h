#pragma once
// Reading dbt's YAML files the way dbt (PyYAML, YAML 1.1) reads them: syntax errors become
// DBTPY202 diagnostics with file, line and column; plain scalars resolve as PyYAML resolves
// them (yes/no/on/off are booleans, `1_000` is an int, `1e3` is a string); `<<` merge keys
// work; a key repeated in one mapping keeps its last value and produces a warning. Nodes are
// converted to JSON with an optional per-string renderer (the Jinja in values) that sees the
// key path, so callers decide which keys dbt renders. Pure functions; thread-safe.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::profiles {

// Loads and parses a file. An empty file is a Null node. Throws dbtpy::Error (kUsage):
// DBTPY202 on a syntax error, DBTPY201 when the file cannot be read.
YAML::Node load_yaml_file(const std::filesystem::path& path, const std::string& display);
YAML::Node load_yaml_text(std::string_view text, const std::string& display);

// 1-based position of a node (0 when unknown).
int yaml_line(const YAML::Node& node);
int yaml_column(const YAML::Node& node);

// PyYAML's resolution of an untagged plain scalar: null, bool, int, float or string.
Json resolve_plain_scalar(const std::string& text);

// The JSON value of a scalar node (plain scalars resolved, quoted ones kept as strings).
Json scalar_to_json(const YAML::Node& node);

using YamlKeypath = std::vector<std::string>;

struct YamlToJsonOptions {
  std::string file;  // display path, for warnings
  // Renders a string scalar; null: strings are kept as written.
  std::function<Json(const std::string& text, const YAML::Node& node, const YamlKeypath& path)>
      render;
  // Whether strings under `path` are rendered; null: all of them.
  std::function<bool(const YamlKeypath& path)> should_render;
  std::vector<Diagnostic>* warnings = nullptr;  // duplicate keys (DBTPY225)
};

Json yaml_to_json(const YAML::Node& node, const YamlToJsonOptions& options, YamlKeypath path = {});

// Entries of a mapping with merge keys applied (explicit keys win over merged ones) and
// duplicates reduced to their last occurrence (reported through `warnings` if given).
struct YamlEntry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};
std::vector<YamlEntry> yaml_mapping_entries(const YAML::Node& map, const std::string& file = {},
                                            std::vector<Diagnostic>* warnings = nullptr);

}  // namespace dbtpy::profiles
