#pragma once
// Properties ("schema") YAML files: the `models:`, `seeds:` and `snapshots:` entries that
// describe and configure nodes defined by files, snapshots defined in YAML (dbt 1.9
// `relation:`), and `sources:`. Only the values dbtpy uses are rendered (names, `config:`,
// versions, source database/schema/identifier/quoting), so Jinja in descriptions, tests,
// freshness or column definitions never blocks loading, as it would not matter to a Python
// model. Problems are reported as diagnostics with file and line; one bad entry does not stop
// the rest of the file. Value types; parse_properties is pure apart from reading the file.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "profiles/jinja_value.h"
#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::compiler {

struct VersionEntry {
  std::string v;  // Python str() of the YAML value: 1 -> "1", 1.5 -> "1.5", "v2" -> "v2"
  Json config = Json::object();
  std::optional<std::string> defined_in;  // file stem defining this version
  int line = 0;
};

// One entry of `models:`, `seeds:` or `snapshots:`.
struct NodeEntry {
  std::string name;
  std::string file;  // display path of the properties file
  int line = 0;
  int column = 0;
  std::string description;
  Json config = Json::object();  // `config:` plus legacy top-level meta/docs/access/group
  std::optional<std::string> latest_version;
  std::vector<VersionEntry> versions;
  // YAML-defined snapshots (dbt 1.9+): `relation: ref('x')` / `source('s', 't')`.
  std::optional<std::string> relation_ref_name;
  std::optional<std::string> relation_ref_package;
  std::optional<std::pair<std::string, std::string>> relation_source;
};

struct SourceTableEntry {
  std::string name;
  std::string identifier;  // defaults to name
  Json quoting = Json::object();
  Json config = Json::object();  // e.g. enabled
  std::string description;
  int line = 0;
};

struct SourceEntry {
  std::string name;
  std::string file;
  int line = 0;
  std::optional<std::string> database;
  std::optional<std::string> schema;  // defaults to the source name
  Json quoting = Json::object();
  Json config = Json::object();
  std::string description;
  std::vector<SourceTableEntry> tables;
};

struct PropertiesFile {
  std::string file;  // display path
  std::vector<NodeEntry> models;
  std::vector<NodeEntry> seeds;
  std::vector<NodeEntry> snapshots;
  std::vector<SourceEntry> sources;
};

// Parses one file. Syntax errors (DBTPY202), structural problems (DBTPY220) and rendering
// errors (DBTPY211-217) are appended to `diagnostics`; the entries that are fine are returned.
PropertiesFile parse_properties(const std::filesystem::path& path, const std::string& display,
                                const profiles::JinjaValueContext& context,
                                std::vector<Diagnostic>& diagnostics);
// `lenient` (installed packages): a value with Jinja dbtpy cannot evaluate is left unset
// (null) and reported as a DBTPY271 warning instead of an error.
PropertiesFile parse_properties_text(std::string_view text, const std::string& display,
                                     const profiles::JinjaValueContext& context,
                                     std::vector<Diagnostic>& diagnostics, bool lenient = false);

}  // namespace dbtpy::compiler
