#pragma once
// dbt's node selection syntax over a loaded project, as dbt documents it:
//   values separated by spaces (or given as several --select flags) are unioned, values
//   joined by commas are intersected, --exclude removes what it selects;
//   each value is [@][N+][method:]pattern[+N] with the methods fqn (the default; `path` when
//   the value contains '/', `file` when it ends in .sql/.py/.csv), tag, path, file, package,
//   config.KEY[.SUB], source, resource_type, group, access, version — and Unix wildcards
//   (*, ?, [abc]) where dbt allows them. `+` walks parents/children (N bounds the depth), `@`
//   adds the children and every parent of those children.
// Selection runs over every node (SQL models, seeds, snapshots, sources and Python models).
// Pure functions of the project; thread-safe.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/project.h"
#include "util/diagnostic.h"

namespace dbtpy::compiler {

struct SelectorAtom {
  bool childrens_parents = false;        // leading @
  std::optional<int> parents;            // N+ (-1: unbounded); absent: no parents
  std::optional<int> children;           // +N (-1: unbounded)
  std::string method;                    // fqn, tag, path, ...
  std::vector<std::string> method_args;  // config.materialized -> {"materialized"}
  std::string value;
  std::string raw;
};

// Parses one atom (no spaces or commas). Throws dbtpy::Error (kUsage) DBTPY250 on bad syntax
// or an unknown method.
SelectorAtom parse_selector_atom(std::string_view text);

// The nodes (indices into project.nodes) an atom selects, graph operators applied. Sorted.
std::vector<size_t> select_atom(const Project& project, const SelectorAtom& atom);

// Evaluates --select/--exclude. An empty `select` selects every node. A criterion that
// matches nothing adds a DBTPY251 warning to `warnings` (dbt warns the same way).
// Throws dbtpy::Error (kUsage) DBTPY250 on syntax errors.
std::vector<size_t> select_nodes(const Project& project, const std::vector<std::string>& select,
                                 const std::vector<std::string>& exclude,
                                 std::vector<Diagnostic>* warnings = nullptr);

// Python's fnmatch.fnmatchcase: *, ?, [seq], [!seq].
bool fnmatch(std::string_view pattern, std::string_view text);

}  // namespace dbtpy::compiler
