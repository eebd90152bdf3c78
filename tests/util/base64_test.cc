#include "util/base64.h"

#include <gtest/gtest.h>

namespace dbtpy {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesAndRejectsGarbage) {
  EXPECT_EQ(base64_decode("Zm9vYmE=").value(), "fooba");
  EXPECT_FALSE(base64_decode("Zm9v!").has_value());
  EXPECT_FALSE(base64_decode("Zm9").has_value());  // padding required
}

TEST(Base64Url, IsUnpaddedAndUrlSafe) {
  std::string bytes("\xfb\xff\xfe", 3);
  EXPECT_EQ(base64url_encode(bytes), "-__-");
  EXPECT_EQ(base64url_decode("-__-").value(), bytes);
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_decode("Zg").value(), "f");
}

TEST(Base64, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)).value(), all);
  EXPECT_EQ(base64url_decode(base64url_encode(all)).value(), all);
}

}  // namespace
}  // namespace dbtpy
