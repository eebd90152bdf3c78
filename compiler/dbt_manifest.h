#pragma once
// dbt's own target/manifest.json (from `dbt parse`/`dbt compile`), read for what dbt knows
// better than a static reader: the relation names of SQL models, seeds, snapshots and sources
// (custom generate_*_name macros, Jinja configs) and the parents of SQL nodes. Only the fields
// used are kept while parsing, so a manifest of hundreds of megabytes does not need hundreds
// of megabytes of memory. Value types; read_dbt_manifest is pure apart from reading the file.
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace dbtpy::compiler {

struct ManifestEntry {
  std::string unique_id;
  std::string resource_type;  // model, seed, snapshot, source, test, ...
  std::string name;
  std::string package_name;
  std::string source_name;  // sources
  std::string database;
  std::string schema;
  std::string identifier;     // `alias` of nodes, `identifier` of sources
  std::string relation_name;  // as dbt rendered it (empty for ephemeral models)
  std::string materialized;
  std::string language;  // sql, python
  std::string version;   // "" when unversioned
  std::string latest_version;
  std::string original_file_path;
  std::vector<std::string> fqn;
  std::vector<std::string> depends_on;
};

struct DbtManifest {
  std::filesystem::path path;
  std::string dbt_version;
  std::unordered_map<std::string, ManifestEntry> entries;  // by unique_id
};

// Reads a manifest.json. Throws dbtpy::Error (kUsage) DBTPY260 when the file is not a dbt
// manifest (invalid JSON or no `nodes`), naming the file.
DbtManifest read_dbt_manifest(const std::filesystem::path& path, const std::string& display);

}  // namespace dbtpy::compiler
