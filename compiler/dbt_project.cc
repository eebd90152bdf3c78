#include "compiler/dbt_project.h"

#include <cctype>

#include "profiles/yaml_reader.h"
#include "util/error.h"
#include "util/fs.h"

namespace dbtpy::compiler {
namespace fs = std::filesystem;
using profiles::YamlKeypath;

namespace {

[[noreturn]] void invalid(const DbtProjectFile& p, const YAML::Node& node, std::string message,
                          std::string hint) {
  throw_usage_error("DBTPY203", std::move(message), std::move(hint), p.file,
                    profiles::yaml_line(node), profiles::yaml_column(node));
}

bool valid_project_name(const std::string& name) {
  if (name.empty()) return false;
  unsigned char first = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(first) || first == '_' || first >= 0x80)) return false;
  for (unsigned char c : name) {
    if (!(std::isalnum(c) || c == '_' || c >= 0x80)) return false;
  }
  return true;
}

YAML::Node find(const YAML::Node& map, const char* key, std::string* found_key = nullptr) {
  for (auto e : map) {
    if (e.first.IsScalar() && e.first.Scalar() == key) {
      if (found_key) *found_key = key;
      return e.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool is_hook(std::string key) {
  while (!key.empty() && (key.front() == '+' || key.front() == ' '))
    key.erase(key.begin());
  return key == "pre-hook" || key == "post-hook" || key == "pre_hook" || key == "post_hook";
}

// dbt renders dbt_project.yml except vars, run hooks and model hooks (rendered later, in the
// node's own context).
bool should_render(const YamlKeypath& path) {
  if (path.empty()) return true;
  const std::string& first = path[0];
  if (first == "vars" || first == "on-run-start" || first == "on-run-end" ||
      first == "query-comment")
    return false;
  if (first == "models" || first == "seeds" || first == "snapshots" || first == "tests" ||
      first == "data_tests" || first == "sources") {
    for (const auto& part : path)
      if (is_hook(part)) return false;
  }
  return true;
}

Json render_node(const DbtProjectFile& p, const YAML::Node& node,
                 const profiles::JinjaValueContext& ctx, const YamlKeypath& base,
                 std::vector<Diagnostic>* warnings, bool lenient = false) {
  profiles::YamlToJsonOptions opts;
  opts.file = p.file;
  opts.warnings = warnings;
  opts.should_render = [&base](const YamlKeypath& path) {
    YamlKeypath full = base;
    full.insert(full.end(), path.begin(), path.end());
    return should_render(full);
  };
  opts.render = [&](const std::string& text, const YAML::Node& n, const YamlKeypath& path) {
    profiles::ValueSite site{p.file, profiles::yaml_line(n), profiles::yaml_column(n),
                             path.empty() ? std::string() : path.back()};
    if (!lenient) return profiles::render_jinja_value(text, ctx, site);
    try {
      return profiles::render_jinja_value(text, ctx, site);
    } catch (const Error& e) {
      if (warnings) warnings->push_back(package_jinja_warning(e.diagnostics().at(0)));
      return Json(nullptr);
    }
  };
  return profiles::yaml_to_json(node, opts);
}

std::vector<std::string> string_list(const DbtProjectFile& p, const YAML::Node& node,
                                     const Json& value, const char* key) {
  std::vector<std::string> out;
  if (value.is_string()) return {value.get<std::string>()};
  if (!value.is_array()) {
    invalid(p, node, std::string("`") + key + "` must be a list of folders",
            std::string("e.g. `") + key + ": [\"" +
                (std::string(key) == "model-paths" ? "models" : "x") + "\"]`");
  }
  for (const auto& v : value) {
    if (!v.is_string()) {
      invalid(p, node, std::string("`") + key + "` must hold folder names (strings)",
              "quote the folder names");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

void collect_config_paths(const Json& tree, const std::string& prefix,
                          std::vector<std::string>& out) {
  bool has_config = false;
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    const std::string& key = it.key();
    if (!key.empty() && key.front() != '+' && it->is_object()) {
      collect_config_paths(*it, prefix + "." + key, out);
    } else {
      has_config = true;
    }
  }
  if (has_config) out.push_back(prefix);
}

}  // namespace

DbtProjectFile read_dbt_project(const fs::path& project_dir,
                                const profiles::JinjaValueContext& context,
                                const fs::path& display_base) {
  DbtProjectFile p;
  std::error_code ec;
  p.root = fs::absolute(project_dir, ec).lexically_normal();
  if (p.root.has_filename() == false) p.root = p.root.parent_path();
  fs::path file = p.root / "dbt_project.yml";
  p.file = display_path(file, display_base);
  if (!fs::is_regular_file(file, ec)) {
    throw_usage_error("DBTPY201", "no dbt_project.yml in " + p.root.string(),
                      "run dbtpy from your dbt project's folder or pass --project-dir");
  }
  p.raw = profiles::load_yaml_file(file, p.file);
  if (!p.raw.IsMap()) {
    invalid(p, p.raw, "dbt_project.yml must be a mapping", "start from `name: my_project`");
  }
  YAML::Node name = find(p.raw, "name");
  if (!name.IsDefined() || name.IsNull()) {
    invalid(p, p.raw, "dbt_project.yml has no `name:`", "add `name: my_project`");
  }
  Json rendered_name = render_node(p, name, context, {"name"}, nullptr);
  if (!rendered_name.is_string() || !valid_project_name(rendered_name.get<std::string>())) {
    invalid(p, name,
            "invalid project name '" + profiles::python_str(rendered_name) +
                "': it must be a valid identifier (letters, digits, underscores)",
            "rename the project, e.g. `name: jaffle_shop`");
  }
  p.name = rendered_name.get<std::string>();
  YAML::Node profile = find(p.raw, "profile");
  if (profile.IsDefined() && !profile.IsNull()) {
    Json v = render_node(p, profile, context, {"profile"}, nullptr);
    if (!v.is_string())
      invalid(p, profile, "`profile:` must be a string", "e.g. `profile: jaffle`");
    p.profile = v.get<std::string>();
  }
  return p;
}

Diagnostic package_jinja_warning(const Diagnostic& error) {
  Diagnostic d = error;
  d.severity = Severity::kWarning;
  d.code = "DBTPY271";
  d.message = "in an installed package, ignored (left unset): " + error.message;
  d.hint =
      "dbt evaluates this Jinja and dbtpy does not; if it matters for a Python model's "
      "parents, run `dbt parse` so dbtpy uses target/manifest.json";
  return d;
}

void render_dbt_project(DbtProjectFile& p, const profiles::JinjaValueContext& context,
                        std::vector<Diagnostic>& warnings, bool lenient) {
  for (auto& e : profiles::yaml_mapping_entries(p.raw, p.file, &warnings)) {
    const std::string& key = e.key;
    if (key == "vars") {
      profiles::YamlToJsonOptions keep;
      keep.file = p.file;
      keep.warnings = &warnings;
      Json v = profiles::yaml_to_json(e.value, keep);
      if (!v.is_null() && !v.is_object())
        invalid(p, e.value, "`vars:` must be a mapping", "e.g. `vars: {start_date: '2024-01-01'}`");
      p.vars = v.is_object() ? v : Json::object();
      continue;
    }
    if (key == "name" || key == "profile" || !should_render({key})) continue;
    auto render = [&] { return render_node(p, e.value, context, {key}, &warnings, lenient); };
    if (key == "model-paths" || key == "source-paths") {
      p.model_paths = string_list(p, e.value, render(), "model-paths");
    } else if (key == "seed-paths" || key == "data-paths") {
      p.seed_paths = string_list(p, e.value, render(), "seed-paths");
    } else if (key == "snapshot-paths") {
      p.snapshot_paths = string_list(p, e.value, render(), "snapshot-paths");
    } else if (key == "macro-paths") {
      p.macro_paths = string_list(p, e.value, render(), "macro-paths");
    } else if (key == "target-path" || key == "packages-install-path") {
      Json v = render();
      if (!v.is_string() || v.get<std::string>().empty()) {
        invalid(p, e.value, "`" + key + "` must be a folder name", "e.g. `" + key + ": target`");
      }
      (key == "target-path" ? p.target_path : p.packages_install_path) = v.get<std::string>();
    } else if (key == "flags" && !lenient) {
      Json v = render();
      if (!v.is_null() && !v.is_object())
        invalid(p, e.value, "`flags:` must be a mapping", "e.g. `flags: {partial_parse: false}`");
      auto it = v.is_object() ? v.find("partial_parse") : v.end();
      if (v.is_object() && it != v.end() && !it->is_null()) {
        if (!it->is_boolean()) {
          invalid(p, find(e.value, "partial_parse"),
                  "`flags: partial_parse:` must be true or false",
                  "write `partial_parse: false` (or true) under `flags:`");
        }
        p.partial_parse = it->get<bool>();
      }
    } else if (key == "quoting" || key == "models" || key == "seeds" || key == "snapshots" ||
               key == "sources") {
      Json v = render();
      if (v.is_null()) v = Json::object();
      if (!v.is_object()) {
        invalid(p, e.value, "`" + key + ":` must be a mapping",
                key == "quoting" ? "e.g. `quoting: {identifier: false}`"
                                 : "nest configs under the project name, e.g. `" + key + ": {" +
                                       p.name + ": {+schema: marts}}`");
      }
      if (key == "quoting") p.quoting = std::move(v);
      if (key == "models") p.models = std::move(v);
      if (key == "seeds") p.seeds = std::move(v);
      if (key == "snapshots") p.snapshots = std::move(v);
      if (key == "sources") p.sources = std::move(v);
    }
  }
}

std::vector<Json> project_config_layers(const Json& tree, const std::vector<std::string>& fqn,
                                        std::set<std::string>* visited) {
  std::vector<Json> layers;
  auto configs_of = [](const Json& level) { return level_configs(level); };
  if (!tree.is_object()) return layers;
  const Json* level = &tree;
  layers.push_back(configs_of(*level));
  std::string path;
  for (const auto& part : fqn) {
    auto it = level->find(part);
    if (it == level->end() || !it->is_object()) break;
    level = &*it;
    path += path.empty() ? part : "." + part;
    if (visited) visited->insert(path);
    layers.push_back(configs_of(*level));
  }
  return layers;
}

Json level_configs(const Json& level) {
  Json out = Json::object();
  for (auto it = level.begin(); it != level.end(); ++it) {
    const std::string& key = it.key();
    if (!key.empty() && key.front() == '+') {
      out[key] = *it;  // normalized by the merge
    } else if (!it->is_object()) {
      out[key] = *it;
    }
  }
  return out;
}

std::vector<std::string> config_tree_paths(const Json& tree, const std::string& prefix) {
  std::vector<std::string> out;
  if (!tree.is_object()) return out;
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    const std::string& key = it.key();
    if (!key.empty() && key.front() != '+' && it->is_object())
      collect_config_paths(*it, prefix.empty() ? key : prefix + "." + key, out);
  }
  return out;
}

}  // namespace dbtpy::compiler
