#include "compiler/dbtpy_manifest.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "compiler/config_merge.h"
#include "compiler/json_text.h"
#include "compiler/parallel_for.h"
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

void write_relation(JsonText& w, const Relation& r) {
  w.begin_object()
      .field("database", r.database)
      .field("identifier", r.identifier)
      .field("rendered", r.rendered)
      .field("schema", r.schema)
      .end_object();
}

void write_keys(JsonText& w, const std::vector<KeyUse>& keys) {
  w.begin_array();
  for (const auto& k : keys)
    w.begin_object().json_field("default", k.default_value).field("key", k.key).end_object();
  w.end_array();
}

void write_strings(JsonText& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items)
    w.string(s);
  w.end_array();
}

void write_string_map(JsonText& w, const std::map<std::string, std::string>& m) {
  w.begin_object();
  for (const auto& [k, v] : m)
    w.field(k, v);
  w.end_object();
}

// config_with_defaults() written without building it: both objects are sorted, so one merge
// walk produces the keys in order.
void write_config(JsonText& w, const ResolvedConfig& config) {
  const Json& defaults = model_config_defaults();
  // The defaults are the same for every model: their text is made once.
  static const std::vector<std::string> kDefaultMembers = [&defaults] {
    std::vector<std::string> out;
    for (auto it = defaults.begin(); it != defaults.end(); ++it) {
      std::string member;
      append_json_string(member, it.key());
      member += ':';
      member += it->dump();
      out.push_back(std::move(member));
    }
    return out;
  }();
  const Json& values = config.values.is_object() ? config.values : Json::object();
  w.begin_object();
  auto d = defaults.begin();
  size_t di = 0;
  auto v = values.begin();
  while (d != defaults.end() || v != values.end()) {
    if (v == values.end() || (d != defaults.end() && d.key() < v.key())) {
      w.raw_member(kDefaultMembers[di]);
      ++d;
      ++di;
    } else if (d == defaults.end() || v.key() < d.key()) {
      w.json_field(v.key(), *v);
      ++v;
    } else {
      if (d->is_object() && v->is_object() && !d->empty()) {
        Json merged = *d;
        for (auto f = v->begin(); f != v->end(); ++f)
          merged[f.key()] = *f;
        w.json_field(v.key(), merged);
      } else {
        w.json_field(v.key(), *v);
      }
      ++d;
      ++di;
      ++v;
    }
  }
  w.end_object();
}

// The manifest entry of one Python model: model_json()'s fields plus the manifest's own, in
// key order.
void write_model_entry(JsonText& w, const Node& node, const ModelIR& m) {
  w.begin_object();
  w.key("checksum")
      .begin_object()
      .field("checksum", m.checksum)
      .field("name", "sha256")
      .end_object();
  const ResolvedConfig config = m.config.unpack();
  w.key("config");
  write_config(w, config);
  w.key("config_keys_used");
  write_keys(w, m.config_keys_used);
  w.key("config_provenance").begin_object();
  for (const auto& [key, layer] : config.provenance)
    w.field(key, config_layer_name(layer));
  w.end_object();
  w.key("depends_on").begin_object().key("nodes");
  write_strings(w, m.depends_on);
  w.end_object();
  w.field("description", m.description);
  w.key("fqn");
  write_strings(w, node.fqn);
  w.key("imports");
  write_strings(w, m.imports);
  w.field("language", "python");
  w.key("meta_keys_used");
  write_keys(w, m.meta_keys_used);
  w.key("model_def_line").integer(m.model_def_line);
  w.field("name", m.name);
  w.field("original_file_path", m.original_file_path);
  w.field("package_name", m.package_name);
  w.key("patch_path");
  node.patch_path.empty() ? w.null() : w.string(node.patch_path);
  w.key("ref_relations");
  write_string_map(w, m.ref_relations);
  w.key("refs").begin_array();
  for (const auto& r : m.refs) {
    w.begin_object().field("name", r.name).key("package");
    r.package ? w.string(*r.package) : w.null();
    w.key("version");
    r.version ? w.string(*r.version) : w.null();
    w.end_object();
  }
  w.end_array();
  w.key("relation");
  write_relation(w, m.relation);
  w.field("resource_type", "model");
  w.key("source_relations");
  write_string_map(w, m.source_relations);
  w.key("sources").begin_array();
  for (const auto& s : m.sources)
    w.begin_array().string(s.source_name).string(s.table_name).end_array();
  w.end_array();
  w.field("unique_id", m.unique_id);
  w.key("version");
  node.version ? w.string(*node.version) : w.null();
  w.end_object();
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

}  // namespace

namespace {

// Produces the manifest text into `out`, calling `flush(out)` between entries so a caller can
// move the text to a file as it grows.
template <typename Flush>
void emit_manifest(const Project& project, std::string& out, Flush&& flush) {
  Json metadata = {{"dbtpy_version", kVersion},
                   {"dbtpy_manifest_version", kDbtpyManifestVersion},
                   {"project_name", project.name},
                   {"profile_name", project.profile_name},
                   {"target_name", project.target.name},
                   {"platform", std::string(profiles::platform_name(project.target.platform))}};
  out += "{\n\"metadata\": ";
  out += metadata.dump();
  // One entry per line: readable, diffable, and still one JSON document.
  out += ",\n\"models\": {";
  // Model entries are formatted in parallel, a batch at a time (bounded memory), and
  // appended in order.
  std::vector<const Node*> models;
  for (const auto& n : project.nodes)
    if (n.python_model >= 0 && !n.has_errors) models.push_back(&n);
  constexpr size_t kBatch = 512;
  std::vector<std::string> texts(std::min(kBatch, models.size()));
  for (size_t start = 0; start < models.size(); start += kBatch) {
    size_t count = std::min(kBatch, models.size() - start);
    parallel_for(count, 0, [&](size_t i, size_t) {
      std::string& t = texts[i];
      t.clear();
      const Node& n = *models[start + i];
      t += start + i == 0 ? "\n" : ",\n";
      append_json_string(t, n.unique_id);
      t += ": ";
      JsonText w(t);
      write_model_entry(w, n, project.python_models[static_cast<size_t>(n.python_model)]);
    });
    for (size_t i = 0; i < count; ++i) {
      out += texts[i];
      flush(out);
    }
  }
  out += "\n},\n\"nodes\": {";
  bool first = true;
  for (const auto& n : project.nodes) {
    if (n.python_model >= 0) continue;
    out += first ? "\n" : ",\n";
    first = false;
    append_json_string(out, n.unique_id);
    out += ": ";
    JsonText w(out);
    write_other_node(w, n);
    flush(out);
  }
  out += "\n}\n}\n";
}

}  // namespace

std::string dbtpy_manifest_text(const Project& project) {
  std::string out;
  emit_manifest(project, out, [](std::string&) {});
  return out;
}

namespace {

// Phase timings for --debug (parse_bench --profile), in the loader's format: what the
// manifest step costs at the end of a parse.
class Stopwatch {
 public:
  void lap(const char* phase) {
    if (!spdlog::should_log(spdlog::level::debug)) return;
    auto now = std::chrono::steady_clock::now();
    double cpu = cpu_seconds();
    struct mallinfo2 mi = ::mallinfo2();
    spdlog::debug("manifest: {} took {:.3f}s ({:.3f}s CPU, peak {} MB resident, {} MB allocated)",
                  phase, std::chrono::duration<double>(now - last_).count(), cpu - last_cpu_,
                  resident_mb(), (mi.uordblks + mi.hblkhd) / (1024 * 1024));
    last_ = now;
    last_cpu_ = cpu;
  }

 private:
  // Peak resident memory so far (VmHWM), in MB; 0 where /proc is unavailable.
  static long resident_mb() {
    long kb = 0;
    if (FILE* f = std::fopen("/proc/self/status", "r")) {
      char line[256];
      while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
      std::fclose(f);
    }
    return kb / 1024;
  }
  static double cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  double last_cpu_ = cpu_seconds();
};

}  // namespace

std::filesystem::path write_dbtpy_manifest(const Project& project) {
  Stopwatch watch;
  std::filesystem::path path = project.target_dir / "dbtpy" / "manifest.json";
  AtomicFileWriter file(path);
  constexpr size_t kChunk = 1 << 20;
  std::string buffer;
  buffer.reserve(kChunk + (64 << 10));
  emit_manifest(project, buffer, [&](std::string& out) {
    if (out.size() < kChunk) return;
    file.write(out);
    out.clear();
  });
  file.write(buffer);
  watch.lap("format and write");
  file.commit();
  watch.lap("fsync and rename");
  return path;
}

}  // namespace dbtpy::compiler
