#include "compiler/dbtpy_manifest.h"

#include <array>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>

#include "compiler/config_merge.h"
#include "compiler/json_text.h"
#include "compiler/parallel_for.h"
#include "util/fs.h"
#include "util/phase_timer.h"
#include "util/version.h"

namespace dbtpy::compiler {
namespace {

using namespace std::string_view_literals;

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

}  // namespace

Json model_json(const ModelIR& m) {
  return model_json(m, m.config.unpack());
}

Json model_json(const ModelIR& m, const ResolvedConfig& config) {
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
          {"config", config_with_defaults(config)},
          {"config_keys_used", keys_json(m.config_keys_used)},
          {"meta_keys_used", keys_json(m.meta_keys_used)},
          {"depends_on", {{"nodes", m.depends_on}}},
          {"relation", relation_json(m.relation)},
          {"checksum", {{"name", "sha256"}, {"checksum", m.checksum}}}};
}

Json manifest_model_json(const Node& node, const ModelIR& m) {
  const ResolvedConfig config = m.config.unpack();
  Json j = model_json(m, config);
  j["resource_type"] = "model";
  j["language"] = "python";
  j["package_name"] = m.package_name;
  j["fqn"] = node.fqn;
  j["version"] = opt(node.version);
  j["description"] = m.description;
  j["patch_path"] = node.patch_path.empty() ? Json(nullptr) : Json(node.patch_path);
  Json provenance = Json::object();
  for (const auto& [key, layer] : config.provenance)
    provenance[key] = std::string(config_layer_name(layer));
  j["config_provenance"] = std::move(provenance);
  j["ref_relations"] = m.ref_relations;
  j["source_relations"] = m.source_relations;
  j["imports"] = m.imports;
  j["model_def_line"] = m.model_def_line;
  return j;
}

namespace {

// Manifest and `ls` objects are written as text straight from the IR: keys are constants
// (written in nlohmann's sorted order, no escaping needed), values are escaped as they go, and
// the config is printed from its packed bytes. The bytes equal the dump of the Json views above
// (model_json, manifest_model_json), which the tests check.

const JsonMembersText& defaults_text() {
  static const JsonMembersText kDefaults(model_config_defaults());
  return kDefaults;
}

const ProvenanceNames& layer_names() {
  static const ProvenanceNames kNames(
      {config_layer_name(ConfigLayer::kDefault), config_layer_name(ConfigLayer::kProject),
       config_layer_name(ConfigLayer::kProperties), config_layer_name(ConfigLayer::kInFile)});
  return kNames;
}

void append_strings(std::string& o, const std::vector<std::string>& items) {
  if (items.empty()) {
    o += "[]"sv;
    return;
  }
  for (size_t i = 0; i < items.size(); ++i)
    append_json_string(o, items[i], i ? ","sv : "["sv);
  o += ']';
}

void append_string_map(std::string& o, const std::map<std::string, std::string>& m) {
  if (m.empty()) {
    o += "{}"sv;
    return;
  }
  bool first = true;
  for (const auto& [k, v] : m) {
    append_json_string(o, k, first ? "{"sv : ","sv);
    first = false;
    append_json_string(o, v, ":"sv);
  }
  o += '}';
}

void append_optional(std::string& o, const std::optional<std::string>& v) {
  if (v)
    append_json_string(o, *v);
  else
    o += "null"sv;
}

void append_keys(std::string& o, const std::vector<KeyUse>& keys) {
  if (keys.empty()) {
    o += "[]"sv;
    return;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    o += i ? ",{\"default\":"sv : "[{\"default\":"sv;
    append_json_value(o, keys[i].default_value);
    append_json_string(o, keys[i].key, ",\"key\":"sv);
    o += '}';
  }
  o += ']';
}

void append_relation(std::string& o, const Relation& r) {
  append_json_string(o, r.database, "{\"database\":"sv);
  append_json_string(o, r.identifier, ",\"identifier\":"sv);
  append_json_string(o, r.rendered, ",\"rendered\":"sv);
  append_json_string(o, r.schema, ",\"schema\":"sv);
  o += '}';
}

// The object of one Python model in key order: model_json()'s members, plus with `node` the
// manifest's own (manifest_model_json()); keep(key) narrows the top-level members.
template <typename Keep>
void append_model_object(std::string& o, const Node* node, const ModelIR& m, Keep&& keep) {
  bool first = true;
  // Opens member `key` (a constant needing no escape) unless keep() drops it.
  auto member = [&](std::string_view key) {
    if (!keep(key)) return false;
    // One append per member: `{"key":` or `,"key":` (the keys are short constants).
    char text[40];
    const size_t n = key.size();
    if (n > sizeof text - 4) {
      o += first ? "{\""sv : ",\""sv;
      first = false;
      o += key;
      o += "\":"sv;
      return true;
    }
    text[0] = first ? '{' : ',';
    text[1] = '"';
    std::memcpy(text + 2, key.data(), n);
    text[n + 2] = '"';
    text[n + 3] = ':';
    o.append(text, n + 4);
    first = false;
    return true;
  };
  // A member whose value is a string: its opening and the string in one append when short.
  auto string_member = [&](std::string_view key, std::string_view value) {
    if (!keep(key)) return;
    char text[40];
    const size_t n = key.size();
    if (n > sizeof text - 4) {
      member(key);
      append_json_string(o, value);
      return;
    }
    text[0] = first ? '{' : ',';
    text[1] = '"';
    std::memcpy(text + 2, key.data(), n);
    text[n + 2] = '"';
    text[n + 3] = ':';
    first = false;
    append_json_string(o, value, std::string_view(text, n + 4));
  };
  if (member("checksum")) {
    o += "{\"checksum\":"sv;
    append_json_string(o, m.checksum);
    o += ",\"name\":\"sha256\"}"sv;
  }
  if (member("config")) m.config.append_json(o, &defaults_text());
  if (member("config_keys_used")) append_keys(o, m.config_keys_used);
  if (node && member("config_provenance")) m.config.append_provenance_json(o, layer_names());
  if (member("depends_on")) {
    o += "{\"nodes\":"sv;
    append_strings(o, m.depends_on);
    o += '}';
  }
  if (node) string_member("description", m.description);
  if (node && member("fqn")) append_strings(o, node->fqn);
  if (node && member("imports")) append_strings(o, m.imports);
  if (node && member("language"sv)) o += "\"python\""sv;
  if (member("meta_keys_used")) append_keys(o, m.meta_keys_used);
  if (node && member("model_def_line")) append_json_integer(o, m.model_def_line);
  string_member("name", m.name);
  string_member("original_file_path", m.original_file_path);
  if (node) string_member("package_name", m.package_name);
  if (node && member("patch_path")) {
    if (node->patch_path.empty())
      o += "null"sv;
    else
      append_json_string(o, node->patch_path);
  }
  if (node && member("ref_relations")) append_string_map(o, m.ref_relations);
  if (member("refs")) {
    if (m.refs.empty()) o += '[';
    for (size_t i = 0; i < m.refs.size(); ++i) {
      const RefCall& r = m.refs[i];
      append_json_string(o, r.name, i ? ",{\"name\":"sv : "[{\"name\":"sv);
      o += ",\"package\":"sv;
      append_optional(o, r.package);
      o += ",\"version\":"sv;
      append_optional(o, r.version);
      o += '}';
    }
    o += ']';
  }
  if (member("relation")) append_relation(o, m.relation);
  if (node && member("resource_type"sv)) o += "\"model\""sv;
  if (node && member("source_relations")) append_string_map(o, m.source_relations);
  if (member("sources")) {
    if (m.sources.empty()) o += '[';
    for (size_t i = 0; i < m.sources.size(); ++i) {
      append_json_string(o, m.sources[i].source_name, i ? ",["sv : "[["sv);
      append_json_string(o, m.sources[i].table_name, ","sv);
      o += ']';
    }
    o += ']';
  }
  string_member("unique_id", m.unique_id);
  if (node && member("version")) append_optional(o, node->version);
  o += first ? "{}"sv : "}"sv;
}

void write_relation(JsonText& w, const Relation& r) {
  w.begin_object()
      .field("database", r.database)
      .field("identifier", r.identifier)
      .field("rendered", r.rendered)
      .field("schema", r.schema)
      .end_object();
}

void write_strings(JsonText& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items)
    w.string(s);
  w.end_array();
}

void write_other_node(JsonText& w, const Node& n) {
  w.begin_object();
  w.key("depends_on").begin_object().key("nodes");
  write_strings(w, n.depends_on);
  w.end_object();
  if (n.kind != NodeKind::kSource) {
    auto mat = n.config.values.find("materialized");
    w.json_field("materialized", mat == n.config.values.end() ? Json(nullptr) : *mat);
  }
  w.field("name", n.name);
  w.field("original_file_path", n.original_file_path);
  w.field("package_name", n.package_name);
  w.key("relation");
  write_relation(w, n.relation);
  w.field("relation_source", n.relation_from_manifest ? "dbt_manifest" : "dbtpy");
  w.field("resource_type", node_kind_name(n.kind));
  if (n.kind == NodeKind::kSource) w.field("source_name", n.source_name);
  if (n.version) w.field("version", *n.version);
  w.end_object();
}

// Formats the model entries in chunks on all threads and hands each chunk's text to
// sink(std::string_view) in document order, one call at a time, from whichever thread
// completed the next chunk due: the other threads keep formatting meanwhile, so writing the
// file overlaps formatting. At most `slots` chunks are held (bounded memory); each slot's
// buffer keeps its capacity for the next chunk. A failure (formatting or sink) stops every
// thread and is rethrown.
template <typename Sink>
void emit_model_entries(const Project& project, const std::vector<const Node*>& models,
                        Sink& sink) {
  constexpr size_t kChunk = 128;  // models per chunk (~300 KB of text)
  const size_t chunks = (models.size() + kChunk - 1) / kChunk;
  if (chunks == 0) return;
  const int threads = default_thread_count();
  std::vector<std::string> slots(std::min(chunks, static_cast<size_t>(2 * threads + 2)));
  std::vector<char> ready(chunks, 0);
  std::mutex mu;
  std::condition_variable slot_freed;
  size_t next_write = 0;  // first chunk not yet handed to sink
  bool writing = false;   // a thread is handing chunks to sink
  bool failed = false;
  auto fail = [&] {
    std::lock_guard lock(mu);
    failed = true;
    slot_freed.notify_all();
  };
  parallel_for(chunks, threads, [&](size_t c, size_t) {
    std::string& text = slots[c % slots.size()];
    {
      std::unique_lock lock(mu);
      slot_freed.wait(lock, [&] { return failed || c < next_write + slots.size(); });
      if (failed) return;
    }
    try {
      text.clear();
      for (size_t i = c * kChunk; i < std::min(models.size(), (c + 1) * kChunk); ++i) {
        const Node& n = *models[i];
        append_json_string(text, n.unique_id, i == 0 ? "\n"sv : ",\n"sv);
        text += ": "sv;
        append_model_object(text, &n, project.python_models[static_cast<size_t>(n.python_model)],
                            [](std::string_view) { return true; });
      }
    } catch (...) {
      fail();
      throw;
    }
    std::unique_lock lock(mu);
    ready[c] = 1;
    if (writing) return;  // that thread picks this chunk up when its turn comes
    writing = true;
    while (!failed && next_write < chunks && ready[next_write]) {
      const std::string& due = slots[next_write % slots.size()];
      lock.unlock();
      try {
        sink(std::string_view(due));
      } catch (...) {
        lock.lock();
        writing = false;
        lock.unlock();
        fail();
        throw;
      }
      lock.lock();
      ++next_write;
      slot_freed.notify_all();
    }
    writing = false;
  });
}

// Produces the manifest text through sink(std::string_view), in order.
template <typename Sink>
void emit_manifest(const Project& project, Sink&& sink) {
  Json metadata = {{"dbtpy_version", kVersion},
                   {"dbtpy_manifest_version", kDbtpyManifestVersion},
                   {"project_name", project.name},
                   {"profile_name", project.profile_name},
                   {"target_name", project.target.name},
                   {"platform", std::string(profiles::platform_name(project.target.platform))}};
  std::string text = "{\n\"metadata\": ";
  text += metadata.dump();
  // One entry per line: readable, diffable, and still one JSON document.
  text += ",\n\"models\": {"sv;
  sink(std::string_view(text));
  std::vector<const Node*> models;
  for (const auto& n : project.nodes)
    if (n.python_model >= 0 && !n.has_errors) models.push_back(&n);
  emit_model_entries(project, models, sink);
  text = "\n},\n\"nodes\": {";
  bool first = true;
  for (const auto& n : project.nodes) {
    if (n.python_model >= 0) continue;
    text += first ? "\n"sv : ",\n"sv;
    first = false;
    append_json_string(text, n.unique_id);
    text += ": "sv;
    JsonText w(text);
    write_other_node(w, n);
  }
  text += "\n}\n}\n"sv;
  sink(std::string_view(text));
}

}  // namespace

std::string model_json_text(const ModelIR& model, const std::set<std::string>* keys) {
  std::string out;
  out.reserve(2048);
  append_model_object(out, nullptr, model, [keys](std::string_view key) {
    return !keys || keys->count(std::string(key)) > 0;
  });
  return out;
}

std::string dbtpy_manifest_text(const Project& project) {
  std::string out;
  emit_manifest(project, [&out](std::string_view text) { out += text; });
  return out;
}

std::filesystem::path write_dbtpy_manifest(const Project& project) {
  PhaseTimer watch("manifest");
  std::filesystem::path path = project.target_dir / "dbtpy" / "manifest.json";
  // Atomic but not fsynced: a derived artifact that the next parse rewrites (util/fs.h).
  AtomicFileWriter file(path, Durability::kRenameOnly);
  emit_manifest(project, [&file](std::string_view text) { file.write(text); });
  watch.lap("format and write");
  file.commit();
  watch.lap("close and rename");
  return path;
}

}  // namespace dbtpy::compiler
