#include "compiler/project.h"

namespace dbtpy::compiler {

std::string_view node_kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::kModel:
      return "model";
    case NodeKind::kSeed:
      return "seed";
    case NodeKind::kSnapshot:
      return "snapshot";
    case NodeKind::kSource:
      return "source";
  }
  return "model";
}

const Node* Project::find(std::string_view unique_id) const {
  auto it = node_index.find(std::string(unique_id));
  return it == node_index.end() ? nullptr : &nodes[it->second];
}

ResolvedConfig Project::config_of(const Node& node) const {
  if (node.python_model >= 0)
    return python_models[static_cast<size_t>(node.python_model)].config.unpack();
  return node.config;
}

const Relation& Project::relation_of(const Node& node) const {
  if (node.python_model >= 0) return python_models[static_cast<size_t>(node.python_model)].relation;
  return node.relation;
}

const std::vector<std::string>& Project::depends_on_of(const Node& node) const {
  if (node.python_model >= 0)
    return python_models[static_cast<size_t>(node.python_model)].depends_on;
  return node.depends_on;
}

int Project::exit_code() const {
  if (project_errors) return 2;
  if (model_errors) return 1;
  return 0;
}

}  // namespace dbtpy::compiler
