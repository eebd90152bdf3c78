#include "compiler/dbtpy_manifest.h"

#include "compiler/config_merge.h"
#include "util/fs.h"
#include "util/version.h"

namespace dbtpy::compiler {
namespace {

Json relation_json(const Relation& r) {
  return {{"database", r.database},
          {"schema", r.schema},
          {"identifier", r.identifier},
          {"rendered", r.rendered}};
}

Json keys_json(const std::vector<KeyUse>& keys) {
  Json out = Json::array();
  for (const auto& k : keys)
    out.push_back({{"key", k.key}, {"default", k.default_value}});
  return out;
}

Json opt(const std::optional<std::string>& v) {
  return v ? Json(*v) : Json(nullptr);
}

void append_entry(std::string& out, bool& first, const std::string& key, const Json& value) {
  out += first ? "\n    " : ",\n    ";
  first = false;
  out += Json(key).dump();
  out += ": ";
  out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Json model_json(const ModelIR& m) {
  Json refs = Json::array();
  for (const auto& r : m.refs)
    refs.push_back({{"name", r.name}, {"package", opt(r.package)}, {"version", opt(r.version)}});
  Json sources = Json::array();
  for (const auto& s : m.sources)
    sources.push_back({s.source_name, s.table_name});
  return {{"name", m.name},
          {"unique_id", m.unique_id},
          {"original_file_path", m.original_file_path},
          {"refs", std::move(refs)},
          {"sources", std::move(sources)},
          {"config", config_with_defaults(m.config)},
          {"config_keys_used", keys_json(m.config_keys_used)},
          {"meta_keys_used", keys_json(m.meta_keys_used)},
          {"depends_on", {{"nodes", m.depends_on}}},
          {"relation", relation_json(m.relation)},
          {"checksum", {{"name", "sha256"}, {"checksum", m.checksum}}}};
}

Json manifest_model_json(const Node& node, const ModelIR& m) {
  Json j = model_json(m);
  j["resource_type"] = "model";
  j["language"] = "python";
  j["package_name"] = m.package_name;
  j["fqn"] = node.fqn;
  j["version"] = opt(node.version);
  j["description"] = m.description;
  j["patch_path"] = node.patch_path.empty() ? Json(nullptr) : Json(node.patch_path);
  Json provenance = Json::object();
  for (const auto& [key, layer] : m.config.provenance)
    provenance[key] = std::string(config_layer_name(layer));
  j["config_provenance"] = std::move(provenance);
  j["ref_relations"] = m.ref_relations;
  j["source_relations"] = m.source_relations;
  j["imports"] = m.imports;
  j["model_def_line"] = m.model_def_line;
  return j;
}

std::string dbtpy_manifest_text(const Project& project) {
  Json metadata = {{"dbtpy_version", kVersion},
                   {"dbtpy_manifest_version", kDbtpyManifestVersion},
                   {"project_name", project.name},
                   {"profile_name", project.profile_name},
                   {"target_name", project.target.name},
                   {"platform", std::string(profiles::platform_name(project.target.platform))}};
  std::string out;
  out.reserve(project.python_models.size() * 2048 + 4096);
  out += "{\n  \"metadata\": ";
  out += metadata.dump();
  out += ",\n  \"models\": {";
  bool first = true;
  for (const auto& n : project.nodes) {
    if (n.python_model < 0 || n.has_errors) continue;
    const ModelIR& m = project.python_models[static_cast<size_t>(n.python_model)];
    append_entry(out, first, n.unique_id, manifest_model_json(n, m));
  }
  out += first ? "}" : "\n  }";
  out += ",\n  \"nodes\": {";
  first = true;
  for (const auto& n : project.nodes) {
    if (n.python_model >= 0) continue;
    Json j = {{"resource_type", std::string(node_kind_name(n.kind))},
              {"name", n.name},
              {"package_name", n.package_name},
              {"original_file_path", n.original_file_path},
              {"relation", relation_json(n.relation)},
              {"relation_source", n.relation_from_manifest ? "dbt_manifest" : "dbtpy"},
              {"depends_on", {{"nodes", n.depends_on}}}};
    if (n.kind == NodeKind::kSource) j["source_name"] = n.source_name;
    if (n.kind != NodeKind::kSource) {
      auto mat = n.config.values.find("materialized");
      j["materialized"] = mat == n.config.values.end() ? Json(nullptr) : *mat;
    }
    if (n.version) j["version"] = *n.version;
    append_entry(out, first, n.unique_id, j);
  }
  out += first ? "}" : "\n  }";
  out += "\n}\n";
  return out;
}

std::filesystem::path write_dbtpy_manifest(const Project& project) {
  std::filesystem::path path = project.target_dir / "dbtpy" / "manifest.json";
  write_file_atomic(path, dbtpy_manifest_text(project));
  return path;
}

}  // namespace dbtpy::compiler
