#include "compiler/dbt_manifest.h"

#include <array>
#include <fstream>

#include "util/error.h"
#include "util/json.h"

namespace dbtpy::compiler {
namespace {

bool keep_node_field(const std::string& key) {
  static const std::array<const char*, 17> kKeep = {
      "unique_id",         "resource_type", "name",       "package_name",
      "source_name",       "database",      "schema",     "alias",
      "identifier",        "relation_name", "config",     "version",
      "latest_version",    "language",      "depends_on", "fqn",
      "original_file_path"};
  for (const char* k : kKeep)
    if (key == k) return true;
  return false;
}

std::string str(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

[[noreturn]] void invalid(const std::string& display, const std::string& why) {
  throw_usage_error("DBTPY260", "cannot use dbt manifest " + display + ": " + why,
                    "regenerate it with `dbt parse`, or pass --manifest pointing at a valid "
                    "target/manifest.json");
}

}  // namespace

DbtManifest read_dbt_manifest(const std::filesystem::path& path, const std::string& display) {
  std::ifstream in(path, std::ios::binary);
  if (!in) invalid(display, "the file cannot be read");
  // Keys seen at each depth, so nested keys can be judged by where they are.
  std::array<std::string, 8> key_at;
  auto filter = [&key_at](int depth, Json::parse_event_t event, Json& parsed) {
    if (event != Json::parse_event_t::key) return true;
    const std::string& key = parsed.get_ref<const std::string&>();
    if (depth < static_cast<int>(key_at.size())) key_at[static_cast<size_t>(depth)] = key;
    switch (depth) {
      case 1:
        return key == "nodes" || key == "sources" || key == "metadata";
      case 2:
        return true;  // unique ids (or metadata fields)
      case 3:
        if (key_at[1] == "metadata") return true;
        return keep_node_field(key);
      case 4:
        if (key_at[3] == "config") return key == "materialized";
        if (key_at[3] == "depends_on") return key == "nodes";
        return false;
      default:
        return true;
    }
  };
  Json doc;
  try {
    doc = Json::parse(in, filter, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Json::exception& e) {
    invalid(display, std::string("invalid JSON (") + e.what() + ")");
  }
  if (!doc.is_object() || !doc.contains("nodes") || !doc["nodes"].is_object()) {
    invalid(display, "it has no `nodes` (is it a dbt manifest.json?)");
  }
  DbtManifest m;
  m.path = path;
  if (doc.contains("metadata") && doc["metadata"].is_object())
    m.dbt_version = str(doc["metadata"], "dbt_version");
  for (const char* section : {"nodes", "sources"}) {
    auto it = doc.find(section);
    if (it == doc.end() || !it->is_object()) continue;
    for (auto n = it->begin(); n != it->end(); ++n) {
      const Json& node = *n;
      if (!node.is_object()) continue;
      ManifestEntry e;
      e.unique_id = n.key();
      e.resource_type = str(node, "resource_type");
      e.name = str(node, "name");
      e.package_name = str(node, "package_name");
      e.source_name = str(node, "source_name");
      e.database = str(node, "database");
      e.schema = str(node, "schema");
      e.identifier = str(node, std::string(section) == "sources" ? "identifier" : "alias");
      e.relation_name = str(node, "relation_name");
      e.language = str(node, "language");
      e.version = str(node, "version");
      e.latest_version = str(node, "latest_version");
      e.original_file_path = str(node, "original_file_path");
      if (auto fq = node.find("fqn"); fq != node.end() && fq->is_array()) {
        for (const auto& part : *fq)
          if (part.is_string()) e.fqn.push_back(part.get<std::string>());
      }
      if (auto c = node.find("config"); c != node.end() && c->is_object())
        e.materialized = str(*c, "materialized");
      if (auto d = node.find("depends_on"); d != node.end() && d->is_object()) {
        if (auto ns = d->find("nodes"); ns != d->end() && ns->is_array()) {
          for (const auto& p : *ns)
            if (p.is_string()) e.depends_on.push_back(p.get<std::string>());
        }
      }
      m.entries.emplace(e.unique_id, std::move(e));
    }
  }
  return m;
}

}  // namespace dbtpy::compiler
