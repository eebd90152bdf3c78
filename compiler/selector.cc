#include "compiler/selector.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "compiler/config_merge.h"
#include "profiles/jinja_value.h"
#include "util/error.h"
#include "util/strings.h"

namespace dbtpy::compiler {
namespace {

constexpr std::string_view kMethods[] = {"fqn",     "tag",    "path",   "file",
                                         "package", "config", "source", "resource_type",
                                         "group",   "access", "version"};

[[noreturn]] void bad(std::string message, std::string hint) {
  throw_usage_error("DBTPY250", std::move(message), std::move(hint));
}

// Matches one [..] class at pattern[p] ('[' included) against c; sets *next past the class.
// Returns nullopt when the bracket is not a valid class (then '[' is literal, as in Python).
std::optional<bool> match_class(std::string_view pat, size_t p, char c, size_t* next) {
  size_t i = p + 1;
  bool negate = false;
  if (i < pat.size() && pat[i] == '!') {
    negate = true;
    ++i;
  }
  size_t start = i;
  bool matched = false;
  while (i < pat.size() && (pat[i] != ']' || i == start)) {
    char lo = pat[i];
    if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
      char hi = pat[i + 2];
      if (lo <= c && c <= hi) matched = true;
      i += 3;
    } else {
      if (lo == c) matched = true;
      ++i;
    }
  }
  if (i >= pat.size()) return std::nullopt;
  *next = i + 1;
  return matched != negate;
}

bool fnmatch_at(std::string_view pat, size_t p, std::string_view text, size_t t) {
  while (p < pat.size()) {
    char pc = pat[p];
    if (pc == '*') {
      while (p < pat.size() && pat[p] == '*')
        ++p;
      if (p == pat.size()) return true;
      for (size_t k = t; k <= text.size(); ++k)
        if (fnmatch_at(pat, p, text, k)) return true;
      return false;
    }
    if (t >= text.size()) return false;
    if (pc == '?') {
      ++p;
      ++t;
      continue;
    }
    if (pc == '[') {
      size_t next = 0;
      auto m = match_class(pat, p, text[t], &next);
      if (m) {
        if (!*m) return false;
        p = next;
        ++t;
        continue;
      }
    }
    if (pc != text[t]) return false;
    ++p;
    ++t;
  }
  return t == text.size();
}

bool has_wildcard(std::string_view s) {
  return s.find_first_of("*?[]") != std::string_view::npos;
}

// dbt's qualified-name match of a selector against an fqn (package included or not).
bool fqn_selected(const std::vector<std::string>& fqn, std::string_view selector,
                  bool is_versioned) {
  if (fqn.empty()) return false;
  std::vector<std::string> sel = split(selector, '.');
  if (is_versioned) {
    if (fqn.size() >= 2) {
      if (fqn[fqn.size() - 2] == selector) return true;
      std::string tail = fqn[fqn.size() - 2] + "_" + fqn.back();
      std::string sel_tail = sel.size() >= 2 ? sel[sel.size() - 2] + "_" + sel.back() : sel.back();
      if (tail == sel_tail) return true;
    }
  } else if (fqn.back() == selector) {
    return true;
  }
  std::vector<std::string> flat;
  for (const auto& segment : fqn)
    for (auto& part : split(segment, '.'))
      flat.push_back(std::move(part));
  if (flat.size() < sel.size()) return false;
  for (size_t i = 0; i < sel.size(); ++i) {
    if (has_wildcard(sel[i])) {
      std::vector<std::string> rest_fqn(flat.begin() + static_cast<long>(i), flat.end());
      std::vector<std::string> rest_sel(sel.begin() + static_cast<long>(i), sel.end());
      return fnmatch(join(rest_sel, "."), join(rest_fqn, "."));
    }
    if (flat[i] != sel[i]) return false;
  }
  return true;
}

// pathlib-style glob of `pattern` components against the first components of a path.
bool glob_components(const std::vector<std::string>& pat, size_t p,
                     const std::vector<std::string>& path, size_t k, size_t end) {
  if (p == pat.size()) return k == end;
  if (pat[p] == "**") {
    for (size_t j = k; j <= end; ++j)
      if (glob_components(pat, p + 1, path, j, end)) return true;
    return false;
  }
  if (k >= end) return false;
  if (!fnmatch(pat[p], path[k])) return false;
  return glob_components(pat, p + 1, path, k + 1, end);
}

std::vector<std::string> path_parts(std::string_view p) {
  std::vector<std::string> out;
  for (auto& part : split(p, '/')) {
    if (part.empty() || part == ".") continue;
    out.push_back(std::move(part));
  }
  return out;
}

// A node matches a path selector when the selector names its file or one of its folders.
bool path_selected(std::string_view node_path, const std::vector<std::string>& pattern) {
  if (node_path.empty() || pattern.empty()) return false;
  std::vector<std::string> parts = path_parts(node_path);
  for (size_t end = 1; end <= parts.size(); ++end)
    if (glob_components(pattern, 0, parts, 0, end)) return true;
  return false;
}

bool config_value_matches(const Json& value, const std::string& selector) {
  std::string lower = to_lower(selector);
  auto scalar_match = [&](const Json& v) {
    if (v.is_string()) return v.get<std::string>() == selector;
    if (v.is_boolean())
      return (lower == "true" && v.get<bool>()) || (lower == "false" && !v.get<bool>());
    if (v.is_number()) return profiles::python_str(v) == selector;
    return false;
  };
  if (value.is_array()) {
    for (const auto& v : value)
      if (scalar_match(v)) return true;
    return false;
  }
  return scalar_match(value);
}

std::vector<std::string> tags_of(const Project& project, const Node& node) {
  std::vector<std::string> out;
  const ResolvedConfig cfg = project.config_of(node);
  auto it = cfg.values.find("tags");
  if (it == cfg.values.end()) return out;
  for (const auto& t : (it->is_array() ? *it : Json::array({*it})))
    if (t.is_string()) out.push_back(t.get<std::string>());
  return out;
}

// Numeric comparison of versions when both are numbers, else as strings (dbt does the same).
int compare_versions(const std::string& a, const std::string& b) {
  char* ea = nullptr;
  char* eb = nullptr;
  double da = std::strtod(a.c_str(), &ea);
  double db = std::strtod(b.c_str(), &eb);
  if (ea && *ea == '\0' && eb && *eb == '\0' && !a.empty() && !b.empty())
    return da < db ? -1 : da > db ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

bool method_matches(const Project& project, const Node& node, const SelectorAtom& atom,
                    const std::vector<std::string>& path_pattern,
                    const std::map<std::string, std::string>& latest_versions) {
  const std::string& m = atom.method;
  const std::string& v = atom.value;
  if (m == "fqn") {
    if (node.kind == NodeKind::kSource) return false;
    bool versioned = node.version.has_value();
    if (fqn_selected(node.fqn, v, versioned)) return true;
    std::vector<std::string> unscoped(node.fqn.begin() + (node.fqn.empty() ? 0 : 1),
                                      node.fqn.end());
    return !unscoped.empty() && fqn_selected(unscoped, v, versioned);
  }
  if (m == "tag") {
    for (const auto& t : tags_of(project, node))
      if (fnmatch(v, t)) return true;
    return false;
  }
  if (m == "path") {
    return path_selected(node.original_file_path, path_pattern) ||
           path_selected(node.patch_path, path_pattern);
  }
  if (m == "file") {
    std::string_view p = node.original_file_path;
    std::string_view name = p.substr(p.rfind('/') == std::string_view::npos ? 0 : p.rfind('/') + 1);
    std::string_view stem = name.substr(0, name.rfind('.'));
    return fnmatch(v, name) || fnmatch(v, stem);
  }
  if (m == "package") {
    std::string pkg = v == "this" ? project.name : v;
    return fnmatch(pkg, node.package_name);
  }
  if (m == "resource_type") return node_kind_name(node.kind) == v;
  if (m == "source") {
    if (node.kind != NodeKind::kSource) return false;
    std::vector<std::string> parts = split(v, '.');
    std::string pkg = "*", src, table = "*";
    if (parts.size() == 1) {
      src = parts[0];
    } else if (parts.size() == 2) {
      src = parts[0];
      table = parts[1];
    } else {
      pkg = parts[0];
      src = parts[1];
      table = parts[2];
    }
    return fnmatch(pkg, node.package_name) && fnmatch(src, node.source_name) &&
           fnmatch(table, node.name);
  }
  if (m == "config" || m == "group" || m == "access") {
    Json cfg = node.kind == NodeKind::kSource ? project.config_of(node).values
                                              : config_with_defaults(project.config_of(node));
    const Json* cur = &cfg;
    std::vector<std::string> args = m == "config" ? atom.method_args : std::vector<std::string>{m};
    for (const auto& a : args) {
      if (!cur->is_object()) return false;
      auto it = cur->find(a);
      if (it == cur->end()) return false;
      cur = &*it;
    }
    return config_value_matches(*cur, v);
  }
  if (m == "version") {
    if (node.kind != NodeKind::kModel) return false;
    if (v == "none") return !node.version;
    if (!node.version) return false;
    if (v == "latest") return node.is_latest_version;
    auto latest = latest_versions.find(node.package_name + "." + node.name);
    if (latest == latest_versions.end()) return false;
    int c = compare_versions(*node.version, latest->second);
    if (v == "old") return c < 0;
    if (v == "prerelease") return c > 0;
    return false;
  }
  return false;
}

const std::set<std::string>& resource_types() {
  static const std::set<std::string> kTypes = {
      "model",     "seed",     "snapshot",  "source",         "test",
      "analysis",  "exposure", "metric",    "semantic_model", "saved_query",
      "unit_test", "function", "operation", "sql_operation",  "rpc",
      "docs",      "macro",    "group"};
  return kTypes;
}

std::vector<size_t> expand(const Project& project, std::vector<size_t> base,
                           const SelectorAtom& atom) {
  std::set<size_t> out(base.begin(), base.end());
  auto depth = [](int d) { return d < 0 ? std::nullopt : std::optional<int>(d); };
  if (atom.childrens_parents) {
    std::set<size_t> with_children(base.begin(), base.end());
    for (size_t n : base)
      for (size_t c : project.dag.descendants(n))
        with_children.insert(c);
    out.insert(with_children.begin(), with_children.end());
    for (size_t n : with_children)
      for (size_t p : project.dag.ancestors(n))
        out.insert(p);
  } else {
    for (size_t n : base) {
      if (atom.parents)
        for (size_t p : project.dag.ancestors(n, depth(*atom.parents)))
          out.insert(p);
      if (atom.children)
        for (size_t c : project.dag.descendants(n, depth(*atom.children)))
          out.insert(c);
    }
  }
  return {out.begin(), out.end()};
}

std::vector<size_t> select_union(const Project& project, const std::vector<std::string>& values,
                                 std::vector<Diagnostic>* warnings) {
  std::set<size_t> result;
  for (const auto& value : values) {
    for (const auto& component : split(value, ' ')) {
      std::string_view c = trim(component);
      if (c.empty()) continue;
      std::vector<size_t> inter;
      bool first = true;
      for (const auto& atom_text : split(c, ',')) {
        if (trim(atom_text).empty())
          bad("empty selector in '" + std::string(c) + "'", "remove the extra comma");
        SelectorAtom atom = parse_selector_atom(trim(atom_text));
        std::vector<size_t> sel = select_atom(project, atom);
        if (first) {
          inter = std::move(sel);
          first = false;
        } else {
          std::vector<size_t> both;
          std::set_intersection(inter.begin(), inter.end(), sel.begin(), sel.end(),
                                std::back_inserter(both));
          inter = std::move(both);
        }
      }
      if (inter.empty() && warnings) {
        Diagnostic d;
        d.severity = Severity::kWarning;
        d.code = "DBTPY251";
        d.message =
            "the selection criterion '" + std::string(c) + "' does not match any enabled nodes";
        d.hint = "check the spelling; `dbtpy ls` lists the Python models";
        warnings->push_back(std::move(d));
      }
      result.insert(inter.begin(), inter.end());
    }
  }
  return {result.begin(), result.end()};
}

}  // namespace

bool fnmatch(std::string_view pattern, std::string_view text) {
  return fnmatch_at(pattern, 0, text, 0);
}

SelectorAtom parse_selector_atom(std::string_view text) {
  SelectorAtom a;
  a.raw = std::string(text);
  std::string_view s = text;
  if (!s.empty() && s.front() == '@') {
    a.childrens_parents = true;
    s.remove_prefix(1);
  }
  // Leading N+ (digits then '+').
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits])))
    ++digits;
  if (digits < s.size() && s[digits] == '+') {
    a.parents = digits == 0 ? -1 : std::stoi(std::string(s.substr(0, digits)));
    s.remove_prefix(digits + 1);
  }
  // Trailing +N.
  size_t plus = s.rfind('+');
  if (plus != std::string_view::npos) {
    std::string_view tail = s.substr(plus + 1);
    if (std::all_of(tail.begin(), tail.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      a.children = tail.empty() ? -1 : std::stoi(std::string(tail));
      s = s.substr(0, plus);
    }
  }
  if (a.childrens_parents && a.parents) {
    bad("invalid selector '" + a.raw + "': the '@' and '+' prefixes cannot be combined",
        "use '@" + std::string(s) + "' or '+" + std::string(s) + "'");
  }
  size_t colon = s.find(':');
  std::string method_part;
  if (colon != std::string_view::npos) {
    method_part = std::string(s.substr(0, colon));
    a.value = std::string(s.substr(colon + 1));
    std::vector<std::string> parts = split(method_part, '.');
    a.method = parts[0];
    a.method_args.assign(parts.begin() + 1, parts.end());
    if (std::find(std::begin(kMethods), std::end(kMethods), a.method) == std::end(kMethods)) {
      std::vector<std::string> names(std::begin(kMethods), std::end(kMethods));
      auto close = closest_names(a.method, names);
      bad("unknown selection method '" + a.method + "' in '" + a.raw + "'",
          close.empty() ? "methods: " + join(names, ", ")
                        : "did you mean '" + close.front() + ":'? methods: " + join(names, ", "));
    }
    if (a.method == "config" && a.method_args.empty()) {
      bad("selector '" + a.raw + "' needs a config key: config.KEY:VALUE",
          "e.g. config.materialized:incremental");
    }
  } else {
    a.value = std::string(s);
    if (a.value.find('/') != std::string::npos) {
      a.method = "path";
    } else {
      std::string lower = to_lower(a.value);
      bool is_file = lower.ends_with(".sql") || lower.ends_with(".py") || lower.ends_with(".csv");
      a.method = is_file ? "file" : "fqn";
    }
  }
  if (a.value.empty())
    bad("selector '" + a.raw + "' has no value", "e.g. tag:nightly or my_model+");
  if (a.method == "resource_type" && !resource_types().count(a.value)) {
    bad("invalid resource_type selector '" + a.value + "'",
        "resource types: model, seed, snapshot, source, test, analysis, exposure, ...");
  }
  if (a.method == "source" && split(a.value, '.').size() > 3) {
    bad("invalid source selector value '" + a.value + "'",
        "sources are selected as source:SOURCE, source:SOURCE.TABLE or "
        "source:PACKAGE.SOURCE.TABLE");
  }
  if (a.method == "version" && a.value != "latest" && a.value != "old" && a.value != "prerelease" &&
      a.value != "none") {
    bad("invalid version selector '" + a.value + "'",
        "use version:latest, old, prerelease or none");
  }
  return a;
}

std::vector<size_t> select_atom(const Project& project, const SelectorAtom& atom) {
  std::vector<std::string> path_pattern;
  if (atom.method == "path") path_pattern = path_parts(atom.value);
  std::map<std::string, std::string> latest_versions;
  if (atom.method == "version") {
    for (const auto& n : project.nodes)
      if (n.version && n.is_latest_version)
        latest_versions[n.package_name + "." + n.name] = *n.version;
  }
  std::vector<size_t> base;
  for (size_t i = 0; i < project.nodes.size(); ++i) {
    if (method_matches(project, project.nodes[i], atom, path_pattern, latest_versions))
      base.push_back(i);
  }
  if (!atom.childrens_parents && !atom.parents && !atom.children) return base;
  return expand(project, std::move(base), atom);
}

std::vector<size_t> select_nodes(const Project& project, const std::vector<std::string>& select,
                                 const std::vector<std::string>& exclude,
                                 std::vector<Diagnostic>* warnings) {
  std::vector<size_t> selected;
  bool any_select = false;
  for (const auto& s : select)
    if (!trim(s).empty()) any_select = true;
  if (any_select) {
    selected = select_union(project, select, warnings);
  } else {
    selected.resize(project.nodes.size());
    for (size_t i = 0; i < selected.size(); ++i)
      selected[i] = i;
  }
  if (exclude.empty()) return selected;
  std::vector<size_t> excluded = select_union(project, exclude, nullptr);
  std::vector<size_t> out;
  std::set_difference(selected.begin(), selected.end(), excluded.begin(), excluded.end(),
                      std::back_inserter(out));
  return out;
}

}  // namespace dbtpy::compiler
