#include "util/redactor.h"

#include <gtest/gtest.h>

namespace dbtpy {
namespace {

TEST(Redactor, MasksSecretsAndTheirEncodedForms) {
  Redactor r;
  r.add_secret("p@ss word\"1");
  EXPECT_EQ(r.redact("token=p@ss word\"1;"), "token=<redacted>;");
  EXPECT_EQ(r.redact(R"({"password":"p@ss word\"1"})"), R"({"password":"<redacted>"})");
  EXPECT_EQ(r.redact("password=p%40ss%20word%221&x=1"), "password=<redacted>&x=1");
}

TEST(Redactor, LongestSecretWinsAndShortOnesAreIgnored) {
  Redactor r;
  r.add_secret("abcd");
  r.add_secret("abcdefgh");
  r.add_secret("xyz");
  EXPECT_EQ(r.redact("abcdefgh abcd xyz"), "<redacted> <redacted> xyz");
}

TEST(Redactor, MasksPemKeyLines) {
  Redactor r;
  std::string pem =
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
      "-----END PRIVATE KEY-----\n";
  r.add_secret(pem);
  EXPECT_EQ(r.redact("line MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 end"),
            "line <redacted> end");
}

}  // namespace
}  // namespace dbtpy
