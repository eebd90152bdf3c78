#include "compiler/dag.h"

#include <gtest/gtest.h>

namespace dbtpy::compiler {
namespace {

// 0 -> 1 -> 2 -> 3, 0 -> 4, 4 -> 3
Dag sample() {
  Dag d(5);
  d.add_edge(0, 1);
  d.add_edge(1, 2);
  d.add_edge(2, 3);
  d.add_edge(0, 4);
  d.add_edge(4, 3);
  d.add_edge(0, 1);  // duplicate
  d.finalize();
  return d;
}

TEST(Dag, WalksWithAndWithoutDepth) {
  Dag d = sample();
  EXPECT_EQ(d.parents(1).size(), 1u);
  EXPECT_EQ(d.ancestors(3), (std::vector<size_t>{0, 1, 2, 4}));
  EXPECT_EQ(d.ancestors(3, 1), (std::vector<size_t>{2, 4}));
  EXPECT_EQ(d.descendants(0, 2), (std::vector<size_t>{1, 2, 3, 4}));
  EXPECT_EQ(d.descendants(0, 1), (std::vector<size_t>{1, 4}));
  EXPECT_TRUE(d.descendants(3).empty());
}

TEST(Dag, TopologicalOrderPutsParentsFirst) {
  Dag d = sample();
  EXPECT_EQ(d.topological_order(), (std::vector<size_t>{0, 1, 2, 4, 3}));
  EXPECT_TRUE(d.find_cycle().empty());
}

TEST(Dag, FindsCycles) {
  Dag d = sample();
  d.add_edge(3, 1);
  d.finalize();
  std::vector<size_t> cycle = d.find_cycle();
  ASSERT_GE(cycle.size(), 3u);
  EXPECT_EQ(cycle.front(), cycle.back());
  // Every step of the reported cycle is an edge.
  for (size_t i = 0; i + 1 < cycle.size(); ++i) {
    const auto& kids = d.children(cycle[i]);
    EXPECT_NE(std::find(kids.begin(), kids.end(), cycle[i + 1]), kids.end());
  }
  Dag self(1);
  self.add_edge(0, 0);
  self.finalize();
  EXPECT_EQ(self.find_cycle(), (std::vector<size_t>{0, 0}));
}

}  // namespace
}  // namespace dbtpy::compiler
