#pragma once
// Test support for the sandbox contract tests: RSA keys made once per test process, the
// standard test sandbox.yml (fast durations), an in-process sandbox on port 0 with its own
// temporary state folder, credentials (Snowflake JWTs, Google tokens, Databricks PATs) and
// plain cpp-httplib calls. Each test owns its harness; nothing is shared between tests
// except the immutable keys.
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "sandbox/sandbox.h"
#include "util/json.h"
#include "util/rsa_key.h"

namespace dbtpy::sandbox::testing {

struct Keys {
  PkeyPtr snowflake;
  PkeyPtr snowflake_other;  // not registered anywhere
  PkeyPtr google;
  std::string snowflake_public_pem;
  std::string google_public_pem;
};
const Keys& keys();
std::string private_key_pem(EVP_PKEY* key);

constexpr const char* kDatabricksPat = "dapi0123456789abcdef-test";
constexpr const char* kSnowflakeOAuth = "sf-oauth-token-test";
constexpr const char* kSnowflakePat = "sf-pat-token-test";
constexpr const char* kServiceAccount = "sandbox@test-project.iam.gserviceaccount.com";
constexpr const char* kProject = "test-project";
constexpr const char* kRegion = "us-central1";
constexpr const char* kBucket = "dbtpy-bucket";
constexpr const char* kRunningCluster = "0101-000000-running";
constexpr const char* kTerminatedCluster = "0101-000000-stopped";

// The standard test sandbox.yml plus `extra` top-level YAML (rules:, faults:, ...).
std::string test_config(const std::string& extra = "",
                        const std::string& defaults = "defaults: {duration: 100ms}\n");

class Harness {
 public:
  explicit Harness(const std::string& yaml = test_config());
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  const std::string& url() const { return url_; }
  httplib::Client client() const;  // a fresh client (httplib clients are not thread-safe)
  Json stats() const;
  Json relations() const;
  const std::filesystem::path& dir() const { return dir_; }
  Sandbox& sandbox() { return *sandbox_; }

  // Google access token for the test service account (scope cloud-platform).
  std::string google_token() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Sandbox> sandbox_;
  std::string url_;
};

// Snowflake key-pair JWT for SANDBOX.DBTPY with the registered key unless `key` is given.
std::string snowflake_jwt(long long iat_offset = 0, long long lifetime = 600,
                          EVP_PKEY* key = nullptr, const std::string& account = "SANDBOX",
                          const std::string& user = "DBTPY");
httplib::Headers snowflake_headers(const std::string& token = snowflake_jwt(),
                                   const std::string& type = "KEYPAIR_JWT");
httplib::Headers bearer(const std::string& token);

// A signed service-account assertion; `claims` override the defaults.
std::string google_assertion(const std::string& aud, const Json& claims = Json::object(),
                             EVP_PKEY* key = nullptr);

// A dbtpy-shaped Python payload for `platform` (snowflake | databricks | bigquery).
std::string model_source(const std::string& unique_id, const std::string& relation,
                         const std::string& platform, const std::string& materialized = "table");

Json json_of(const httplib::Result& r);

// Polls `f` until it returns true or `seconds` pass (no timing assertions: a generous bound).
bool eventually(const std::function<bool()>& f, double seconds = 15);

// Runs /usr/bin/python3 tests/sandbox/openapi_check.py on `checks`; returns its results.
Json run_spec_checks(const Json& checks);

}  // namespace dbtpy::sandbox::testing
