// unique_id_order must give exactly the order of sorting (id, index) pairs, whatever the ids
// share: kinds, package names that are prefixes of each other, long common name prefixes,
// versions, bytes above 0x7f, ids without dots, repeats.
#include "compiler/unique_id_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace dbtpy::compiler {
namespace {

std::vector<size_t> reference_order(const std::vector<std::string_view>& ids) {
  std::vector<std::pair<std::string_view, size_t>> pairs;
  for (size_t i = 0; i < ids.size(); ++i)
    pairs.emplace_back(ids[i], i);
  std::sort(pairs.begin(), pairs.end());
  std::vector<size_t> order;
  for (const auto& p : pairs)
    order.push_back(p.second);
  return order;
}

std::vector<std::string_view> views(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

TEST(UniqueIdOrder, SortsLikeTheIdsAsStrings) {
  const std::vector<std::string> ids = {
      "model.pkg_a.x",
      "model.pkg.x",
      "model.pk.x",
      "seed.pkg.x",
      "source.pkg.raw.orders",
      "model.pkg.stg_customers_orders_payments_2",
      "model.pkg.stg_customers_orders_payments_10",
      "model.pkg.stg_customers_orders_payments_1",
      "model.pkg.dim.v2",
      "model.pkg.dim",
      "model.pkg.dim.v10",
      "model.pkg.dimension",
      "model.pkg.",
      "model.pkg",
      "model",
      "",
      "model.pkg.x",  // a repeat keeps its input order
      "model.pkg.\xc3\xa9t\xc3\xa9",
      "model.pkg.zeta",
      "snapshot.pkg.x",
      "model.pkg.x\x01",
      "model.pkg.x",
  };
  const auto v = views(ids);
  EXPECT_EQ(unique_id_order(v), reference_order(v));
}

TEST(UniqueIdOrder, MatchesStringOrderOnRandomIds) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab._\x7f\x80z";
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> ids;
    for (int i = 0; i < 500; ++i) {
      std::string id = (rng() % 2) ? "model.p." : (rng() % 2 ? "model.pp." : "seed.p.");
      if (rng() % 8 == 0) id.clear();
      const size_t length = rng() % 30;
      for (size_t k = 0; k < length; ++k)
        id += alphabet[rng() % alphabet.size()];
      ids.push_back(std::move(id));
    }
    const auto v = views(ids);
    ASSERT_EQ(unique_id_order(v), reference_order(v)) << "round " << round;
  }
}

TEST(UniqueIdOrder, EmptyInputGivesAnEmptyOrder) {
  EXPECT_TRUE(unique_id_order({}).empty());
}

}  // namespace
}  // namespace dbtpy::compiler
