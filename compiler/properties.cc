#include "compiler/properties.h"

#include "compiler/dbt_project.h"
#include "profiles/jinja_expr.h"
#include "profiles/yaml_tree.h"
#include "util/error.h"
#include "util/fs.h"

namespace dbtpy::compiler {
using profiles::YamlKeypath;
using profiles::YamlTree;

namespace {

class Reader {
 public:
  Reader(std::string file, const profiles::JinjaValueContext& ctx, std::vector<Diagnostic>& out,
         bool lenient)
      : file_(std::move(file)), ctx_(ctx), out_(out), lenient_(lenient) {}

  void problem(const YamlTree& node, std::string message, std::string hint,
               const char* code = "DBTPY220") {
    Diagnostic d;
    d.code = code;
    d.file = file_;
    d.line = node.line;
    d.column = node.column;
    d.message = std::move(message);
    d.hint = std::move(hint);
    out_.push_back(std::move(d));
  }

  // Renders a value (strings anywhere inside it), leaving hooks unrendered.
  Json render(const YamlTree& node, const std::string& key) {
    profiles::YamlTreeToJsonOptions opts;
    opts.should_render = [](const YamlKeypath& path) {
      for (const auto& p : path) {
        if (p == "pre-hook" || p == "post-hook" || p == "pre_hook" || p == "post_hook" ||
            p == "+pre-hook" || p == "+post-hook")
          return false;
      }
      return true;
    };
    opts.render = [&](const std::string& text, const YamlTree& n, const YamlKeypath& path) {
      profiles::ValueSite site{file_, n.line, n.column, path.empty() ? key : path.back()};
      if (!lenient_) return profiles::render_jinja_value(text, ctx_, site);
      try {
        return profiles::render_jinja_value(text, ctx_, site);
      } catch (const Error& e) {
        out_.push_back(package_jinja_warning(e.diagnostics().at(0)));
        return Json(nullptr);
      }
    };
    return profiles::yaml_tree_to_json(node, opts);
  }

  // A rendered scalar that must be a string (numbers are converted as Python's str()).
  std::optional<std::string> string_of(const YamlTree& node, const std::string& key) {
    Json v = render(node, key);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return profiles::python_str(v);
    if (v.is_null()) return std::nullopt;
    problem(node, "`" + key + "` must be a string", "write a plain value, e.g. `" + key + ": x`");
    return std::nullopt;
  }

  Json config_of(const YamlTree& node) {
    if (node.is_null()) return Json::object();
    if (!node.is_mapping()) {
      problem(node, "`config:` must be a mapping", "e.g. `config: {materialized: table}`");
      return Json::object();
    }
    return render(node, "config");
  }

  std::optional<NodeEntry> node_entry(const YamlTree& item, const char* section) {
    if (!item.is_mapping()) {
      problem(item, std::string("each entry under `") + section + ":` must be a mapping",
              "start each entry with `- name: <name>`");
      return std::nullopt;
    }
    NodeEntry e;
    e.file = file_;
    e.line = item.line;
    e.column = item.column;
    Json legacy = Json::object();
    bool has_name = false;
    for (const auto& [entry_key, value] : item.entries) {
      const std::string& k = entry_key.key;
      try {
        if (k == "name") {
          if (auto n = string_of(value, "name")) {
            e.name = *n;
            has_name = !n->empty();
          }
        } else if (k == "description") {
          if (value.is_scalar()) e.description = value.scalar;
        } else if (k == "config") {
          e.config = config_of(value);
        } else if (k == "meta" || k == "docs" || k == "access" || k == "group") {
          legacy[k] = render(value, k);
        } else if (k == "latest_version") {
          Json v = render(value, k);
          if (!v.is_null()) e.latest_version = profiles::python_str(v);
        } else if (k == "versions") {
          versions(value, e);
        } else if (k == "relation") {
          relation(value, e);
        }
      } catch (const Error& err) {
        for (const auto& d : err.diagnostics())
          out_.push_back(d);
      }
    }
    if (!has_name) {
      problem(item, std::string("an entry under `") + section + ":` has no `name:`",
              "add `name: <node name>`");
      return std::nullopt;
    }
    // Top-level meta/docs/access/group are the older spelling of the same configs; `config:`
    // wins when both are present (meta is merged key by key).
    for (auto it = legacy.begin(); it != legacy.end(); ++it) {
      if (it.key() == "meta" && it->is_object()) {
        Json merged = *it;
        if (e.config.contains("meta") && e.config["meta"].is_object()) {
          for (auto m = e.config["meta"].begin(); m != e.config["meta"].end(); ++m)
            merged[m.key()] = *m;
        }
        e.config["meta"] = std::move(merged);
      } else if (!e.config.contains(it.key())) {
        e.config[it.key()] = *it;
      }
    }
    return e;
  }

  void versions(const YamlTree& node, NodeEntry& e) {
    if (!node.is_sequence()) {
      problem(node, "`versions:` must be a list", "e.g. `versions: [{v: 1}, {v: 2}]`");
      return;
    }
    for (const auto& item : node.items) {
      if (!item.is_mapping()) {
        problem(item, "each entry under `versions:` must be a mapping", "e.g. `- v: 2`");
        continue;
      }
      VersionEntry ve;
      ve.line = item.line;
      bool has_v = false;
      for (const auto& [vk, vv] : item.entries) {
        if (vk.key == "v") {
          Json v = render(vv, "v");
          if (v.is_string() || v.is_number()) {
            ve.v = profiles::python_str(v);
            has_v = !ve.v.empty();
          }
        } else if (vk.key == "config") {
          ve.config = config_of(vv);
        } else if (vk.key == "defined_in") {
          ve.defined_in = string_of(vv, "defined_in");
        }
      }
      if (!has_v) {
        problem(item, "a version of model '" + e.name + "' has no `v:`",
                "give each version a number or string: `- v: 2`");
        continue;
      }
      e.versions.push_back(std::move(ve));
    }
  }

  void relation(const YamlTree& node, NodeEntry& e) {
    auto text = string_of(node, "relation");
    if (!text) return;
    auto parsed = profiles::parse_jinja_expression(*text);
    bool ok = false;
    if (parsed.expr && parsed.expr->kind == profiles::JinjaExpr::Kind::kCall &&
        parsed.expr->children[0].kind == profiles::JinjaExpr::Kind::kName) {
      const std::string& fn = parsed.expr->children[0].name;
      std::vector<std::string> args;
      for (const auto& a : parsed.expr->args) {
        auto v = profiles::jinja_literal_value(a);
        if (v && v->is_string()) args.push_back(v->get<std::string>());
      }
      if (fn == "ref" && (args.size() == 1 || args.size() == 2) &&
          args.size() == parsed.expr->args.size()) {
        e.relation_ref_name = args.back();
        if (args.size() == 2) e.relation_ref_package = args[0];
        ok = true;
      } else if (fn == "source" && args.size() == 2 && parsed.expr->args.size() == 2) {
        e.relation_source = std::make_pair(args[0], args[1]);
        ok = true;
      }
    }
    if (!ok) {
      problem(node,
              "`relation:` must be ref('model') or source('source', 'table'), got '" + *text + "'",
              "e.g. `relation: ref('orders')`");
    }
  }

  std::optional<SourceEntry> source_entry(const YamlTree& item) {
    if (!item.is_mapping()) {
      problem(item, "each entry under `sources:` must be a mapping",
              "start each entry with `- name: <source name>`");
      return std::nullopt;
    }
    SourceEntry s;
    s.file = file_;
    s.line = item.line;
    const YamlTree* tables = nullptr;
    for (const auto& [entry_key, value] : item.entries) {
      const std::string& k = entry_key.key;
      try {
        if (k == "name") {
          s.name = string_of(value, "name").value_or("");
        } else if (k == "database" || k == "project" || k == "catalog") {
          s.database = string_of(value, k);
        } else if (k == "schema" || k == "dataset") {
          s.schema = string_of(value, k);
        } else if (k == "quoting") {
          s.quoting = render(value, k);
        } else if (k == "config") {
          s.config = config_of(value);
        } else if (k == "description") {
          if (value.is_scalar()) s.description = value.scalar;
        } else if (k == "tables") {
          tables = &value;
        }
      } catch (const Error& err) {
        for (const auto& d : err.diagnostics())
          out_.push_back(d);
      }
    }
    if (s.name.empty()) {
      problem(item, "a source has no `name:`", "add `name: <source name>`");
      return std::nullopt;
    }
    if (!tables) return s;
    if (!tables->is_null() && !tables->is_sequence()) {
      problem(*tables, "`tables:` of source '" + s.name + "' must be a list",
              "e.g. `tables: [{name: orders}]`");
      return s;
    }
    for (const auto& t : tables->items) {
      if (!t.is_mapping()) {
        problem(t, "each table of source '" + s.name + "' must be a mapping",
                "start each table with `- name: <table>`");
        continue;
      }
      SourceTableEntry te;
      te.line = t.line;
      for (const auto& [tk, tv] : t.entries) {
        try {
          if (tk.key == "name") {
            te.name = string_of(tv, "name").value_or("");
          } else if (tk.key == "identifier") {
            te.identifier = string_of(tv, "identifier").value_or("");
          } else if (tk.key == "quoting") {
            te.quoting = render(tv, "quoting");
          } else if (tk.key == "config") {
            te.config = config_of(tv);
          } else if (tk.key == "description") {
            if (tv.is_scalar()) te.description = tv.scalar;
          }
        } catch (const Error& err) {
          for (const auto& d : err.diagnostics())
            out_.push_back(d);
        }
      }
      if (te.name.empty()) {
        problem(t, "a table of source '" + s.name + "' has no `name:`", "add `name: <table>`");
        continue;
      }
      if (te.identifier.empty()) te.identifier = te.name;
      s.tables.push_back(std::move(te));
    }
    return s;
  }

 private:
  std::string file_;
  const profiles::JinjaValueContext& ctx_;
  std::vector<Diagnostic>& out_;
  bool lenient_ = false;
};

PropertiesFile parse_root(const YamlTree& root, const std::string& display,
                          const profiles::JinjaValueContext& context,
                          std::vector<Diagnostic>& diagnostics, bool lenient) {
  PropertiesFile out;
  out.file = display;
  if (root.is_null()) return out;
  Reader r(display, context, diagnostics, lenient);
  if (!root.is_mapping()) {
    r.problem(root, "a properties file must be a mapping (e.g. `models:` and `sources:`)",
              "start the file with `version: 2` and `models:`");
    return out;
  }
  for (const auto& [key, value] : root.entries) {
    const std::string& k = key.key;
    bool node_list = k == "models" || k == "seeds" || k == "snapshots";
    if (!node_list && k != "sources") continue;
    if (value.is_null()) continue;
    if (!value.is_sequence()) {
      r.problem(value, "`" + k + ":` must be a list", "start each entry with `- name: ...`");
      continue;
    }
    for (const auto& item : value.items) {
      if (k == "sources") {
        if (auto s = r.source_entry(item)) out.sources.push_back(std::move(*s));
      } else if (auto n = r.node_entry(item, k.c_str())) {
        (k == "models"  ? out.models
         : k == "seeds" ? out.seeds
                        : out.snapshots)
            .push_back(std::move(*n));
      }
    }
  }
  return out;
}

}  // namespace

PropertiesFile parse_properties_text(std::string_view text, const std::string& display,
                                     const profiles::JinjaValueContext& context,
                                     std::vector<Diagnostic>& diagnostics, bool lenient) {
  YamlTree root;
  try {
    root = profiles::load_yaml_tree(text, display, &diagnostics);
  } catch (const Error& e) {
    for (const auto& d : e.diagnostics())
      diagnostics.push_back(d);
    PropertiesFile empty;
    empty.file = display;
    return empty;
  }
  return parse_root(root, display, context, diagnostics, lenient);
}

PropertiesFile parse_properties(const std::filesystem::path& path, const std::string& display,
                                const profiles::JinjaValueContext& context,
                                std::vector<Diagnostic>& diagnostics) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "DBTPY201";
    d.file = display;
    d.message = e.what();
    d.hint = "check that the file exists and is readable";
    diagnostics.push_back(std::move(d));
    PropertiesFile empty;
    empty.file = display;
    return empty;
  }
  return parse_properties_text(text, display, context, diagnostics);
}

}  // namespace dbtpy::compiler
