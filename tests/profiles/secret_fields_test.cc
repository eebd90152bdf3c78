#include "profiles/secret_fields.h"

#include <gtest/gtest.h>

namespace dbtpy::profiles {
namespace {

TEST(SecretFields, RecognizesSecretKeysButNotPaths) {
  for (auto k : {"password", "token", "private_key", "private_key_passphrase", "client_secret",
                 "keyfile_json", "refresh_token", "oauth_client_secret"}) {
    EXPECT_TRUE(is_secret_field_name(k)) << k;
  }
  for (auto k : {"private_key_path", "keyfile", "token_uri", "host", "user", "account"}) {
    EXPECT_FALSE(is_secret_field_name(k)) << k;
  }
}

TEST(SecretFields, RendersOnDemandAndRegistersWithTheRedactor) {
  auto redactor = std::make_shared<Redactor>();
  int renders = 0;
  SecretFields s(
      Json{{"password", "{{ env_var('PW') }}"}, {"keyfile_json", {{"k", "v-secret"}}}},
      [&](const Json& raw, std::string_view) {
        ++renders;
        if (raw.is_string()) return Json("hunter22");
        return raw;
      },
      redactor);
  EXPECT_EQ(renders, 0);  // nothing rendered until asked
  EXPECT_TRUE(s.has("password"));
  EXPECT_FALSE(s.has("token"));
  EXPECT_EQ(s.get_string("password"), "hunter22");
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(redactor->redact("pw=hunter22"), "pw=<redacted>");
  auto kf = s.get("keyfile_json");
  ASSERT_TRUE(kf);
  EXPECT_EQ(redactor->redact("v-secret"), "<redacted>");
  EXPECT_FALSE(s.get("token").has_value());
}

}  // namespace
}  // namespace dbtpy::profiles
