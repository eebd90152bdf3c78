#pragma once
// The compiler's output for one Python model: a typed, immutable value that codegen turns into
// a payload. It knows nothing of payloads or platforms beyond rendered relation names.
// Value types; built once by the compiler and then only read (safe to share across threads).
// The model's source text is NOT kept here (10,000 models would not fit the memory goal);
// codegen receives it separately, read from `absolute_path` and checked against `checksum`.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/resolved_config.h"
#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::compiler {

struct SourceLocation {
  int line = 0;    // 1-based line in the file as it is on disk
  int column = 0;  // 1-based column (code points)
};

// dbt.ref(name) / dbt.ref(package, name) / version via v=, version= or 3rd positional.
struct RefCall {
  std::string name;
  std::optional<std::string> package;
  std::optional<std::string> version;  // Python str() of the literal: 1 -> "1", "v1" -> "v1"
  SourceLocation where;
  bool from_docstring = false;  // declared in the module docstring ("- ref('a')")
};

// dbt.source(source_name, table_name)
struct SourceCall {
  std::string source_name;
  std::string table_name;
  SourceLocation where;
  bool from_docstring = false;
};

// dbt.config.get(key[, default]) and dbt.config.meta_get(key[, default]).
struct KeyUse {
  std::string key;
  Json default_value;  // null when no default was given (Python None)
  SourceLocation where;
};

struct Relation {
  std::string database;    // Snowflake database / Databricks catalog / BigQuery project
  std::string schema;      // schema / dataset
  std::string identifier;  // alias or model name
  std::string rendered;    // platform rendering: DB.SCHEMA.ID (quoted per config),
                           // `cat`.`sch`.`id`, project.dataset.table
};

struct ModelIR {
  std::string name;                // model name (file stem)
  std::string package_name;        // project name
  std::string unique_id;           // model.<package>.<name>
  std::string original_file_path;  // relative to the project root, '/'-separated
  std::string absolute_path;       // a string, not fs::path: a path allocates every component
  std::string checksum;            // sha256 hex of the file bytes
  int model_def_line = 0;          // line of `def model(dbt, session)`

  std::vector<RefCall> refs;
  std::vector<SourceCall> sources;
  std::vector<KeyUse> config_keys_used;
  std::vector<KeyUse> meta_keys_used;
  std::vector<std::string> imports;  // top-level packages imported by the file

  PackedConfig config;  // resolved config with provenance (unpack() for the JSON view)
  Relation relation;
  std::vector<std::string> depends_on;  // unique ids of the nodes refs/sources resolve to

  // Lookup tables baked into the compiled model, keyed as dbt's postfix keys them:
  // "name", "package.name", with ".v<version>" appended when versioned; "source.table".
  // Values are the rendered relation names of the resolved nodes.
  std::map<std::string, std::string> ref_relations;
  std::map<std::string, std::string> source_relations;

  std::string description;  // from properties YAML
};

}  // namespace dbtpy::compiler
