#include "compiler/ref_resolver.h"

#include <algorithm>
#include <set>

#include "util/strings.h"

namespace dbtpy::compiler {
namespace {

std::string did_you_mean(const std::string& wanted, const std::vector<std::string>& names,
                         const std::string& fallback) {
  auto close = closest_names(wanted, names);
  if (close.empty()) return fallback;
  std::vector<std::string> quoted;
  for (const auto& c : close)
    quoted.push_back("'" + c + "'");
  return "did you mean " + join(quoted, " or ") + "?";
}

}  // namespace

RefResolver::RefResolver(const std::vector<Node>& nodes, std::string root_project,
                         std::vector<DisabledNode> disabled)
    : nodes_(nodes), root_(std::move(root_project)), disabled_(std::move(disabled)) {
  std::set<std::string_view> packages;
  refable_.reserve(nodes.size());
  auto map_of = [&](const Node& n) -> auto& {
    return n.kind == NodeKind::kSource ? sources_ : refable_;
  };
  // Count per name (names enter the maps in node order, as they always did: the order of
  // suggestions depends on it), give each name its run, then fill the runs in node order.
  for (const Node& n : nodes) {
    packages.insert(n.package_name);
    ++map_of(n)[n.name].count;
  }
  uint32_t next = 0;
  for (auto* map : {&refable_, &sources_}) {
    for (auto& [name, range] : *map) {
      range.first = next;
      next += range.count;
      range.count = 0;
    }
  }
  indices_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    Range& range = map_of(nodes[i]).find(nodes[i].name)->second;
    indices_[range.first + range.count++] = i;
  }
  packages_.push_back(root_);
  for (const auto& p : packages)
    if (p != root_) packages_.emplace_back(p);
}

void RefResolver::collect_names() const {
  std::call_once(names_once_, [this] {
    refable_names_.reserve(refable_.size());
    for (const auto& [name, indices] : refable_)
      refable_names_.emplace_back(name);
    std::set<std::string> sources;
    for (const auto& [table, range] : sources_)
      for (size_t i : indices_of(range))
        sources.insert(nodes_[i].source_name + "." + nodes_[i].name);
    source_names_.assign(sources.begin(), sources.end());
  });
}

template <typename Fn>
void RefResolver::for_each_package(const std::optional<std::string>& package,
                                   const std::string& from_package, Fn&& fn) const {
  if (package) {
    fn(*package);
    return;
  }
  if (fn(root_)) return;
  if (from_package != root_ && fn(from_package)) return;
  for (const auto& p : packages_)
    if (p != root_ && p != from_package && fn(p)) return;
}

Resolution RefResolver::ref(const std::string& name, const std::optional<std::string>& package,
                            const std::optional<std::string>& version,
                            const std::string& from_package) const {
  Resolution r;
  // The package whose nodes named `name` the ref means; its candidates are those of
  // `by_name` in that package.
  const std::string* found = nullptr;
  std::span<const size_t> candidates;
  auto by_name = refable_.find(name);
  if (by_name != refable_.end()) {
    candidates = indices_of(by_name->second);
    for_each_package(package, from_package, [&](const std::string& pkg) {
      for (size_t i : candidates)
        if (nodes_[i].package_name == pkg) {
          found = &pkg;
          return true;
        }
      return false;
    });
  }
  auto shown = [&] { return package ? *package + "." + name : name; };
  if (!found) {
    for (const auto& d : disabled_) {
      if (d.kind != NodeKind::kSource && d.name == name &&
          (!package || d.package_name == *package)) {
        r.code = "DBTPY232";
        r.message = "ref to '" + shown() + "', which is disabled";
        r.hint = "enable it (`enabled: true`) or remove the ref";
        return r;
      }
    }
    if (package && std::find(packages_.begin(), packages_.end(), *package) == packages_.end()) {
      r.code = "DBTPY230";
      r.message = "ref to '" + shown() + "': no package named '" + *package + "' is installed";
      r.hint =
          did_you_mean(*package, packages_,
                       "run `dbt deps` to install packages; installed: " + join(packages_, ", "));
      return r;
    }
    collect_names();
    r.code = "DBTPY230";
    r.message = "ref to '" + shown() + "', which is not a model, seed or snapshot of this project";
    r.hint = did_you_mean(name, refable_names_,
                          "check the name; `dbtpy ls --select resource_type:model` lists nodes");
    return r;
  }
  auto in_found = [&](size_t i) { return nodes_[i].package_name == *found; };
  // A versioned model: pick the requested version, else the latest.
  size_t pick = *std::find_if(candidates.begin(), candidates.end(), in_found);
  bool versioned = nodes_[pick].version.has_value();
  if (versioned) {
    std::optional<size_t> match;
    std::vector<std::string> available;
    for (size_t i : candidates) {
      if (!in_found(i)) continue;
      const Node& n = nodes_[i];
      if (n.version) available.push_back(*n.version);
      if (version ? (n.version && *n.version == *version) : n.is_latest_version) match = i;
    }
    if (!match) {
      r.code = "DBTPY234";
      r.message = "ref to '" + shown() + "' version " + version.value_or("(latest)") +
                  ", which does not exist";
      r.hint = "available versions: " + join(available, ", ");
      return r;
    }
    pick = *match;
  } else if (version) {
    r.code = "DBTPY234";
    r.message =
        "ref to '" + shown() + "' version " + *version + ", but '" + name + "' is not versioned";
    r.hint = "drop the version argument, or declare `versions:` for the model in a properties file";
    return r;
  }
  const Node& n = nodes_[pick];
  if (n.kind == NodeKind::kModel && n.python_model < 0) {
    auto mat = n.config.values.find("materialized");
    if (mat != n.config.values.end() && *mat == "ephemeral") {
      r.code = "DBTPY233";
      r.message = "ref to '" + shown() +
                  "', an ephemeral model: Python models cannot reference "
                  "ephemeral models (dbt cannot inline them into Python)";
      r.hint = "materialize '" + name + "' as a view or table";
      return r;
    }
  }
  r.node = pick;
  return r;
}

Resolution RefResolver::source(const std::string& source_name, const std::string& table_name,
                               const std::string& from_package) const {
  Resolution r;
  auto by_table = sources_.find(table_name);
  if (by_table != sources_.end()) {
    for_each_package(std::nullopt, from_package, [&](const std::string& pkg) {
      for (size_t i : indices_of(by_table->second)) {
        const Node& n = nodes_[i];
        if (n.source_name == source_name && n.package_name == pkg) {
          r.node = i;
          return true;
        }
      }
      return false;
    });
    if (r.node) return r;
  }
  const std::string key = source_name + "." + table_name;
  for (const auto& d : disabled_) {
    if (d.kind == NodeKind::kSource && d.source_name == source_name && d.name == table_name) {
      r.code = "DBTPY232";
      r.message = "source '" + key + "' is disabled";
      r.hint = "enable it in its properties file or remove the dbt.source() call";
      return r;
    }
  }
  collect_names();
  r.code = "DBTPY231";
  r.message = "source '" + key + "' is not declared in any properties file";
  bool known_source = false;
  for (const auto& s : source_names_)
    if (s.starts_with(source_name + ".")) known_source = true;
  std::string fallback = known_source ? "add table '" + table_name + "' to source '" + source_name +
                                            "' in its properties file"
                                      : "declare it under `sources:` in a properties file";
  r.hint = did_you_mean(key, source_names_, fallback);
  return r;
}

}  // namespace dbtpy::compiler
