#include "compiler/python_order.h"

#include <algorithm>

namespace dbtpy::compiler {

std::vector<size_t> python_models_in_order(const Project& project,
                                           const std::vector<size_t>& selected) {
  std::vector<char> wanted(project.nodes.size(), 0);
  for (size_t i : selected) {
    const Node& n = project.nodes[i];
    if (n.python_model >= 0 && !n.has_errors) wanted[i] = 1;
  }
  std::vector<size_t> out;
  for (size_t i : project.dag.topological_order())
    if (wanted[i]) out.push_back(i);
  return out;
}

std::vector<size_t> upstream_python_models(const Project& project, size_t node) {
  std::vector<char> seen(project.nodes.size(), 0);
  std::vector<size_t> stack(project.dag.parents(node).begin(), project.dag.parents(node).end());
  std::vector<size_t> out;
  while (!stack.empty()) {
    size_t n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = 1;
    if (project.nodes[n].python_model >= 0) {
      out.push_back(n);
      continue;
    }
    for (uint32_t p : project.dag.parents(n))
      if (!seen[p]) stack.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dbtpy::compiler
