// RefResolver over hand-built node lists: dbt's package lookup order, versions, sources that
// share a table name, and names that share long prefixes (the lookup tables' probing).
#include "compiler/ref_resolver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dbtpy::compiler {
namespace {

Node node(NodeKind kind, std::string package, std::string name) {
  Node n;
  n.kind = kind;
  n.package_name = std::move(package);
  n.name = std::move(name);
  n.unique_id = std::string(node_kind_name(kind)) + "." + n.package_name + "." + n.name;
  return n;
}

Node source(std::string package, std::string source_name, std::string table) {
  Node n = node(NodeKind::kSource, std::move(package), std::move(table));
  n.source_name = std::move(source_name);
  n.unique_id = "source." + n.package_name + "." + n.source_name + "." + n.name;
  return n;
}

Node version(std::string name, std::string v, bool latest) {
  Node n = node(NodeKind::kModel, "root", std::move(name));
  n.version = std::move(v);
  n.is_latest_version = latest;
  return n;
}

TEST(RefResolver, LooksInTheRootThenTheCallersPackageThenOthersByName) {
  std::vector<Node> nodes = {
      node(NodeKind::kModel, "zeta", "shared"), node(NodeKind::kModel, "alpha", "shared"),
      node(NodeKind::kModel, "beta", "shared"), node(NodeKind::kModel, "zeta", "only_zeta"),
      node(NodeKind::kSeed, "root", "rooted"),  node(NodeKind::kModel, "beta", "rooted")};
  RefResolver r(nodes, "root", {});
  // Not in the root: the caller's own package first, else the first other package by name.
  EXPECT_EQ(r.ref("shared", std::nullopt, std::nullopt, "beta").node, 2u);
  EXPECT_EQ(r.ref("shared", std::nullopt, std::nullopt, "root").node, 1u);
  EXPECT_EQ(r.ref("shared", std::string("zeta"), std::nullopt, "root").node, 0u);
  EXPECT_EQ(r.ref("only_zeta", std::nullopt, std::nullopt, "alpha").node, 3u);
  // The root wins over the caller's package.
  EXPECT_EQ(r.ref("rooted", std::nullopt, std::nullopt, "beta").node, 4u);
  EXPECT_EQ(r.ref("rooted", std::string("beta"), std::nullopt, "root").node, 5u);
  Resolution missing = r.ref("shared", std::string("gamma"), std::nullopt, "root");
  EXPECT_FALSE(missing.node);
  EXPECT_EQ(missing.code, "DBTPY230");
  EXPECT_NE(missing.message.find("no package named 'gamma'"), std::string::npos);
  EXPECT_FALSE(r.ref("only_zeta", std::string("alpha"), std::nullopt, "root").node);
}

TEST(RefResolver, PicksTheRequestedOrLatestVersion) {
  std::vector<Node> nodes = {version("dim", "1", false), version("dim", "2", true),
                             version("dim", "3", false), node(NodeKind::kModel, "root", "flat")};
  RefResolver r(nodes, "root", {});
  EXPECT_EQ(r.ref("dim", std::nullopt, std::nullopt, "root").node, 1u);
  EXPECT_EQ(r.ref("dim", std::nullopt, std::string("3"), "root").node, 2u);
  Resolution bad = r.ref("dim", std::nullopt, std::string("9"), "root");
  EXPECT_EQ(bad.code, "DBTPY234");
  EXPECT_EQ(bad.hint, "available versions: 1, 2, 3");
  EXPECT_EQ(r.ref("flat", std::nullopt, std::string("1"), "root").code, "DBTPY234");
}

TEST(RefResolver, SourcesShareTableNamesAcrossSourcesAndPackages) {
  std::vector<Node> nodes = {source("pkg", "crm", "orders"), source("root", "erp", "orders"),
                             source("root", "crm", "orders"),
                             node(NodeKind::kModel, "root", "orders")};
  RefResolver r(nodes, "root", {});
  EXPECT_EQ(r.source("crm", "orders", "root").node, 2u);
  EXPECT_EQ(r.source("crm", "orders", "pkg").node, 2u);  // the root first
  EXPECT_EQ(r.source("erp", "orders", "pkg").node, 1u);
  EXPECT_EQ(r.ref("orders", std::nullopt, std::nullopt, "root").node, 3u);
  Resolution missing = r.source("crm", "order", "root");
  EXPECT_EQ(missing.code, "DBTPY231");
  EXPECT_EQ(missing.hint, "did you mean 'crm.orders' or 'erp.orders'?");
}

TEST(RefResolver, ManyNamesWithSharedPrefixesEachResolveToTheirNode) {
  std::vector<Node> nodes;
  for (int i = 0; i < 3000; ++i)
    nodes.push_back(node(NodeKind::kModel, i % 3 == 0 ? "root" : "pkg",
                         "stg_customers_orders_payments_" + std::to_string(i)));
  RefResolver r(nodes, "root", {});
  for (size_t i = 0; i < nodes.size(); ++i)
    ASSERT_EQ(r.ref(nodes[i].name, std::nullopt, std::nullopt, "root").node, i) << nodes[i].name;
  Resolution near =
      r.ref("stg_customers_orders_payments_2999x", std::nullopt, std::nullopt, "root");
  EXPECT_EQ(near.code, "DBTPY230");
  EXPECT_TRUE(near.hint.starts_with("did you mean 'stg_customers_orders_payments_2999' or "))
      << near.hint;
  EXPECT_FALSE(r.ref("stg_customers_orders_payments_", std::nullopt, std::nullopt, "root").node);
}

TEST(RefResolver, DisabledNodesAreNamedAsSuch) {
  std::vector<Node> nodes = {node(NodeKind::kModel, "root", "on")};
  RefResolver r(nodes, "root", {{NodeKind::kModel, "root", "off", ""}});
  EXPECT_EQ(r.ref("off", std::nullopt, std::nullopt, "root").code, "DBTPY232");
  EXPECT_EQ(r.ref("on", std::nullopt, std::nullopt, "root").node, 0u);
}

TEST(RefResolver, AnEmptyProjectResolvesNothing) {
  std::vector<Node> nodes;
  RefResolver r(nodes, "root", {});
  EXPECT_EQ(r.ref("x", std::nullopt, std::nullopt, "root").code, "DBTPY230");
  EXPECT_EQ(r.source("s", "t", "root").code, "DBTPY231");
}

}  // namespace
}  // namespace dbtpy::compiler
