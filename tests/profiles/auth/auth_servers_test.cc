// Authentication end to end against local HTTPS servers that verify what the vendors verify.
#include <gtest/gtest.h>

#include <thread>

#include "profiles/auth/authorized_http_client.h"
#include "profiles/auth/bearer_token_provider.h"
#include "profiles/auth/credentials.h"
#include "submitters/http/curl_http_client.h"
#include "submitters/http/http_error.h"
#include "tests/profiles/auth/test_profiles.h"
#include "tests/support/fake_platforms.h"
#include "tests/support/temp_dir.h"
#include "util/base64.h"
#include "util/error.h"

namespace dbtpy::profiles::auth {
namespace {

using namespace std::chrono;
using testing::FakeClock;
using testing::FakeEnv;

const testing::TestCa& ca() {
  static testing::TestCa instance;
  return instance;
}
EVP_PKEY* user_key() {
  static PkeyPtr k = testing::generate_rsa_key();
  return k.get();
}
EVP_PKEY* other_key() {
  static PkeyPtr k = testing::generate_rsa_key();
  return k.get();
}

class AuthServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_file_ = (dir_.path() / "ca.pem").string();
    ca().write_cert_pem(ca_file_);
    http::ClientOptions o;
    o.ca_file = ca_file_;
    client_ = std::make_unique<http::CurlHttpClient>(o);
    http::RetrySettings rs;
    rs.max_attempts = 3;
    retry_ = std::make_unique<http::RetryLoop>(
        http::RetryLoop::with_settings(rs, *clock_, sleeper_, random_));
  }

  // The client goes first: a server stopping with a kept-alive connection open waits for it.
  void TearDown() override {
    retry_.reset();
    client_.reset();
  }

  TokenDeps deps() { return TokenDeps{client_.get(), retry_.get(), clock_.get(), redactor_}; }

  std::shared_ptr<AuthProvider> provider(Platform p, Json fields, Json secrets = Json::object()) {
    auto resolved = resolve_credentials(make_target(p, std::move(fields)),
                                        make_secrets(std::move(secrets), redactor_),
                                        make_sources(env_, dir_.path().string(), redactor_));
    return make_auth_provider(resolved, deps());
  }

  // One authenticated call through the retry loop, as a submitter makes it.
  http::HttpResponse call(const std::shared_ptr<AuthProvider>& auth, std::string method,
                          std::string url, std::string body = {}) {
    AuthorizedHttpClient api(*client_, auth);
    http::HttpRequest r;
    r.method = std::move(method);
    r.url = std::move(url);
    r.body = std::move(body);
    if (!r.body.empty()) r.set_header("Content-Type", "application/json");
    return retry_->send(api, r);
  }

  std::string error_code(const std::function<void()>& f, std::string* message = nullptr) {
    try {
      f();
    } catch (const Error& e) {
      if (message) *message = e.what();
      return e.diagnostics().at(0).code;
    }
    return "ok";
  }

  testing::TempDir dir_;
  std::string ca_file_;
  FakeEnv env_;
  std::shared_ptr<Redactor> redactor_ = std::make_shared<Redactor>();
  std::unique_ptr<FakeClock> clock_ = std::make_unique<FakeClock>();
  testing::RecordingSleeper sleeper_{nullptr};
  testing::FixedRandom random_{0.0};
  std::unique_ptr<http::CurlHttpClient> client_;
  std::unique_ptr<http::RetryLoop> retry_;
};

// ------------------------------------------------------------------------------ Snowflake

class SnowflakeAuthTest : public AuthServersTest {
 protected:
  void SetUp() override {
    AuthServersTest::SetUp();
    sf_ = std::make_unique<testing::FakeSnowflake>(ca(), "MYORG-ACCT", "DBT_USER",
                                                   public_key_pem(user_key()));
    key_path_ = dir_.write("rsa_key.p8", testing::private_key_pkcs8_pem(user_key()));
    encrypted_path_ =
        dir_.write("rsa_key_enc.p8", testing::private_key_pkcs8_pem(user_key(), "s3cret-pass"));
  }
  Json fields(Json extra = Json::object()) {
    Json f = {{"account", "myorg-acct"},
              {"user", "dbt_user"},
              {"host", "127.0.0.1"},
              {"port", sf_->server().port()},
              {"private_key_path", key_path_}};
    f.update(extra);
    return f;
  }
  http::HttpResponse select1(const std::shared_ptr<AuthProvider>& auth) {
    return call(auth, "POST", sf_->url() + "/api/v2/statements?requestId=r1",
                R"({"statement":"SELECT 1"})");
  }

  std::unique_ptr<testing::FakeSnowflake> sf_;
  std::string key_path_, encrypted_path_;
};

TEST_F(SnowflakeAuthTest, KeyPairJwtIsAcceptedByTheVerifier) {
  auto auth = provider(Platform::kSnowflake, fields());
  auto r = select1(auth);
  EXPECT_EQ(r.status, 200) << r.body << " / " << sf_->last_rejection();
  EXPECT_EQ(sf_->statements_ok(), 1);
  EXPECT_NE(auth->description().find("MYORG-ACCT.DBT_USER"), std::string::npos);
  // The JWT is a secret too.
  ASSERT_EQ(sf_->seen_jwts().size(), 1u);
  EXPECT_EQ(redactor_->redact(*sf_->seen_jwts().begin()), "<redacted>");
}

TEST_F(SnowflakeAuthTest, EncryptedKeyWithItsPassphrase) {
  auto auth = provider(Platform::kSnowflake, fields({{"private_key_path", encrypted_path_}}),
                       {{"private_key_passphrase", "s3cret-pass"}});
  EXPECT_EQ(select1(auth).status, 200);
}

TEST_F(SnowflakeAuthTest, InlinePemAndBase64DerKeys) {
  Json f = fields();
  f.erase("private_key_path");
  auto pem = provider(Platform::kSnowflake, f,
                      {{"private_key", testing::private_key_pkcs8_pem(user_key())}});
  EXPECT_EQ(select1(pem).status, 200);
  auto der = provider(Platform::kSnowflake, f,
                      {{"private_key", base64_encode(testing::private_key_pkcs8_der(user_key()))}});
  EXPECT_EQ(select1(der).status, 200);
}

TEST_F(SnowflakeAuthTest, KeyProblemsSurfaceBeforeAnyRequest) {
  std::string msg;
  EXPECT_EQ(error_code(
                [&] {
                  provider(Platform::kSnowflake, fields({{"private_key_path", encrypted_path_}}),
                           {{"private_key_passphrase", "wrong-pass"}});
                },
                &msg),
            "DBTPY422");
  EXPECT_NE(msg.find("wrong passphrase"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("wrong-pass"), std::string::npos) << "the passphrase never appears";
  EXPECT_EQ(error_code([&] {
              provider(Platform::kSnowflake, fields({{"private_key_path", encrypted_path_}}));
            }),
            "DBTPY422");
  EXPECT_EQ(error_code([&] {
              provider(Platform::kSnowflake,
                       fields({{"private_key_path", (dir_.path() / "missing.p8").string()}}));
            }),
            "DBTPY421");
  std::string junk =
      dir_.write("junk.p8", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ(error_code([&] {
              provider(Platform::kSnowflake, fields({{"private_key_path", junk}}));
            }),
            "DBTPY422");
  EXPECT_EQ(sf_->server().total_hits(), 0);
}

TEST_F(SnowflakeAuthTest, UnregisteredKeyIsRejectedWithSnowflakesError) {
  std::string other = dir_.write("other.p8", testing::private_key_pkcs8_pem(other_key()));
  auto auth = provider(Platform::kSnowflake, fields({{"private_key_path", other}}));
  http::HttpRequest req;
  auto r = select1(auth);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(sf_->statements_rejected(), 2) << "one refresh after the first 401, then give up";
  EXPECT_NE(sf_->last_rejection().find("signature"), std::string::npos) << sf_->last_rejection();
  try {
    http::ensure_success(req, r);
    FAIL();
  } catch (const http::HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY402");
    EXPECT_EQ(e.info().platform.code, "390144");
  }
}

TEST_F(SnowflakeAuthTest, ClockSkewIsCaughtByTheServer) {
  clock_->set(system_clock::now() + hours(2));
  auto ahead = provider(Platform::kSnowflake, fields());
  EXPECT_EQ(select1(ahead).status, 401);
  EXPECT_NE(sf_->last_rejection().find("issued in the future"), std::string::npos);
  clock_->set(system_clock::now() - hours(2));
  auto behind = provider(Platform::kSnowflake, fields());
  EXPECT_EQ(select1(behind).status, 401);
  EXPECT_NE(sf_->last_rejection().find("expired"), std::string::npos);
}

TEST_F(SnowflakeAuthTest, JwtIsReusedThenRenewedBeforeItExpires) {
  clock_->set(system_clock::now() - minutes(58));
  auto auth = provider(Platform::kSnowflake, fields());
  auto* bearer = dynamic_cast<BearerTokenProvider*>(auth.get());
  ASSERT_NE(bearer, nullptr);
  EXPECT_EQ(select1(auth).status, 200);
  EXPECT_EQ(select1(auth).status, 200);
  EXPECT_EQ(bearer->fetches(), 1) << "the JWT is cached";
  clock_->advance(minutes(55));  // 4 minutes before its exp: inside the refresh margin
  EXPECT_EQ(select1(auth).status, 200) << sf_->last_rejection();
  EXPECT_EQ(bearer->fetches(), 2);
  EXPECT_EQ(sf_->seen_jwts().size(), 2u);
}

TEST_F(SnowflakeAuthTest, RevokedMidRunIsRefreshedOnce) {
  auto auth = provider(Platform::kSnowflake, fields());
  auto* bearer = dynamic_cast<BearerTokenProvider*>(auth.get());
  EXPECT_EQ(select1(auth).status, 200);
  sf_->reject_next(1);
  EXPECT_EQ(select1(auth).status, 200);
  EXPECT_EQ(sf_->statements_rejected(), 1);
  EXPECT_EQ(sf_->statements_ok(), 2);
  EXPECT_EQ(bearer->fetches(), 2) << "exactly one refresh";
}

TEST_F(SnowflakeAuthTest, OAuthAndProgrammaticAccessTokensCarryTheirType) {
  sf_->allow_token("oauth-token-123", "OAUTH");
  sf_->allow_token("pat-token-456", "PROGRAMMATIC_ACCESS_TOKEN");
  Json f = fields();
  f.erase("private_key_path");
  f["authenticator"] = "oauth";
  EXPECT_EQ(select1(provider(Platform::kSnowflake, f, {{"token", "oauth-token-123"}})).status, 200);
  f["authenticator"] = "programmatic_access_token";
  EXPECT_EQ(select1(provider(Platform::kSnowflake, f, {{"token", "pat-token-456"}})).status, 200);
  f.erase("authenticator");
  EXPECT_EQ(select1(provider(Platform::kSnowflake, f, {{"password", "pat-token-456"}})).status,
            200);
  // A fixed token that is refused is not "refreshed": one request.
  f["authenticator"] = "oauth";
  int before = sf_->statements_rejected();
  EXPECT_EQ(select1(provider(Platform::kSnowflake, f, {{"token", "expired-token"}})).status, 401);
  EXPECT_EQ(sf_->statements_rejected(), before + 1);
}

TEST_F(SnowflakeAuthTest, OAuthRefreshTokenGrant) {
  sf_->set_oauth_client("client-1", "client-secret-1", "refresh-1");
  Json f = fields({{"authenticator", "oauth"}, {"oauth_client_id", "client-1"}});
  f.erase("private_key_path");
  auto auth = provider(Platform::kSnowflake, f,
                       {{"token", "refresh-1"}, {"oauth_client_secret", "client-secret-1"}});
  EXPECT_EQ(select1(auth).status, 200);
  EXPECT_EQ(sf_->refresh_grants(), 1);
  auto bad = provider(Platform::kSnowflake, f,
                      {{"token", "refresh-old"}, {"oauth_client_secret", "client-secret-1"}});
  std::string msg;
  EXPECT_EQ(error_code([&] { select1(bad); }, &msg), "DBTPY424");
  EXPECT_NE(msg.find("invalid_grant"), std::string::npos) << msg;
}

// ----------------------------------------------------------------------------- Databricks

class DatabricksAuthTest : public AuthServersTest {
 protected:
  void SetUp() override {
    AuthServersTest::SetUp();
    dbx_ = std::make_unique<testing::FakeDatabricks>(ca(), "sp-app-id", "dose-secret-1");
  }
  std::shared_ptr<AuthProvider> m2m(std::string secret = "dose-secret-1") {
    return provider(Platform::kDatabricks, {{"host", dbx_->url()}, {"client_id", "sp-app-id"}},
                    {{"client_secret", secret}});
  }
  http::HttpResponse me(const std::shared_ptr<AuthProvider>& auth) {
    return call(auth, "GET", dbx_->url() + "/api/2.0/preview/scim/v2/Me");
  }
  std::unique_ptr<testing::FakeDatabricks> dbx_;
};

TEST_F(DatabricksAuthTest, ClientCredentialsGrantWithBasicAuth) {
  auto auth = m2m();
  EXPECT_EQ(me(auth).status, 200);
  EXPECT_EQ(me(auth).status, 200);
  EXPECT_EQ(dbx_->tokens_issued(), 1);
  EXPECT_EQ(dbx_->me_ok(), 2);
}

TEST_F(DatabricksAuthTest, WrongSecretIsReportedWithTheEndpointsError) {
  auto auth = m2m("dose-wrong");
  std::string msg;
  EXPECT_EQ(error_code([&] { me(auth); }, &msg), "DBTPY424");
  EXPECT_NE(msg.find("OAuth error invalid_client"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("dose-wrong"), std::string::npos);
  EXPECT_EQ(dbx_->server().hits("/oidc/v1/token"), 1) << "a refused client is not retried";
}

TEST_F(DatabricksAuthTest, ShortLivedTokensAreRenewedAndRejectedOnesRefreshedOnce) {
  dbx_->set_expires_in(10);
  auto auth = m2m();
  EXPECT_EQ(me(auth).status, 200);
  clock_->advance(seconds(4));
  EXPECT_EQ(me(auth).status, 200);
  EXPECT_EQ(dbx_->tokens_issued(), 1);
  clock_->advance(seconds(2));  // past half of its 10 s life
  EXPECT_EQ(me(auth).status, 200);
  EXPECT_EQ(dbx_->tokens_issued(), 2);
  dbx_->reject_next(1);
  EXPECT_EQ(me(auth).status, 200);
  EXPECT_EQ(dbx_->tokens_issued(), 3);
}

TEST_F(DatabricksAuthTest, ManyThreadsShareOneTokenFetch) {
  auto auth = m2m();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      if (!auth->headers().empty()) ok.fetch_add(1);
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 12);
  EXPECT_EQ(dbx_->tokens_issued(), 1);
}

TEST_F(DatabricksAuthTest, PersonalAccessToken) {
  dbx_->allow_pat("dapi-pat-1");
  auto auth = provider(Platform::kDatabricks, {{"host", dbx_->url()}}, {{"token", "dapi-pat-1"}});
  EXPECT_EQ(me(auth).status, 200);
  auto bad = provider(Platform::kDatabricks, {{"host", dbx_->url()}}, {{"token", "dapi-bad"}});
  EXPECT_EQ(me(bad).status, 401);
}

// --------------------------------------------------------------------------------- Google

class GoogleAuthTest : public AuthServersTest {
 protected:
  void SetUp() override {
    AuthServersTest::SetUp();
    goog_ = std::make_unique<testing::FakeGoogle>(ca(), "dbt@proj.iam.gserviceaccount.com",
                                                  public_key_pem(user_key()), "dbt-bucket");
  }
  std::string key_json(EVP_PKEY* key) {
    return Json{{"type", "service_account"},
                {"project_id", "proj"},
                {"private_key_id", "k1"},
                {"private_key", testing::private_key_pkcs8_pem(key)},
                {"client_email", "dbt@proj.iam.gserviceaccount.com"},
                {"token_uri", goog_->token_uri()}}
        .dump();
  }
  http::HttpResponse bucket(const std::shared_ptr<AuthProvider>& auth) {
    return call(auth, "GET", goog_->url() + "/storage/v1/b/dbt-bucket");
  }
  std::unique_ptr<testing::FakeGoogle> goog_;
};

TEST_F(GoogleAuthTest, ServiceAccountAssertionIsVerified) {
  std::string keyfile = dir_.write("sa.json", key_json(user_key()));
  auto auth = provider(Platform::kBigQuery, {{"method", "service-account"}, {"keyfile", keyfile}});
  EXPECT_EQ(bucket(auth).status, 200) << goog_->last_error();
  EXPECT_EQ(goog_->tokens_issued(), 1);
  auto inline_key = provider(Platform::kBigQuery, {{"method", "service-account-json"}},
                             {{"keyfile_json", Json::parse(key_json(user_key()))}});
  EXPECT_EQ(bucket(inline_key).status, 200);
}

TEST_F(GoogleAuthTest, WrongKeyIsRefusedByTheTokenEndpoint) {
  std::string keyfile = dir_.write("sa.json", key_json(other_key()));
  auto auth = provider(Platform::kBigQuery, {{"method", "service-account"}, {"keyfile", keyfile}});
  std::string msg;
  EXPECT_EQ(error_code([&] { bucket(auth); }, &msg), "DBTPY424");
  EXPECT_NE(msg.find("Invalid JWT Signature."), std::string::npos) << msg;
}

TEST_F(GoogleAuthTest, SkewedClockMakesAnAssertionGoogleRefuses) {
  clock_->set(system_clock::now() + hours(3));
  std::string keyfile = dir_.write("sa.json", key_json(user_key()));
  auto auth = provider(Platform::kBigQuery, {{"method", "service-account"}, {"keyfile", keyfile}});
  std::string msg;
  EXPECT_EQ(error_code([&] { bucket(auth); }, &msg), "DBTPY424");
  EXPECT_NE(msg.find("Check your iat and exp"), std::string::npos) << msg;
  EXPECT_NE(msg.find("check the system clock"), std::string::npos) << msg;
}

TEST_F(GoogleAuthTest, AuthorizedUserRefreshGrantFromGcloudAdc) {
  goog_->set_user("cid.apps.googleusercontent.com", "user-secret", "1//refresh-abc");
  dir_.write(".config/gcloud/application_default_credentials.json",
             Json{{"type", "authorized_user"},
                  {"client_id", "cid.apps.googleusercontent.com"},
                  {"client_secret", "user-secret"},
                  {"refresh_token", "1//refresh-abc"},
                  {"token_uri", goog_->token_uri()}}
                 .dump());
  auto auth = provider(Platform::kBigQuery, {{"method", "oauth"}});
  EXPECT_EQ(bucket(auth).status, 200);
  goog_->reject_next(1);
  EXPECT_EQ(bucket(auth).status, 200) << "a 401 mid-run is answered with one refresh";
  EXPECT_EQ(goog_->tokens_issued(), 2);
}

TEST_F(GoogleAuthTest, RevokedRefreshToken) {
  goog_->set_user("cid", "user-secret", "1//current");
  auto auth = provider(
      Platform::kBigQuery,
      {{"method", "oauth-secrets"}, {"client_id", "cid"}, {"token_uri", goog_->token_uri()}},
      {{"refresh_token", "1//revoked"}, {"client_secret", "user-secret"}});
  std::string msg;
  EXPECT_EQ(error_code([&] { bucket(auth); }, &msg), "DBTPY424");
  EXPECT_NE(msg.find("Token has been expired or revoked."), std::string::npos) << msg;
}

TEST_F(GoogleAuthTest, MetadataServer) {
  testing::FakeMetadata meta;
  env_.set("GCE_METADATA_HOST", meta.host());
  auto auth = provider(Platform::kBigQuery, {{"method", "oauth"}});
  auto headers = auth->headers();
  EXPECT_EQ(bearer_token(headers), meta.last_token());
  EXPECT_EQ(meta.tokens_issued(), 1);
}

TEST_F(GoogleAuthTest, NoCredentialsAnywhereIsReportedAtOnce) {
  GoogleCredentials c;
  c.auth = GoogleAuth::kMetadataServer;
  c.metadata_base = "http://127.0.0.1:9";  // discard port: nothing answers
  std::string msg;
  EXPECT_EQ(error_code([&] { make_google_provider(c, deps()); }, &msg), "DBTPY420");
  EXPECT_NE(msg.find("no Google credentials found"), std::string::npos);
}

}  // namespace
}  // namespace dbtpy::profiles::auth
