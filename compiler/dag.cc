#include "compiler/dag.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace dbtpy::compiler {

void Dag::resize(size_t n) {
  parents_.resize(n);
  children_.resize(n);
}

void Dag::reserve(size_t n, size_t parents, size_t children) {
  parents_[n].reserve(parents);
  children_[n].reserve(children);
}

void Dag::add_edge(size_t parent, size_t child) {
  parents_[child].push_back(static_cast<uint32_t>(parent));
  children_[parent].push_back(static_cast<uint32_t>(child));
}

void Dag::finalize() {
  auto tidy = [](std::vector<uint32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    v.shrink_to_fit();
  };
  for (auto& v : parents_)
    tidy(v);
  for (auto& v : children_)
    tidy(v);
}

std::vector<size_t> Dag::walk(size_t start, std::optional<int> depth, bool up) const {
  std::vector<int> seen_at(size(), -1);
  std::vector<size_t> frontier{start};
  std::vector<size_t> out;
  seen_at[start] = 0;
  int level = 0;
  while (!frontier.empty() && (!depth || level < *depth)) {
    ++level;
    std::vector<size_t> next;
    for (size_t n : frontier) {
      for (uint32_t m : up ? parents_[n] : children_[n]) {
        if (seen_at[m] >= 0) continue;
        seen_at[m] = level;
        out.push_back(m);
        next.push_back(m);
      }
    }
    frontier = std::move(next);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<size_t> Dag::ancestors(size_t start, std::optional<int> depth) const {
  return walk(start, depth, true);
}

std::vector<size_t> Dag::descendants(size_t start, std::optional<int> depth) const {
  return walk(start, depth, false);
}

std::vector<size_t> Dag::find_cycle() const {
  // Iterative DFS with colours; the stack of (node, next child position) is the current path.
  enum : uint8_t { kWhite, kGrey, kBlack };
  std::vector<uint8_t> colour(size(), kWhite);
  for (size_t root = 0; root < size(); ++root) {
    if (colour[root] != kWhite) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
    colour[root] = kGrey;
    while (!stack.empty()) {
      auto& [n, pos] = stack.back();
      if (pos < children_[n].size()) {
        size_t c = children_[n][pos++];
        if (colour[c] == kGrey) {
          std::vector<size_t> cycle;
          auto it = std::find_if(stack.begin(), stack.end(),
                                 [c](const auto& frame) { return frame.first == c; });
          for (; it != stack.end(); ++it)
            cycle.push_back(it->first);
          cycle.push_back(c);
          return cycle;
        }
        if (colour[c] == kWhite) {
          colour[c] = kGrey;
          stack.emplace_back(c, 0);
        }
      } else {
        colour[n] = kBlack;
        stack.pop_back();
      }
    }
  }
  return {};
}

std::vector<size_t> Dag::topological_order() const {
  std::vector<size_t> pending(size());
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t n = 0; n < size(); ++n) {
    pending[n] = parents_[n].size();
    if (pending[n] == 0) ready.push(n);
  }
  std::vector<size_t> out;
  out.reserve(size());
  while (!ready.empty()) {
    size_t n = ready.top();
    ready.pop();
    out.push_back(n);
    for (uint32_t c : children_[n]) {
      if (--pending[c] == 0) ready.push(c);
    }
  }
  return out;
}

}  // namespace dbtpy::compiler
