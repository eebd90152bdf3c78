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

namespace {

size_t table_size_for(size_t names) {
  size_t size = 16;
  while (size < names * 2)
    size *= 2;
  return size;
}

}  // namespace

RefResolver::RefResolver(const std::vector<Node>& nodes, std::string root_project,
                         std::vector<DisabledNode> disabled)
    : nodes_(nodes), root_(std::move(root_project)), disabled_(std::move(disabled)) {
  // Package ids: the root first, then the other packages by name (dbt's "any package" order).
  packages_.push_back(root_);
  std::vector<uint32_t> package_of_node(nodes.size());
  {
    std::vector<std::string_view> others;
    for (const Node& n : nodes)
      if (n.package_name != root_ &&
          std::find(others.begin(), others.end(), n.package_name) == others.end())
        others.push_back(n.package_name);
    std::sort(others.begin(), others.end());
    for (auto p : others)
      packages_.emplace_back(p);
    std::string_view last;
    uint32_t last_id = 0;
    bool have_last = false;
    for (size_t i = 0; i < nodes.size(); ++i) {
      std::string_view p = nodes[i].package_name;
      if (!have_last || p != last) {
        last = p;
        last_id = static_cast<uint32_t>(package_id(p));
        have_last = true;
      }
      package_of_node[i] = last_id;
    }
  }
  size_t source_count = 0;
  for (const Node& n : nodes)
    if (n.kind == NodeKind::kSource) ++source_count;
  refable_.slots.resize(table_size_for(nodes.size() - source_count));
  sources_.slots.resize(table_size_for(source_count));
  // Each node's slot, found once: counted first, then every name gets its run of indices_,
  // filled in node order.
  std::vector<uint32_t> slot_of(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    Table& table = n.kind == NodeKind::kSource ? sources_ : refable_;
    const uint64_t hash = std::hash<std::string_view>{}(n.name);
    const size_t mask = table.slots.size() - 1;
    size_t at = hash & mask;
    while (table.slots[at].range.count != 0 &&
           !(table.slots[at].hash == hash && name_of(table.slots[at]) == n.name))
      at = (at + 1) & mask;
    Slot& slot = table.slots[at];
    if (slot.range.count == 0) {
      slot.hash = hash;
      slot.name_at = static_cast<uint32_t>(names_.size());
      slot.name_size = static_cast<uint32_t>(n.name.size());
      names_ += n.name;
      ++table.used;
    }
    ++slot.range.count;
    slot_of[i] = static_cast<uint32_t>(at);
  }
  uint32_t next = 0;
  for (Table* table : {&refable_, &sources_}) {
    for (Slot& slot : table->slots) {
      slot.range.first = next;  // a cursor while filling, reset below
      next += slot.range.count;
    }
  }
  indices_.resize(nodes.size());
  package_of_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    Table& table = nodes[i].kind == NodeKind::kSource ? sources_ : refable_;
    Range& range = table.slots[slot_of[i]].range;
    indices_[range.first] = i;
    package_of_[range.first] = package_of_node[i];
    ++range.first;
  }
  for (Table* table : {&refable_, &sources_})
    for (Slot& slot : table->slots)
      slot.range.first -= slot.range.count;
}

const RefResolver::Slot& RefResolver::find(const Table& table, std::string_view name) const {
  const uint64_t hash = std::hash<std::string_view>{}(name);
  const size_t mask = table.slots.size() - 1;
  size_t at = hash & mask;
  while (table.slots[at].range.count != 0 &&
         !(table.slots[at].hash == hash && name_of(table.slots[at]) == name))
    at = (at + 1) & mask;
  return table.slots[at];
}

int RefResolver::package_id(std::string_view name) const {
  for (size_t i = 0; i < packages_.size(); ++i)
    if (packages_[i] == name) return static_cast<int>(i);
  return -1;
}

void RefResolver::collect_names() const {
  std::call_once(names_once_, [this] {
    // Any order: suggestions are sorted by distance, then name.
    refable_names_.reserve(refable_.used);
    for (const Slot& slot : refable_.slots)
      if (slot.range.count != 0) refable_names_.emplace_back(name_of(slot));
    std::set<std::string> sources;
    for (const Slot& slot : sources_.slots)
      for (size_t i : indices_of(slot.range))
        sources.insert(nodes_[i].source_name + "." + nodes_[i].name);
    source_names_.assign(sources.begin(), sources.end());
  });
}

template <typename Fn>
void RefResolver::for_each_package(const std::optional<std::string>& package,
                                   const std::string& from_package, Fn&& fn) const {
  if (package) {
    const int id = package_id(*package);
    if (id >= 0) fn(static_cast<uint32_t>(id));
    return;
  }
  if (fn(0)) return;
  const int from = from_package == root_ ? 0 : package_id(from_package);
  if (from > 0 && fn(static_cast<uint32_t>(from))) return;
  for (size_t p = 1; p < packages_.size(); ++p)
    if (static_cast<int>(p) != from && fn(static_cast<uint32_t>(p))) return;
}

Resolution RefResolver::ref(const std::string& name, const std::optional<std::string>& package,
                            const std::optional<std::string>& version,
                            const std::string& from_package) const {
  Resolution r;
  // The package whose nodes named `name` the ref means; its candidates are those of
  // `name` in that package.
  std::optional<uint32_t> found;
  const Range range = find(refable_, name).range;
  const std::span<const size_t> candidates = indices_of(range);
  const std::span<const uint32_t> packages = packages_of(range);
  if (range.count != 0) {
    for_each_package(package, from_package, [&](uint32_t pkg) {
      if (std::find(packages.begin(), packages.end(), pkg) == packages.end()) return false;
      found = pkg;
      return true;
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
  // A versioned model: pick the requested version, else the latest.
  size_t pick = candidates[static_cast<size_t>(std::find(packages.begin(), packages.end(), *found) -
                                               packages.begin())];
  bool versioned = nodes_[pick].version.has_value();
  if (versioned) {
    std::optional<size_t> match;
    std::vector<std::string> available;
    for (size_t k = 0; k < candidates.size(); ++k) {
      if (packages[k] != *found) continue;
      const Node& n = nodes_[candidates[k]];
      if (n.version) available.push_back(*n.version);
      if (version ? (n.version && *n.version == *version) : n.is_latest_version)
        match = candidates[k];
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
    // Compared as a string: comparing the Json to "ephemeral" would build a Json of it.
    if (mat != n.config.values.end() && mat->is_string() &&
        mat->get_ref<const std::string&>() == "ephemeral") {
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
  const Range range = find(sources_, table_name).range;
  if (range.count != 0) {
    const std::span<const size_t> candidates = indices_of(range);
    const std::span<const uint32_t> packages = packages_of(range);
    for_each_package(std::nullopt, from_package, [&](uint32_t pkg) {
      for (size_t k = 0; k < candidates.size(); ++k) {
        if (packages[k] == pkg && nodes_[candidates[k]].source_name == source_name) {
          r.node = candidates[k];
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
