#include "util/strings.h"

#include <gtest/gtest.h>

namespace dbtpy {
namespace {

TEST(Strings, SplitJoinTrim) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(join({"a", "b"}, "."), "a.b");
  EXPECT_EQ(trim("  x y \n"), "x y");
}

TEST(Strings, ClosestNamesSuggestsNearMisses) {
  std::vector<std::string> names{"orders", "customers", "order_items", "payments"};
  EXPECT_EQ(closest_names("ordrs", names), (std::vector<std::string>{"orders"}));
  EXPECT_TRUE(closest_names("zzzzzz", names).empty());
}

TEST(Strings, GlobMatch) {
  EXPECT_TRUE(glob_match("stg_*", "stg_orders"));
  EXPECT_TRUE(glob_match("*orders", "stg_orders"));
  EXPECT_TRUE(glob_match("s?g_*s", "stg_orders"));
  EXPECT_FALSE(glob_match("stg_*", "fct_orders"));
  EXPECT_TRUE(glob_match("*", ""));
}

}  // namespace
}  // namespace dbtpy
