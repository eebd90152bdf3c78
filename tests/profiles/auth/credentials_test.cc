// Credential resolution: which method, from which source, and the errors for everything else.
#include "profiles/auth/credentials.h"

#include <gtest/gtest.h>

#include "tests/profiles/auth/test_profiles.h"
#include "tests/support/temp_dir.h"
#include "util/error.h"

namespace dbtpy::profiles::auth {
namespace {

using testing::FakeEnv;
using testing::TempDir;

class CredentialsTest : public ::testing::Test {
 protected:
  std::shared_ptr<Redactor> redactor_ = std::make_shared<Redactor>();
  TempDir home_;
  FakeEnv env_;

  ResolvedCredentials resolve(Platform p, Json fields, Json secrets = Json::object()) {
    return resolve_credentials(make_target(p, std::move(fields)),
                               make_secrets(std::move(secrets), redactor_),
                               make_sources(env_, home_.path().string(), redactor_));
  }
  // The code of the dbtpy::Error resolving throws.
  std::string error_code(Platform p, Json fields, Json secrets = Json::object(),
                         std::string* message = nullptr) {
    try {
      resolve(p, std::move(fields), std::move(secrets));
    } catch (const Error& e) {
      if (message) *message = e.what();
      return e.diagnostics().at(0).code;
    }
    return "ok";
  }
  static const SnowflakeCredentials& sf(const ResolvedCredentials& r) {
    return std::get<SnowflakeCredentials>(r.details);
  }
};

TEST_F(CredentialsTest, SnowflakeKeyPairFromTheProfile) {
  auto r = resolve(Platform::kSnowflake,
                   {{"account", "myorg-acct"}, {"user", "dbt"}, {"private_key_path", "/k.p8"}},
                   {{"private_key_passphrase", "pass-phrase-1"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kKeyPair);
  EXPECT_EQ(r.method, "key-pair JWT");
  EXPECT_EQ(sf(r).private_key_path, "/k.p8");
  EXPECT_EQ(sf(r).passphrase, "pass-phrase-1");
  EXPECT_EQ(r.endpoints.snowflake, "https://myorg-acct.snowflakecomputing.com");
  EXPECT_EQ(redactor_->redact("x pass-phrase-1 y"), "x <redacted> y");
}

TEST_F(CredentialsTest, SnowflakeFieldsMissingFromTheProfileComeFromEnvThenConnectionsToml) {
  home_.write(".snowflake/connections.toml",
              "[default]\naccount = \"toml-acct\"\nuser = \"toml_user\"\nwarehouse = \"WH\"\n"
              "private_key_file = \"/toml/key.p8\"\nprivate_key_file_pwd = \"toml-pass-xyz\"\n");
  env_.set("SNOWFLAKE_USER", "env_user");
  auto r = resolve(Platform::kSnowflake, {{"database", "DB"}});
  EXPECT_EQ(r.target.string_field("account"), "toml-acct");
  EXPECT_EQ(r.target.string_field("user"), "env_user") << "env beats connections.toml";
  EXPECT_EQ(r.target.string_field("warehouse"), "WH");
  EXPECT_EQ(r.target.string_field("database"), "DB");
  EXPECT_EQ(sf(r).private_key_path, "/toml/key.p8");
  EXPECT_EQ(sf(r).passphrase, "toml-pass-xyz");
  EXPECT_EQ(r.endpoints.snowflake, "https://toml-acct.snowflakecomputing.com");
  EXPECT_EQ(redactor_->redact("toml-pass-xyz"), "<redacted>");
  bool saw_source = false;
  for (const auto& s : r.settings) {
    if (s.name == "account") {
      EXPECT_EQ(s.source, "~/.snowflake/connections.toml [default]");
      saw_source = true;
    }
  }
  EXPECT_TRUE(saw_source);
}

TEST_F(CredentialsTest, SnowflakeConnectionSelection) {
  home_.write(".snowflake/config.toml", "default_connection_name = \"prod\"\n");
  home_.write(".snowflake/connections.toml",
              "[default]\naccount = \"a-default\"\n[prod]\naccount = \"a-prod\"\n"
              "[ci]\naccount = \"a-ci\"\n");
  Json fields = {{"user", "u"}, {"private_key_path", "/k"}};
  EXPECT_EQ(resolve(Platform::kSnowflake, fields).target.string_field("account"), "a-prod");
  env_.set("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "ci");
  EXPECT_EQ(resolve(Platform::kSnowflake, fields).target.string_field("account"), "a-ci");
  Json named = fields;
  named["connection_name"] = "default";
  EXPECT_EQ(resolve(Platform::kSnowflake, named).target.string_field("account"), "a-default");
  env_.set("SNOWFLAKE_CONNECTIONS_CI_ACCOUNT", "a-ci-env");
  EXPECT_EQ(resolve(Platform::kSnowflake, fields).target.string_field("account"), "a-ci-env");
  named["connection_name"] = "missing";
  std::string msg;
  EXPECT_EQ(error_code(Platform::kSnowflake, named, {}, &msg), "DBTPY426");
  EXPECT_NE(msg.find("defined connections: ci, default, prod"), std::string::npos) << msg;
}

TEST_F(CredentialsTest, SnowflakeBrokenConnectionsTomlIsAnErrorOnlyWhenAskedFor) {
  home_.write(".snowflake/connections.toml", "[default\naccount = 'x'\n");
  Json fields = {{"account", "a"}, {"user", "u"}, {"private_key_path", "/k"}};
  EXPECT_EQ(error_code(Platform::kSnowflake, fields), "ok");
  env_.set("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "default");
  std::string msg;
  EXPECT_EQ(error_code(Platform::kSnowflake, fields, {}, &msg), "DBTPY426");
  EXPECT_NE(msg.find("connections.toml:1:"), std::string::npos) << msg;
}

TEST_F(CredentialsTest, SnowflakeMethods) {
  Json base = {{"account", "a"}, {"user", "u"}};
  auto with = [&](Json extra) {
    Json f = base;
    f.update(extra);
    return f;
  };
  auto r = resolve(Platform::kSnowflake, with({{"authenticator", "oauth"}}),
                   {{"token", "oauth-access"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kOAuth);
  r = resolve(Platform::kSnowflake, with({{"authenticator", "oauth"}, {"oauth_client_id", "cid"}}),
              {{"token", "refresh-tok"}, {"oauth_client_secret", "csecret"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kOAuthRefresh);
  EXPECT_EQ(sf(r).oauth_client_id, "cid");
  r = resolve(Platform::kSnowflake, with({{"authenticator", "jwt"}}), {{"token", "ext-jwt"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kOAuth);
  r = resolve(Platform::kSnowflake, with({{"authenticator", "PROGRAMMATIC_ACCESS_TOKEN"}}),
              {{"token", "pat-1"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kProgrammaticAccessToken);
  EXPECT_EQ(sf(r).token, "pat-1");
  r = resolve(Platform::kSnowflake, base, {{"password", "pat-as-password"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kProgrammaticAccessToken);
  EXPECT_EQ(sf(r).token, "pat-as-password");
  r = resolve(Platform::kSnowflake, with({{"authenticator", "snowflake_jwt"}}),
              {{"private_key", "-----BEGIN PRIVATE KEY-----"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kKeyPair);
  env_.set("SNOWFLAKE_PRIVATE_KEY_PATH", "/env/key.p8");
  r = resolve(Platform::kSnowflake, base);
  EXPECT_EQ(sf(r).private_key_path, "/env/key.p8");
}

TEST_F(CredentialsTest, CredentialsComeFromOnePlaceButThePassphraseFromAny) {
  env_.set("SNOWFLAKE_PRIVATE_KEY_PATH", "/env/key.p8");
  env_.set("SNOWFLAKE_TOKEN", "env-token");
  // The profile's own credentials win over every variable...
  auto r = resolve(Platform::kSnowflake, {{"account", "a"}, {"user", "u"}},
                   {{"password", "profile-pat"}});
  EXPECT_EQ(sf(r).auth, SnowflakeAuth::kProgrammaticAccessToken);
  EXPECT_EQ(sf(r).token, "profile-pat");
  // ...a profile with none takes them from the environment, with the profile's method switch...
  r = resolve(Platform::kSnowflake,
              {{"account", "a"}, {"user", "u"}, {"authenticator", "snowflake_jwt"}});
  EXPECT_EQ(sf(r).private_key_path, "/env/key.p8");
  // ...and a key from the profile may take its passphrase from the environment.
  env_.set("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "env-pass-1234");
  r = resolve(Platform::kSnowflake, {{"account", "a"}, {"user", "u"}, {"private_key_path", "/p"}});
  EXPECT_EQ(sf(r).private_key_path, "/p");
  EXPECT_EQ(sf(r).passphrase, "env-pass-1234");

  env_.set("DATABRICKS_TOKEN", "dapi-stray");
  auto d = resolve(Platform::kDatabricks, {{"host", "h.example.com"}, {"client_id", "sp"}},
                   {{"client_secret", "dose-profile"}});
  EXPECT_EQ(std::get<DatabricksCredentials>(d.details).auth, DatabricksAuth::kOAuthM2M)
      << "a stray DATABRICKS_TOKEN does not override the profile's service principal";
}

TEST_F(CredentialsTest, SnowflakeConfigurationErrors) {
  Json base = {{"account", "a"}, {"user", "u"}};
  auto with = [&](Json extra) {
    Json f = base;
    f.update(extra);
    return f;
  };
  std::string msg;
  EXPECT_EQ(
      error_code(Platform::kSnowflake, with({{"authenticator", "externalbrowser"}}), {}, &msg),
      "DBTPY427");
  EXPECT_NE(msg.find("profiles.yml:3: error[DBTPY427]"), std::string::npos) << msg;
  EXPECT_EQ(error_code(Platform::kSnowflake, with({{"authenticator", "https://myco.okta.com"}})),
            "DBTPY427");
  EXPECT_EQ(error_code(Platform::kSnowflake, with({{"authenticator", "weird"}})), "DBTPY427");
  EXPECT_EQ(error_code(Platform::kSnowflake, base), "DBTPY420");
  EXPECT_EQ(error_code(Platform::kSnowflake, with({{"authenticator", "oauth"}})), "DBTPY428");
  EXPECT_EQ(error_code(Platform::kSnowflake, base, {{"token", "t"}}), "DBTPY428");
  EXPECT_EQ(error_code(Platform::kSnowflake, with({{"private_key_path", "/k"}}),
                       {{"private_key", "-----BEGIN"}}),
            "DBTPY423");
  EXPECT_EQ(error_code(Platform::kSnowflake, {{"account", "a"}, {"private_key_path", "/k"}}),
            "DBTPY428")
      << "key pair needs a user";
  EXPECT_EQ(error_code(Platform::kSnowflake,
                       {{"user", "u"}, {"host", "127.0.0.1"}, {"private_key_path", "/k"}}),
            "DBTPY428")
      << "key pair needs an account when the host does not name one";
  auto r = resolve(Platform::kSnowflake, {{"user", "u"},
                                          {"host", "xy12345.eu-west-1.snowflakecomputing.com"},
                                          {"private_key_path", "/k"}});
  EXPECT_EQ(sf(r).account, "xy12345");
}

TEST_F(CredentialsTest, DatabricksPatAndM2M) {
  auto r = resolve(Platform::kDatabricks, {{"host", "dbc-1.cloud.databricks.com"}},
                   {{"token", "dapi-profile"}});
  EXPECT_EQ(std::get<DatabricksCredentials>(r.details).auth, DatabricksAuth::kPersonalAccessToken);
  EXPECT_EQ(r.endpoints.databricks, "https://dbc-1.cloud.databricks.com");
  r = resolve(Platform::kDatabricks, {{"host", "h.example.com"}, {"client_id", "sp-1"}},
              {{"client_secret", "dose-secret"}});
  const auto& d = std::get<DatabricksCredentials>(r.details);
  EXPECT_EQ(d.auth, DatabricksAuth::kOAuthM2M);
  EXPECT_EQ(d.client_id, "sp-1");
  EXPECT_EQ(r.method, "OAuth machine-to-machine (service principal)");
}

TEST_F(CredentialsTest, DatabricksUnifiedAuthEnvironmentAndConfigFile) {
  env_.set("DATABRICKS_HOST", "https://env-host.cloud.databricks.com");
  env_.set("DATABRICKS_TOKEN", "dapi-env");
  auto r = resolve(Platform::kDatabricks, Json::object());
  EXPECT_EQ(r.target.string_field("host"), "https://env-host.cloud.databricks.com");
  EXPECT_EQ(std::get<DatabricksCredentials>(r.details).token, "dapi-env");
  EXPECT_EQ(redactor_->redact("dapi-env"), "<redacted>");

  FakeEnv clean;
  env_ = clean;
  home_.write(".databrickscfg",
              "[DEFAULT]\nhost = https://cfg-host.cloud.databricks.com\ntoken = dapi-cfg\n"
              "[sp]\nhost = https://sp-host.cloud.databricks.com\nclient_id = sp-id\n"
              "client_secret = dose-cfg\n");
  r = resolve(Platform::kDatabricks, Json::object());
  EXPECT_EQ(std::get<DatabricksCredentials>(r.details).token, "dapi-cfg");
  EXPECT_EQ(r.endpoints.databricks, "https://cfg-host.cloud.databricks.com");
  // A config profile for another workspace is not used for the profile's host.
  EXPECT_EQ(error_code(Platform::kDatabricks, {{"host", "other.cloud.databricks.com"}}),
            "DBTPY420");
  // The same workspace written differently is.
  r = resolve(Platform::kDatabricks, {{"host", "cfg-host.cloud.databricks.com/"}});
  EXPECT_EQ(std::get<DatabricksCredentials>(r.details).token, "dapi-cfg");
  env_.set("DATABRICKS_CONFIG_PROFILE", "sp");
  r = resolve(Platform::kDatabricks, Json::object());
  const auto& d = std::get<DatabricksCredentials>(r.details);
  EXPECT_EQ(d.auth, DatabricksAuth::kPersonalAccessToken)
      << "DEFAULT's token is inherited by [sp], and a token wins as in dbt-databricks";
  env_.set("DATABRICKS_CONFIG_PROFILE", "nope");
  EXPECT_EQ(error_code(Platform::kDatabricks, Json::object()), "DBTPY426");
}

TEST_F(CredentialsTest, DatabricksUnsupportedFlowsAreNamed) {
  std::string msg;
  EXPECT_EQ(error_code(Platform::kDatabricks, {{"host", "h"}, {"client_id", "only-id"}}, {}, &msg),
            "DBTPY427");
  EXPECT_NE(msg.find("browser"), std::string::npos) << msg;
  EXPECT_EQ(error_code(Platform::kDatabricks, {{"host", "h"}, {"azure_client_id", "x"}},
                       {{"azure_client_secret", "y"}}),
            "DBTPY427");
  EXPECT_EQ(error_code(Platform::kDatabricks, {{"host", "h"}}), "DBTPY420");
  EXPECT_EQ(error_code(Platform::kDatabricks, Json::object()), "DBTPY210");
}

TEST_F(CredentialsTest, GoogleMethodsMapOntoCredentials) {
  std::string sa = R"({"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com",
    "private_key":"-----BEGIN PRIVATE KEY-----\nsa-key-material-1234\n-----END PRIVATE KEY-----\n",
    "private_key_id":"kid1","token_uri":"https://127.0.0.1:1/token"})";
  std::string key_path = home_.write("sa.json", sa);
  auto r = resolve(Platform::kBigQuery, {{"method", "service-account"}, {"keyfile", key_path}});
  auto g = std::get<GoogleCredentials>(r.details);
  EXPECT_EQ(g.auth, GoogleAuth::kServiceAccount);
  EXPECT_EQ(g.client_email, "sa@p.iam.gserviceaccount.com");
  EXPECT_EQ(g.token_uri, "https://127.0.0.1:1/token");
  EXPECT_EQ(g.scopes, std::vector<std::string>{kCloudPlatformScope});
  EXPECT_EQ(redactor_->redact("sa-key-material-1234"), "<redacted>");

  r = resolve(Platform::kBigQuery, {{"method", "service-account-json"}},
              {{"keyfile_json", Json::parse(sa)}});
  EXPECT_EQ(std::get<GoogleCredentials>(r.details).private_key_id, "kid1");
  r = resolve(Platform::kBigQuery, {{"method", "oauth-secrets"}}, {{"token", "ya29.abc"}});
  EXPECT_EQ(std::get<GoogleCredentials>(r.details).auth, GoogleAuth::kAccessToken);
  r = resolve(Platform::kBigQuery,
              {{"method", "oauth-secrets"}, {"client_id", "cid"}, {"scopes", {"s1", "s2"}}},
              {{"refresh_token", "1//r"}, {"client_secret", "cs"}});
  g = std::get<GoogleCredentials>(r.details);
  EXPECT_EQ(g.auth, GoogleAuth::kAuthorizedUser);
  EXPECT_EQ(g.token_uri, kGoogleTokenUri);
  EXPECT_EQ(g.scopes, (std::vector<std::string>{"s1", "s2"}));
}

TEST_F(CredentialsTest, GoogleApplicationDefaultCredentialsInGooglesOrder) {
  Json oauth = {{"method", "oauth"}, {"project", "p"}};
  // Nothing configured: the metadata server is the last resort.
  auto r = resolve(Platform::kBigQuery, oauth);
  auto g = std::get<GoogleCredentials>(r.details);
  EXPECT_EQ(g.auth, GoogleAuth::kMetadataServer);
  EXPECT_EQ(g.metadata_base, "http://metadata.google.internal");
  EXPECT_FALSE(g.metadata_explicit);
  env_.set("GCE_METADATA_HOST", "127.0.0.1:8080");
  g = std::get<GoogleCredentials>(resolve(Platform::kBigQuery, oauth).details);
  EXPECT_EQ(g.metadata_base, "http://127.0.0.1:8080");
  EXPECT_TRUE(g.metadata_explicit);
  // gcloud's ADC file beats the metadata server.
  home_.write(".config/gcloud/application_default_credentials.json",
              R"({"type":"authorized_user","client_id":"c","client_secret":"s",)"
              R"("refresh_token":"1//adc-refresh"})");
  g = std::get<GoogleCredentials>(resolve(Platform::kBigQuery, oauth).details);
  EXPECT_EQ(g.auth, GoogleAuth::kAuthorizedUser);
  EXPECT_EQ(redactor_->redact("1//adc-refresh"), "<redacted>");
  // GOOGLE_APPLICATION_CREDENTIALS beats gcloud's file.
  std::string ext = home_.write("ext.json", R"({"type":"external_account"})");
  env_.set("GOOGLE_APPLICATION_CREDENTIALS", ext);
  std::string msg;
  EXPECT_EQ(error_code(Platform::kBigQuery, oauth, {}, &msg), "DBTPY426");
  EXPECT_NE(msg.find("'external_account' are not supported"), std::string::npos) << msg;
  // GOOGLE_OAUTH_ACCESS_TOKEN beats everything.
  env_.set("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.env-token");
  g = std::get<GoogleCredentials>(resolve(Platform::kBigQuery, oauth).details);
  EXPECT_EQ(g.auth, GoogleAuth::kAccessToken);
}

TEST_F(CredentialsTest, GoogleConfigurationErrors) {
  EXPECT_EQ(error_code(Platform::kBigQuery, {{"project", "p"}}), "DBTPY428");
  EXPECT_EQ(error_code(Platform::kBigQuery, {{"method", "magic"}}), "DBTPY427");
  EXPECT_EQ(error_code(Platform::kBigQuery, {{"method", "service-account"}}), "DBTPY428");
  EXPECT_EQ(error_code(Platform::kBigQuery,
                       {{"method", "service-account"}, {"keyfile", "/nonexistent/k.json"}}),
            "DBTPY421");
  std::string bad = home_.write("bad.json", "{ not json, but secret-ish 9f8e7d");
  std::string msg;
  EXPECT_EQ(
      error_code(Platform::kBigQuery, {{"method", "service-account"}, {"keyfile", bad}}, {}, &msg),
      "DBTPY426");
  EXPECT_EQ(msg.find("9f8e7d"), std::string::npos) << "file contents never reach messages";
  std::string user = home_.write(
      "user.json",
      R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})");
  EXPECT_EQ(error_code(Platform::kBigQuery, {{"method", "service-account"}, {"keyfile", user}}),
            "DBTPY426");
  EXPECT_EQ(error_code(Platform::kBigQuery,
                       {{"method", "oauth"}, {"impersonate_service_account", "x@y"}}),
            "DBTPY427");
}

TEST(ClientOptionsFor, ProfileCaBundleOverridesTheEnvironment) {
  FakeEnv env({{"SSL_CERT_FILE", "/env/ca.pem"}});
  auto t = make_target(Platform::kDatabricks, {{"host", "h"}});
  EXPECT_EQ(client_options_for(t, env.lookup()).ca_file, "/env/ca.pem");
  t.fields["ca_bundle"] = "/profile/ca.pem";
  EXPECT_EQ(client_options_for(t, env.lookup()).ca_file, "/profile/ca.pem");
}

}  // namespace
}  // namespace dbtpy::profiles::auth
