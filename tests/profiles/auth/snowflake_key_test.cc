#include "profiles/auth/snowflake_key.h"

#include <gtest/gtest.h>

#include "tests/support/fake_platforms.h"
#include "tests/support/tls_test_ca.h"
#include "util/base64.h"

namespace dbtpy::profiles::auth {
namespace {

EVP_PKEY* rsa() {
  static PkeyPtr key = testing::generate_rsa_key();
  return key.get();
}

TEST(SnowflakeKey, FingerprintMatchesSnowflakesOpensslRecipe) {
  std::string fp = public_key_fingerprint(rsa());
  EXPECT_EQ(fp.rfind("SHA256:", 0), 0u);
  std::string cli = testing::openssl_cli_fingerprint(public_key_pem(rsa()));
  if (cli.empty()) GTEST_SKIP() << "openssl command not available";
  EXPECT_EQ(fp, cli);
}

TEST(SnowflakeKey, LoadsEveryFormDbtSnowflakeAccepts) {
  std::string fp = public_key_fingerprint(rsa());
  std::string pkcs8 = testing::private_key_pkcs8_pem(rsa());
  std::string pkcs1 = testing::private_key_pkcs1_pem(rsa());
  std::string encrypted = testing::private_key_pkcs8_pem(rsa(), "correct horse");
  std::string der_b64 = base64_encode(testing::private_key_pkcs8_der(rsa()));
  EXPECT_EQ(public_key_fingerprint(load_snowflake_private_key(pkcs8, std::nullopt).get()), fp);
  EXPECT_EQ(public_key_fingerprint(load_snowflake_private_key(pkcs1, std::nullopt).get()), fp);
  EXPECT_EQ(public_key_fingerprint(load_snowflake_private_key(encrypted, "correct horse").get()),
            fp);
  EXPECT_EQ(public_key_fingerprint(load_snowflake_private_key(der_b64, std::nullopt).get()), fp);
  // A YAML block scalar may wrap base64 over lines.
  std::string wrapped;
  for (size_t i = 0; i < der_b64.size(); i += 60)
    wrapped += der_b64.substr(i, 60) + "\n";
  EXPECT_EQ(public_key_fingerprint(load_snowflake_private_key(wrapped, std::nullopt).get()), fp);
  // Surrounding whitespace from env vars.
  EXPECT_NO_THROW(load_snowflake_private_key("\n  " + pkcs8 + "\n", std::nullopt));
}

TEST(SnowflakeKey, BadKeysSayWhy) {
  std::string encrypted = testing::private_key_pkcs8_pem(rsa(), "correct horse");
  auto reason = [](std::string_view text, std::optional<std::string_view> pass) {
    try {
      load_snowflake_private_key(text, pass);
    } catch (const KeyError& e) {
      return std::string(e.what());
    }
    return std::string("loaded");
  };
  EXPECT_NE(reason(encrypted, "battery staple").find("wrong passphrase"), std::string::npos);
  EXPECT_NE(reason(encrypted, std::nullopt).find("set a passphrase"), std::string::npos);
  EXPECT_NE(reason("not a key at all!", std::nullopt).find("neither PEM"), std::string::npos);
  EXPECT_NE(reason(base64_encode("random bytes that are not DER"), std::nullopt)
                .find("not a DER RSA private key"),
            std::string::npos);
  PkeyPtr ec(EVP_EC_gen("P-256"));
  std::string ec_pem = testing::private_key_pkcs8_pem(ec.get());
  EXPECT_NE(reason(ec_pem, std::nullopt).find("not an RSA key"), std::string::npos);
  std::string truncated = testing::private_key_pkcs8_pem(rsa()).substr(0, 200);
  EXPECT_NE(reason(truncated, std::nullopt), "loaded");
}

TEST(SnowflakeAccount, NormalizedAsSnowflakeDocuments) {
  EXPECT_EQ(snowflake_jwt_account("myorg-myaccount"), "MYORG-MYACCOUNT");
  EXPECT_EQ(snowflake_jwt_account("xy12345"), "XY12345");
  EXPECT_EQ(snowflake_jwt_account("xy12345.us-east-2.aws"), "XY12345");
  EXPECT_EQ(snowflake_jwt_account("xy12345.eu-central-1"), "XY12345");
  EXPECT_EQ(snowflake_jwt_account("xy12345.us-east-2.aws.snowflakecomputing.com"), "XY12345");
  EXPECT_EQ(snowflake_jwt_account("https://myorg-myaccount.snowflakecomputing.com"),
            "MYORG-MYACCOUNT");
  EXPECT_EQ(snowflake_jwt_account("xy12345.privatelink"), "XY12345");
  EXPECT_EQ(snowflake_jwt_account("myaccount-abc123.global"), "MYACCOUNT");
  EXPECT_EQ(snowflake_jwt_account(" MyOrg-My_Account "), "MYORG-MY_ACCOUNT");
}

TEST(SnowflakeAccount, FromHost) {
  EXPECT_EQ(account_from_host("xy12345.us-east-2.aws.snowflakecomputing.com"), "xy12345");
  EXPECT_EQ(account_from_host("https://myorg-acct.privatelink.snowflakecomputing.com:443/"),
            "myorg-acct");
  EXPECT_EQ(account_from_host("127.0.0.1"), std::nullopt);
}

TEST(SnowflakeJwt, ClaimsAreWhatTheSqlApiChecks) {
  auto iat = std::chrono::system_clock::from_time_t(1795250970);
  Json c = snowflake_jwt_claims("MYORG-ACCT", "dbt_user", "SHA256:abc=", iat,
                                std::chrono::seconds(3540));
  EXPECT_EQ(c["iss"], "MYORG-ACCT.DBT_USER.SHA256:abc=");
  EXPECT_EQ(c["sub"], "MYORG-ACCT.DBT_USER");
  EXPECT_EQ(c["iat"], 1795250970);
  EXPECT_EQ(c["exp"], 1795250970 + 3540);
}

}  // namespace
}  // namespace dbtpy::profiles::auth
