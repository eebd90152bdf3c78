#pragma once
// The views of the DAG the engine needs to run Python models: the selected Python models in
// an order that puts parents first, and, per model, the Python models it waits for — reached
// through any chain of non-Python nodes (a SQL model between two Python models still makes
// the second wait for the first). Node indices refer to Project::nodes. Pure; thread-safe.
#include <cstddef>
#include <vector>

#include "compiler/project.h"

namespace dbtpy::compiler {

// The Python models among `selected` (node indices) that loaded without errors, parents
// before children (ties broken by unique_id).
std::vector<size_t> python_models_in_order(const Project& project,
                                           const std::vector<size_t>& selected);

// Python models upstream of `node`: walking parents, every path stops at its first Python
// model. Sorted by node index.
std::vector<size_t> upstream_python_models(const Project& project, size_t node);

}  // namespace dbtpy::compiler
