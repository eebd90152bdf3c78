#pragma once
// Resolves ref() and source() the way dbt does: a ref without a package is looked up in the
// root project first, then (for a node of an installed package) in that package, then in any
// package; a versioned model without a version resolves to its latest version. When nothing
// matches, the result says why (disabled node, unknown version, ephemeral model, unknown name)
// and names the closest existing names. Built once over the final node list, which it
// references (the list must outlive it and stay unchanged); names are copied into one block
// and looked up in flat open-addressing tables, with each candidate's package as a small
// number, so a lookup does not read scattered Node structs. Const methods are thread-safe.
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

  // A run of `indices_`: one block for every name instead of a vector each (11,000 small
  // allocations kept alive through ref resolution).
  struct Range {
    uint32_t first = 0;
    uint32_t count = 0;
  };
  // One name of an open-addressing table: the name is kept in `names_` (one block, so a
  // lookup compares bytes near each other instead of reading a node's name in a scattered
  // Node struct). count == 0: an empty slot.
  struct Slot {
    uint64_t hash = 0;
    uint32_t name_at = 0;
    uint32_t name_size = 0;
    Range range;
  };
  // A name -> nodes table: refable nodes by name, or sources by table name.
  struct Table {
    std::vector<Slot> slots;  // a power of two, at most half full
    size_t used = 0;
  };
  std::span<const size_t> indices_of(Range r) const { return {indices_.data() + r.first, r.count}; }
  std::span<const uint32_t> packages_of(Range r) const {
    return {package_of_.data() + r.first, r.count};
  }
  std::string_view name_of(const Slot& s) const { return {names_.data() + s.name_at, s.name_size}; }
  // The slot of `name` (count == 0 when absent).
  const Slot& find(const Table& table, std::string_view name) const;
  // Index into `packages_` of a package name, or -1 when no node has it.
  int package_id(std::string_view name) const;

  const std::vector<Node>& nodes_;
  std::string root_;
  std::vector<DisabledNode> disabled_;
  Table refable_;  // name -> indices of refable nodes, in node order
  Table sources_;  // table name -> indices of source nodes, in node order
  std::string names_;
  std::vector<size_t> indices_;        // every node's index, grouped by the tables' ranges
  std::vector<uint32_t> package_of_;   // parallel to indices_: the node's package in packages_
  std::vector<std::string> packages_;  // the root, then the others by name: "any package" order
  mutable std::once_flag names_once_;
  mutable std::vector<std::string> refable_names_;
  mutable std::vector<std::string> source_names_;
};

}  // namespace dbtpy::compiler
