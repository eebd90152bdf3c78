#pragma once
// Resolves ref() and source() the way dbt does: a ref without a package is looked up in the
// root project first, then (for a node of an installed package) in that package, then in any
// package; a versioned model without a version resolves to its latest version. When nothing
// matches, the result says why (disabled node, unknown version, ephemeral model, unknown name)
// and names the closest existing names. Built once over the final node list, which it
// references (string views into its nodes: the list must outlive it and stay unchanged);
// const methods are thread-safe.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/project.h"

namespace dbtpy::compiler {

// A node that exists but is disabled (`enabled: false`), for "depends on a disabled node".
struct DisabledNode {
  NodeKind kind = NodeKind::kModel;
  std::string package_name;
  std::string name;         // table name for sources
  std::string source_name;  // sources only
};

struct Resolution {
  std::optional<size_t> node;  // index into the node list when resolved
  std::string code;            // DBTPY230-234 when not resolved
  std::string message;
  std::string hint;
};

class RefResolver {
 public:
  RefResolver(const std::vector<Node>& nodes, std::string root_project,
              std::vector<DisabledNode> disabled);

  Resolution ref(const std::string& name, const std::optional<std::string>& package,
                 const std::optional<std::string>& version, const std::string& from_package) const;
  Resolution source(const std::string& source_name, const std::string& table_name,
                    const std::string& from_package) const;

 private:
  // The packages a lookup tries, in dbt's order: the explicit package only; else the root
  // project, the caller's package, then any package.
  template <typename Fn>
  void for_each_package(const std::optional<std::string>& package, const std::string& from_package,
                        Fn&& fn) const;
  // Every refable name and "source.table", for suggestions: built on the first miss only.
  void collect_names() const;

  const std::vector<Node>& nodes_;
  std::string root_;
  std::vector<DisabledNode> disabled_;
  // A run of `indices_`: one block for every name instead of a vector each (11,000 small
  // allocations kept alive through ref resolution).
  struct Range {
    uint32_t first = 0;
    uint32_t count = 0;
  };
  std::span<const size_t> indices_of(Range r) const { return {indices_.data() + r.first, r.count}; }
  // name -> indices of refable nodes, in node order (several for a versioned model or one
  // name in several packages)
  std::unordered_map<std::string_view, Range> refable_;
  // table name -> indices of source nodes, in node order
  std::unordered_map<std::string_view, Range> sources_;
  std::vector<size_t> indices_;        // every node's index, grouped by the maps' ranges
  std::vector<std::string> packages_;  // in lookup order for "any package"
  mutable std::once_flag names_once_;
  mutable std::vector<std::string> refable_names_;
  mutable std::vector<std::string> source_names_;
};

}  // namespace dbtpy::compiler
