// `dbtpy debug`'s checks against local platforms, and the redaction test: canary secrets in
// the profile and the environment never reach any output, whether the checks pass or fail.
#include <gtest/gtest.h>

#include "cli/debug_checks.h"
#include "submitters/http/curl_http_client.h"
#include "submitters/http/url.h"
#include "tests/profiles/auth/test_profiles.h"
#include "tests/support/fake_platforms.h"
#include "tests/support/temp_dir.h"
#include "util/log.h"

namespace dbtpy::cli {
namespace {

using profiles::Platform;
using profiles::auth::make_secrets;
using profiles::auth::make_target;

const testing::TestCa& ca() {
  static testing::TestCa instance;
  return instance;
}
EVP_PKEY* user_key() {
  static PkeyPtr k = testing::generate_rsa_key();
  return k.get();
}

class FixedIds final : public IdSource {
 public:
  std::string uuid4() override {
    return "00000000-0000-4000-8000-00000000000" + std::to_string(n_++ % 10);
  }

 private:
  int n_ = 0;
};

struct Outcome {
  int failures = -1;
  std::string output;  // stdout + stderr
};

class DebugTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_file_ = (dir_.path() / "ca.pem").string();
    ca().write_cert_pem(ca_file_);
    submitters::http::ClientOptions o;
    o.ca_file = ca_file_;
    client_ = std::make_unique<submitters::http::CurlHttpClient>(o);
  }
  void TearDown() override { client_.reset(); }

  Outcome run(Platform p, Json fields, Json secrets = Json::object(), bool json = false) {
    profiles::Target target = make_target(p, std::move(fields));
    for (auto it = secrets.begin(); it != secrets.end(); ++it)
      target.secret_field_names.push_back(it.key());
    profiles::SecretFields sf = make_secrets(std::move(secrets), redactor_);
    DebugInputs in;
    in.target = &target;
    in.secrets = &sf;
    in.profiles_file = "/home/me/.dbt/profiles.yml";
    in.sources = profiles::auth::make_sources(env_, dir_.path().string(), redactor_);
    DebugDeps deps{client_.get(), &clock_, &sleeper_, &random_, &ids_};
    Reporter reporter(ReporterOptions{json, false, false}, redactor_);
    init_logging(LogOptions{json, true, false}, redactor_);
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    Outcome o;
    o.failures = run_debug_checks(in, deps, reporter);
    spdlog::default_logger()->flush();
    o.output = ::testing::internal::GetCapturedStdout() + ::testing::internal::GetCapturedStderr();
    all_output_ += o.output;
    return o;
  }

  testing::TempDir dir_;
  std::string ca_file_;
  testing::FakeEnv env_;
  std::shared_ptr<Redactor> redactor_ = std::make_shared<Redactor>();
  SystemClock clock_;
  testing::RecordingSleeper sleeper_;
  testing::FixedRandom random_{0.0};
  FixedIds ids_;
  std::unique_ptr<submitters::http::CurlHttpClient> client_;
  std::string all_output_;
};

TEST_F(DebugTest, SnowflakeKeyPairAllChecksPass) {
  testing::FakeSnowflake sf(ca(), "MYORG-ACCT", "DBT_USER", public_key_pem(user_key()));
  std::string key = dir_.write("k.p8", testing::private_key_pkcs8_pem(user_key(), "pw-123456"));
  auto o = run(Platform::kSnowflake,
               {{"account", "myorg-acct"},
                {"user", "dbt_user"},
                {"host", "127.0.0.1"},
                {"port", sf.server().port()},
                {"private_key_path", key},
                {"warehouse", "WH"}},
               {{"private_key_passphrase", "pw-123456"}});
  EXPECT_EQ(o.failures, 0) << o.output;
  EXPECT_NE(o.output.find("dbtpy version:"), std::string::npos);
  EXPECT_NE(o.output.find("Using profiles.yml file at /home/me/.dbt/profiles.yml"),
            std::string::npos);
  EXPECT_NE(o.output.find("  account: myorg-acct"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("private_key_passphrase: <redacted>"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("auth method: key-pair JWT"), std::string::npos);
  EXPECT_NE(o.output.find("[OK] Snowflake key-pair JWT for MYORG-ACCT.DBT_USER"), std::string::npos)
      << o.output;
  EXPECT_NE(o.output.find("[OK] obtained, valid for 5"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("SELECT 1 through the SQL API "), std::string::npos);
  EXPECT_NE(o.output.find("[OK] statement 01b0-0000-1"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("All checks passed!"), std::string::npos);
  EXPECT_EQ(sf.statements_ok(), 1);
}

TEST_F(DebugTest, SnowflakeRejectedKeyExplainsWhatToCheck) {
  PkeyPtr other = testing::generate_rsa_key();
  testing::FakeSnowflake sf(ca(), "MYORG-ACCT", "DBT_USER", public_key_pem(other.get()));
  std::string key = dir_.write("k.p8", testing::private_key_pkcs8_pem(user_key()));
  auto o = run(Platform::kSnowflake, {{"account", "myorg-acct"},
                                      {"user", "dbt_user"},
                                      {"host", "127.0.0.1"},
                                      {"port", sf.server().port()},
                                      {"private_key_path", key}});
  EXPECT_EQ(o.failures, 1) << o.output;
  EXPECT_NE(o.output.find("error[DBTPY402]"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("Snowflake error 390144"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("RSA_PUBLIC_KEY_FP of user dbt_user (DESC USER) is SHA256:"),
            std::string::npos)
      << o.output;
  EXPECT_NE(o.output.find("1 check failed."), std::string::npos);
}

TEST_F(DebugTest, ConfigurationProblemsStopBeforeTheNetwork) {
  auto o = run(Platform::kSnowflake, {{"account", "a"}, {"user", "u"}});
  EXPECT_EQ(o.failures, 1);
  EXPECT_NE(o.output.find("profile and credentials "), std::string::npos);
  EXPECT_NE(o.output.find("error[DBTPY420]"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("1 check failed (later checks skipped)."), std::string::npos);
}

TEST_F(DebugTest, DatabricksM2MAndScimMe) {
  testing::FakeDatabricks dbx(ca(), "sp-id", "dose-abc");
  auto o = run(Platform::kDatabricks, {{"host", dbx.url()}, {"client_id", "sp-id"}},
               {{"client_secret", "dose-abc"}});
  EXPECT_EQ(o.failures, 0) << o.output;
  EXPECT_NE(o.output.find("[OK] authenticated as dbtpy-sp"), std::string::npos) << o.output;
  auto bad = run(Platform::kDatabricks, {{"host", dbx.url()}, {"client_id", "sp-id"}},
                 {{"client_secret", "dose-wrong"}});
  EXPECT_EQ(bad.failures, 1);
  EXPECT_NE(bad.output.find("error[DBTPY424]"), std::string::npos) << bad.output;
}

TEST_F(DebugTest, GoogleTokenExchangeAndBucket) {
  testing::FakeGoogle goog(ca(), "sa@p.iam.gserviceaccount.com", public_key_pem(user_key()),
                           "models-bucket");
  std::string keyfile =
      dir_.write("sa.json", Json{{"type", "service_account"},
                                 {"client_email", "sa@p.iam.gserviceaccount.com"},
                                 {"private_key", testing::private_key_pkcs8_pem(user_key())},
                                 {"token_uri", goog.token_uri()}}
                                .dump());
  Json fields = {{"method", "service-account"},
                 {"keyfile", keyfile},
                 {"project", "p"},
                 {"storage_endpoint", goog.url()},
                 {"gcs_bucket", "models-bucket"},
                 {"compute_region", "us-central1"}};
  auto o = run(Platform::kBigQuery, fields);
  EXPECT_EQ(o.failures, 0) << o.output;
  EXPECT_NE(o.output.find("[OK] bucket models-bucket (US-CENTRAL1)"), std::string::npos)
      << o.output;
  fields["gcs_bucket"] = "other-bucket";
  auto missing = run(Platform::kBigQuery, fields);
  EXPECT_EQ(missing.failures, 1);
  EXPECT_NE(missing.output.find("HTTP 404 Not Found — Google 404: The specified bucket does "
                                "not exist. [reason notFound]"),
            std::string::npos)
      << missing.output;
  fields.erase("gcs_bucket");
  auto none = run(Platform::kBigQuery, fields);
  EXPECT_EQ(none.failures, 1);
  EXPECT_NE(none.output.find("error[DBTPY451]"), std::string::npos) << none.output;
}

TEST_F(DebugTest, CanarySecretsNeverReachAnyOutput) {
  const std::vector<std::string> canaries = {
      "CANARY-pass-7f3a9d",   "CANARY-tok-91bd22",    "CANARY-cs-55e1aa",
      "CANARY-pw-0c0c0c",     "CANARY-envpass-2c2c",  "CANARY-dapi-env-8888",
      "CANARY-ya29-env-4444", "CANARY-sfenvtok-1212", "CANARY-refresh-3131"};
  env_.set("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "CANARY-envpass-2c2c");
  env_.set("DATABRICKS_TOKEN", "CANARY-dapi-env-8888");
  env_.set("SNOWFLAKE_TOKEN", "CANARY-sfenvtok-1212");

  testing::FakeSnowflake sf(ca(), "MYORG-ACCT", "DBT_USER", public_key_pem(user_key()));
  testing::FakeDatabricks dbx(ca(), "sp-id", "CANARY-cs-55e1aa");
  testing::FakeGoogle goog(ca(), "sa@p.iam.gserviceaccount.com", public_key_pem(user_key()), "b");
  std::string enc =
      dir_.write("enc.p8", testing::private_key_pkcs8_pem(user_key(), "CANARY-pass-7f3a9d"));
  std::string env_enc =
      dir_.write("env.p8", testing::private_key_pkcs8_pem(user_key(), "CANARY-envpass-2c2c"));
  Json sf_base = {{"account", "myorg-acct"},
                  {"user", "dbt_user"},
                  {"host", "127.0.0.1"},
                  {"port", sf.server().port()}};
  auto with = [](Json base, Json extra) {
    base.update(extra);
    return base;
  };
  for (bool json : {false, true}) {
    // Passing and failing runs on every platform and method.
    run(Platform::kSnowflake, with(sf_base, {{"private_key_path", enc}}),
        {{"private_key_passphrase", "CANARY-pass-7f3a9d"}}, json);
    run(Platform::kSnowflake, with(sf_base, {{"private_key_path", enc}}),
        {{"private_key_passphrase", "CANARY-pw-0c0c0c"}}, json);  // wrong passphrase
    run(Platform::kSnowflake, with(sf_base, {{"private_key_path", env_enc}}), {}, json);
    run(Platform::kSnowflake, with(sf_base, {{"authenticator", "oauth"}}),
        {{"token", "CANARY-tok-91bd22"}}, json);  // rejected token
    run(Platform::kSnowflake, with(sf_base, {{"authenticator", "programmatic_access_token"}}), {},
        json);  // SNOWFLAKE_TOKEN from the environment, rejected
    run(Platform::kSnowflake, sf_base, {{"password", "CANARY-pw-0c0c0c"}}, json);
    run(Platform::kSnowflake, sf_base, {{"token", "CANARY-tok-91bd22"}}, json);  // config error
    run(Platform::kSnowflake,
        with(sf_base, {{"authenticator", "oauth"}, {"oauth_client_id", "cid"}}),
        {{"token", "CANARY-refresh-3131"}, {"oauth_client_secret", "CANARY-cs-55e1aa"}}, json);
    run(Platform::kDatabricks, {{"host", dbx.url()}, {"client_id", "sp-id"}},
        {{"client_secret", "CANARY-cs-55e1aa"}}, json);
    run(Platform::kDatabricks, {{"host", dbx.url()}, {"client_id", "sp-id"}},
        {{"client_secret", "CANARY-pw-0c0c0c"}}, json);
    run(Platform::kDatabricks, {{"host", dbx.url()}}, {}, json);  // DATABRICKS_TOKEN, rejected
    run(Platform::kBigQuery,
        {{"method", "oauth-secrets"}, {"storage_endpoint", goog.url()}, {"gcs_bucket", "b"}},
        {{"token", "CANARY-tok-91bd22"}}, json);
    run(Platform::kBigQuery,
        {{"method", "oauth-secrets"},
         {"client_id", "c"},
         {"token_uri", goog.token_uri()},
         {"storage_endpoint", goog.url()},
         {"gcs_bucket", "b"}},
        {{"refresh_token", "CANARY-refresh-3131"}, {"client_secret", "CANARY-cs-55e1aa"}}, json);
    env_.set("GOOGLE_OAUTH_ACCESS_TOKEN", "CANARY-ya29-env-4444");
    run(Platform::kBigQuery,
        {{"method", "oauth"}, {"storage_endpoint", goog.url()}, {"gcs_bucket", "b"}}, {}, json);
    env_ = testing::FakeEnv();
    env_.set("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "CANARY-envpass-2c2c");
    env_.set("DATABRICKS_TOKEN", "CANARY-dapi-env-8888");
    env_.set("SNOWFLAKE_TOKEN", "CANARY-sfenvtok-1212");
  }
  ASSERT_GT(all_output_.size(), 2000u) << "the runs produced output to search";
  EXPECT_NE(all_output_.find("error[DBTPY4"), std::string::npos) << "failing runs were included";
  EXPECT_NE(all_output_.find("All checks passed!"), std::string::npos);
  for (const auto& c : canaries) {
    EXPECT_EQ(all_output_.find(c), std::string::npos) << c << " leaked";
    // Also not in the URL-encoded form.
    EXPECT_EQ(all_output_.find(submitters::http::url_encode(c)), std::string::npos) << c;
  }
  // Nor any token the platforms issued or the client minted.
  for (const auto& jwt : sf.seen_jwts())
    EXPECT_EQ(all_output_.find(jwt), std::string::npos);
  EXPECT_EQ(all_output_.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(all_output_.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
}

}  // namespace
}  // namespace dbtpy::cli
