#pragma once
// A loaded dbt project: every node dbt would know (models in SQL and Python, seeds,
// snapshots, sources — of the root project and of installed packages), the Python models'
// ModelIRs, the DAG over all of them, and every diagnostic found while loading. Built once by
// project_loader.h and then only read: safe to share across threads.
//
// Nodes are stored in one vector ordered by unique_id; `Node::python_model` indexes
// `Project::python_models` for Python models (whose config and relation live in the ModelIR
// only, so 10,000 models are not stored twice).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/dag.h"
#include "compiler/model_ir.h"
#include "profiles/target.h"
#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::compiler {

enum class NodeKind { kModel, kSeed, kSnapshot, kSource };
enum class Language { kSql, kPython, kNone };  // kNone: seeds and sources

std::string_view node_kind_name(NodeKind kind);  // "model", "seed", "snapshot", "source"

struct Node {
  NodeKind kind = NodeKind::kModel;
  Language language = Language::kSql;
  std::string unique_id;  // model.pkg.name[.v2], seed.pkg.name, source.pkg.src.table
  std::string name;       // model/seed/snapshot name; for sources the table name
  std::string package_name;
  std::string source_name;             // sources only
  std::optional<std::string> version;  // versioned models
  bool is_latest_version = false;
  std::vector<std::string> fqn;    // dbt's fully qualified name (selection, config paths)
  std::string original_file_path;  // relative to its package root, '/'-separated
  std::string patch_path;          // properties file that describes it, if any
  std::string description;         // empty for Python models: see ModelIR::description
  int python_model = -1;           // index into Project::python_models, or -1
  // Config and relation of non-Python nodes (Python ones: see Project::config_of).
  ResolvedConfig config;
  Relation relation;
  bool relation_from_manifest = false;  // relation taken from dbt's manifest.json
  bool has_errors = false;  // the file had errors (kept so refs to it resolve; not listed)
  // Unique ids of parents, sorted. Empty for Python models, whose parents are in their
  // ModelIR (Project::depends_on_of reads either).
  std::vector<std::string> depends_on;
};

struct PackageInfo {
  std::string name;
  std::filesystem::path root;
  bool is_root = false;
};

struct Project {
  std::string name;                   // root project name
  std::string profile_name;           // profile used
  std::filesystem::path root_dir;     // absolute
  std::filesystem::path target_dir;   // absolute <target-path>
  std::vector<PackageInfo> packages;  // the root first, then installed packages by name
  profiles::Target target;            // the active target (non-secret fields only)
  Json quoting = Json::object();      // dbt_project.yml `quoting:`

  std::vector<Node> nodes;                             // enabled nodes, sorted by unique_id
  std::unordered_map<std::string, size_t> node_index;  // unique_id -> index in `nodes`
  std::vector<ModelIR> python_models;                  // enabled Python models, by unique_id
  Dag dag;                                             // over `nodes` indices: parent -> child

  std::vector<Diagnostic> diagnostics;  // errors and warnings, in file order
  bool project_errors = false;          // bad project/properties/profile input: exit code 2
  bool model_errors = false;            // invalid models (analysis, refs, config): exit code 1

  const Node* find(std::string_view unique_id) const;
  // By value: Python models keep their config packed (ModelIR::config).
  ResolvedConfig config_of(const Node& node) const;
  const Relation& relation_of(const Node& node) const;
  const std::vector<std::string>& depends_on_of(const Node& node) const;
  // 0 when loading found no errors, 1 for invalid models, 2 for project errors.
  int exit_code() const;
};

}  // namespace dbtpy::compiler
