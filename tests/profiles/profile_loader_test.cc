#include "profiles/profile_loader.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/support/temp_dir.h"
#include "util/error.h"

namespace dbtpy::profiles {
namespace {

using dbtpy::testing::TempDir;

constexpr const char* kProfiles = R"(
config:
  send_anonymous_usage_stats: false
jaffle:
  target: "{{ env_var('DBT_TARGET', 'dev') }}"
  outputs:
    dev:
      type: snowflake
      account: "{{ env_var('SF_ACCOUNT', 'acme-dev') }}"
      user: dbt
      role: TRANSFORMER
      warehouse: WH
      database: ANALYTICS
      schema: dbt_dev
      threads: "{{ env_var('THREADS', '4') | int }}"
      password: "{{ env_var('SF_PASSWORD') }}"
      private_key_path: /keys/rsa.p8
      private_key_passphrase: "{{ env_var('DBT_ENV_SECRET_PASSPHRASE') }}"
      port: 443
      protocol: https
    dbx:
      type: databricks
      host: "{{ env_var('DATABRICKS_HOST', 'dbc-1.cloud.databricks.com') }}"
      http_path: /sql/1.0/warehouses/abc
      catalog: main
      schema: analytics
      token: "{{ env_var('DATABRICKS_TOKEN') }}"
    bq:
      type: bigquery
      method: service-account
      project: my-proj
      dataset: analytics
      keyfile: /keys/sa.json
      compute_region: us-central1
      gcs_bucket: dbt-bucket
      dataproc_batch:
        runtime_config:
          version: "2.2"
    pg:
      type: postgres
      host: localhost
other:
  outputs:
    default:
      type: bigquery
      project: p
      dataset: d
)";

class ProfileLoaderTest : public ::testing::Test {
 protected:
  ProfileLoaderTest() {
    request_.project_dir = project_.path();
    request_.project_profile = "jaffle";
    request_.env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    request_.redactor = std::make_shared<Redactor>();
    env_["HOME"] = home_.path().string();
  }

  Diagnostic error_of() {
    try {
      load_profile(request_);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      return e.diagnostics().at(0);
    }
    ADD_FAILURE() << "no error";
    return {};
  }

  TempDir project_, home_, elsewhere_;
  std::map<std::string, std::string> env_;
  ProfileRequest request_;
};

TEST_F(ProfileLoaderTest, LookupOrderFlagThenEnvThenProjectThenHome) {
  home_.write(".dbt/profiles.yml", kProfiles);
  EXPECT_EQ(find_profiles_file(request_), home_.path() / ".dbt/profiles.yml");
  project_.write("profiles.yml", kProfiles);
  EXPECT_EQ(find_profiles_file(request_), project_.path() / "profiles.yml");
  TempDir env_dir;
  env_dir.write("profiles.yml", kProfiles);
  env_["DBT_PROFILES_DIR"] = env_dir.path().string();
  EXPECT_EQ(find_profiles_file(request_), env_dir.path() / "profiles.yml");
  elsewhere_.write("profiles.yml", kProfiles);
  request_.profiles_dir = elsewhere_.path();
  EXPECT_EQ(find_profiles_file(request_), elsewhere_.path() / "profiles.yml");
}

TEST_F(ProfileLoaderTest, ExplicitFolderWithoutProfilesIsAnError) {
  project_.write("profiles.yml", kProfiles);
  request_.profiles_dir = elsewhere_.path();  // empty: no fallback to the project
  EXPECT_EQ(error_of().code, "DBTPY204");
  request_.profiles_dir.reset();
  env_["DBT_PROFILES_DIR"] = elsewhere_.path().string();
  EXPECT_EQ(error_of().code, "DBTPY204");
}

TEST_F(ProfileLoaderTest, NotFoundListsWhereItLooked) {
  Diagnostic d = error_of();
  EXPECT_EQ(d.code, "DBTPY204");
  EXPECT_NE(d.message.find(project_.path().string()), std::string::npos);
  EXPECT_NE(d.message.find(".dbt"), std::string::npos);
}

TEST_F(ProfileLoaderTest, DefaultTargetRenderedAndFieldsKept) {
  project_.write("profiles.yml", kProfiles);
  LoadedProfile p = load_profile(request_);
  const Target& t = p.target;
  EXPECT_EQ(t.profile_name, "jaffle");
  EXPECT_EQ(t.name, "dev");
  EXPECT_EQ(t.platform, Platform::kSnowflake);
  EXPECT_EQ(t.threads, 4);
  EXPECT_EQ(t.fields["threads"], 4);
  EXPECT_EQ(t.string_field("account"), "acme-dev");
  EXPECT_EQ(t.string_field("role"), "TRANSFORMER");
  EXPECT_EQ(t.string_field("private_key_path"), "/keys/rsa.p8");
  EXPECT_EQ(t.int_field("port"), 443);
  EXPECT_EQ(t.default_database(), "ANALYTICS");
  EXPECT_EQ(t.default_schema(), "dbt_dev");
  EXPECT_GT(t.source_line, 0);
  EXPECT_EQ(p.profiles_file, project_.path() / "profiles.yml");
}

TEST_F(ProfileLoaderTest, SecretsStayLazyUntilAsked) {
  project_.write("profiles.yml", kProfiles);
  // SF_PASSWORD and the passphrase are unset: loading still works (compile needs no secrets).
  LoadedProfile p = load_profile(request_);
  EXPECT_FALSE(p.target.fields.contains("password"));
  EXPECT_FALSE(p.target.fields.contains("private_key_passphrase"));
  EXPECT_TRUE(p.secrets.has("password"));
  try {
    p.secrets.get("password");
    FAIL() << "expected a missing-variable error";
  } catch (const Error& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY212");
    EXPECT_NE(e.diagnostics()[0].message.find("SF_PASSWORD"), std::string::npos);
    EXPECT_GT(e.diagnostics()[0].line, 0);
  }
  env_["SF_PASSWORD"] = "correct-horse";
  env_["DBT_ENV_SECRET_PASSPHRASE"] = "battery-staple";
  EXPECT_EQ(p.secrets.get_string("password"), "correct-horse");
  EXPECT_EQ(p.secrets.get_string("private_key_passphrase"), "battery-staple");
  EXPECT_EQ(request_.redactor->redact("correct-horse battery-staple"), "<redacted> <redacted>");
}

TEST_F(ProfileLoaderTest, TargetFromFlagAndFromEnvironment) {
  project_.write("profiles.yml", kProfiles);
  env_["DBT_TARGET"] = "bq";
  LoadedProfile bq = load_profile(request_);
  EXPECT_EQ(bq.target.platform, Platform::kBigQuery);
  EXPECT_EQ(bq.target.default_database(), "my-proj");
  EXPECT_EQ(bq.target.default_schema(), "analytics");
  EXPECT_EQ(bq.target.fields["dataproc_batch"]["runtime_config"]["version"], "2.2");
  EXPECT_EQ(bq.target.string_field("keyfile"), "/keys/sa.json");

  request_.target_name = "dbx";
  LoadedProfile dbx = load_profile(request_);
  EXPECT_EQ(dbx.target.platform, Platform::kDatabricks);
  EXPECT_EQ(dbx.target.string_field("host"), "dbc-1.cloud.databricks.com");
  EXPECT_EQ(dbx.target.default_database(), "main");
  EXPECT_TRUE(dbx.secrets.has("token"));
}

TEST_F(ProfileLoaderTest, ProfileFromFlagAndDefaultTargetName) {
  project_.write("profiles.yml", kProfiles);
  request_.profile_name = "other";
  LoadedProfile p = load_profile(request_);
  EXPECT_EQ(p.target.name, "default");
  EXPECT_EQ(p.target.profile_name, "other");
}

TEST_F(ProfileLoaderTest, UnknownProfileAndTargetSuggestNames) {
  project_.write("profiles.yml", kProfiles);
  request_.project_profile = "jafle";
  Diagnostic profile = error_of();
  EXPECT_EQ(profile.code, "DBTPY205");
  EXPECT_NE(profile.hint.find("'jaffle'"), std::string::npos);
  request_.project_profile = "jaffle";
  request_.target_name = "prod";
  Diagnostic target = error_of();
  EXPECT_EQ(target.code, "DBTPY206");
  EXPECT_NE(target.hint.find("dev"), std::string::npos);
}

TEST_F(ProfileLoaderTest, UnsupportedTypeAndMalformedOutputs) {
  project_.write("profiles.yml", kProfiles);
  request_.target_name = "pg";
  EXPECT_EQ(error_of().code, "DBTPY207");
  project_.write("profiles.yml", "jaffle:\n  target: dev\n");
  request_.target_name.reset();
  EXPECT_EQ(error_of().code, "DBTPY208");
  project_.write("profiles.yml",
                 "jaffle:\n  outputs:\n    default:\n      type: snowflake\n"
                 "      threads: many\n");
  Diagnostic threads = error_of();
  EXPECT_EQ(threads.code, "DBTPY208");
  EXPECT_NE(threads.message.find("threads"), std::string::npos);
}

TEST_F(ProfileLoaderTest, MalformedYamlNamesTheFileAndLine) {
  project_.write("profiles.yml", "jaffle:\n  outputs:\n    dev: {type: snowflake\n");
  Diagnostic d = error_of();
  EXPECT_EQ(d.code, "DBTPY202");
  EXPECT_NE(d.file.find("profiles.yml"), std::string::npos);
  EXPECT_GT(d.line, 0);
}

TEST_F(ProfileLoaderTest, MissingEnvVarInANonSecretFieldFailsNamingIt) {
  project_.write("profiles.yml",
                 "jaffle:\n  target: dev\n  outputs:\n    dev:\n      type: snowflake\n"
                 "      account: \"{{ env_var('SF_ACCOUNT') }}\"\n");
  Diagnostic d = error_of();
  EXPECT_EQ(d.code, "DBTPY212");
  EXPECT_EQ(d.line, 6);
  EXPECT_NE(d.message.find("SF_ACCOUNT"), std::string::npos);
}

}  // namespace
}  // namespace dbtpy::profiles
