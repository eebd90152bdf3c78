#include "util/strings.h"

#include <gtest/gtest.h>

#include "util/utf8.h"

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

TEST(Strings, PercentEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b/c?d=e&f+g%"), "a%20b%2Fc%3Fd%3De%26f%2Bg%25");
  EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");  // UTF-8 bytes one by one, upper-case hex
  EXPECT_EQ(percent_encode(""), "");
}

TEST(Strings, BackslashQuotedEscapesQuoteBackslashAndControls) {
  EXPECT_EQ(backslash_quoted("it's", '\''), "'it\\'s'");
  EXPECT_EQ(backslash_quoted("it's", '"'), "\"it's\"");
  EXPECT_EQ(backslash_quoted("say \"hi\"", '"'), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(backslash_quoted("a\\b", '"'), "\"a\\\\b\"");
  EXPECT_EQ(backslash_quoted("l1\nl2\r\t", '"'), "\"l1\\nl2\\r\\t\"");
  EXPECT_EQ(backslash_quoted(std::string("\x00\x1b\x7f", 3), '"'), "\"\\x00\\x1b\\x7f\"");
  EXPECT_EQ(backslash_quoted("caf\xc3\xa9 $$", '"'), "\"caf\xc3\xa9 $$\"");  // UTF-8 verbatim
}

TEST(Strings, CountedPluralizes) {
  EXPECT_EQ(counted(1, "snapshot"), "1 snapshot");
  EXPECT_EQ(counted(0, "seed"), "0 seeds");
  EXPECT_EQ(counted(12, "Python model"), "12 Python models");
}

TEST(Utf8, AppendsEachEncodingLengthAndReplacesOutOfRange) {
  std::string out;
  for (char32_t cp : {U'A', U'\u00e9', U'\u20ac', U'\U0001F600', char32_t{0x110000}})
    append_utf8(out, cp);
  EXPECT_EQ(out, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd");
}

}  // namespace
}  // namespace dbtpy
