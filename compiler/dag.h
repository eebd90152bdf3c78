#pragma once
// A directed graph over node indices (parent -> child), with what dbt's graph operators and
// the engine need: bounded ancestor/descendant walks, cycle detection that returns the cycle,
// and a deterministic topological order. Plain value type; const methods are thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace dbtpy::compiler {

class Dag {
 public:
  Dag() = default;
  explicit Dag(size_t n) { resize(n); }

  void resize(size_t n);
  size_t size() const { return parents_.size(); }
  // Room for `parents` and `children` edges of node `n`, when known before adding them
  // (saves regrowing and finalize's shrinking of 10,000 adjacency lists).
  void reserve(size_t n, size_t parents, size_t children);
  // Adds parent -> child; duplicates are removed by finalize().
  void add_edge(size_t parent, size_t child);
  // Sorts adjacency lists and removes duplicate edges. Call once after the last add_edge.
  void finalize();

  const std::vector<uint32_t>& parents(size_t n) const { return parents_[n]; }
  const std::vector<uint32_t>& children(size_t n) const { return children_[n]; }

  // Nodes reachable by walking parents (ancestors) or children (descendants) from `start`,
  // at most `depth` edges away when given; `start` itself is not included. Sorted.
  std::vector<size_t> ancestors(size_t start, std::optional<int> depth = std::nullopt) const;
  std::vector<size_t> descendants(size_t start, std::optional<int> depth = std::nullopt) const;

  // One cycle as a path [a, b, ..., a] (first == last), or empty when the graph is acyclic.
  std::vector<size_t> find_cycle() const;

  // Every node, parents before children; among ready nodes the lowest index first, so the
  // order is deterministic. Requires an acyclic graph (nodes on cycles are left out).
  std::vector<size_t> topological_order() const;

 private:
  std::vector<size_t> walk(size_t start, std::optional<int> depth, bool up) const;

  std::vector<std::vector<uint32_t>> parents_;
  std::vector<std::vector<uint32_t>> children_;
};

}  // namespace dbtpy::compiler
