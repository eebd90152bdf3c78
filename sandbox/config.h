#pragma once
// The sandbox configuration (sandbox.yml) as plain values: registered credentials, platform
// resources (clusters, buckets, projects), per-model behaviour rules, fault injection and
// the random seed. Loaded once at start-up and then read-only, so it is safe to share between
// request threads without locking. The YAML format is documented in sandbox/README.md.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace dbtpy::sandbox {

struct SnowflakeUser {
  std::string name;                      // upper-cased login name, e.g. DBTPY
  std::vector<std::string> public_keys;  // PEM (RSA_PUBLIC_KEY, RSA_PUBLIC_KEY_2)
  std::vector<std::string> oauth_tokens;
  std::vector<std::string> programmatic_access_tokens;
};

struct SnowflakeConfig {
  std::string account = "SANDBOX";  // account identifier as it appears in the JWT `iss`
  std::vector<SnowflakeUser> users;
  int partition_rows = 1000;       // rows per result partition
  double sync_wait_seconds = 45;   // how long a synchronous submit waits before 202
  double max_jwt_lifetime = 3600;  // exp - iat limit Snowflake enforces
  double clock_skew_seconds = 60;  // tolerance for iat in the future
};

struct OAuthClient {
  std::string client_id;
  std::string client_secret;
};

struct DatabricksCluster {
  std::string cluster_id;
  std::string cluster_name;
  std::string spark_version = "15.4.x-scala2.12";
  std::string node_type_id = "i3.xlarge";
  std::string state = "TERMINATED";  // initial state: TERMINATED or RUNNING
  double start_seconds = 1.0;        // PENDING -> RUNNING
  Json libraries = Json::array();    // Library objects installed from the start
};

struct DatabricksJob {
  long long job_id = 0;
  Json settings = Json::object();  // JobSettings; at least a name
};

struct DatabricksConfig {
  std::string user_name = "dbtpy@example.com";
  long long workspace_id = 1234567890123456;
  std::vector<std::string> personal_access_tokens;
  std::vector<OAuthClient> oauth_clients;
  std::vector<DatabricksCluster> clusters;
  std::vector<DatabricksJob> jobs;       // jobs that exist before any request (existing_job_id)
  bool serverless = true;                // tasks without compute run on serverless
  double context_start_seconds = 0.1;    // contexts Pending -> Running
  double library_install_seconds = 0.3;  // PENDING -> INSTALLING -> INSTALLED
  long long max_import_bytes = 10 * 1024 * 1024;
};

struct GoogleServiceAccount {
  std::string client_email;
  std::string public_key;  // PEM
  std::string key_id;      // private_key_id of the key file; "" = not checked
};

struct GoogleRefreshClient {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
};

struct DataprocCluster {
  std::string name;
  std::string region;
};

struct GoogleProject {
  std::string id;
  std::string number = "123456789012";
  std::vector<std::string> regions;  // empty = any region
  std::vector<DataprocCluster> clusters;
};

struct GcsBucket {
  std::string name;
  std::string location = "US";
};

struct GoogleConfig {
  std::vector<GoogleServiceAccount> service_accounts;
  std::vector<GoogleRefreshClient> refresh_clients;
  std::vector<GoogleProject> projects;
  std::vector<GcsBucket> buckets;
  std::vector<std::string> token_audiences;  // accepted `aud` besides <sandbox>/token
  std::string bigquery_location = "US";
  std::string staging_bucket = "dataproc-staging-sandbox";  // created on demand
};

// How a matched model run behaves. Unset durations fall back to the defaults.
struct BehaviourRule {
  std::string match;                    // glob on unique_id or relation
  std::optional<std::string> platform;  // snowflake | databricks | dataproc | bigquery
  std::optional<double> duration;
  std::optional<double> queue_delay;
  std::optional<double> startup_delay;
  bool fail = false;
  std::string message;    // e.g. "ValueError: boom"
  std::string traceback;  // printed before the message
  std::vector<std::string> stdout_lines;
  Json columns = Json::array();       // [{name, type}] recorded with the relation
  std::optional<std::string> result;  // Snowflake procedure return value override
  int max_matches = 0;                // 0 = unlimited; else the first N runs only
  int line = 0;                       // position in sandbox.yml, for diagnostics
};

struct Defaults {
  double min_duration = 0.2;
  double max_duration = 1.0;
  double startup_delay = 0.05;   // before the model's code runs (PENDING / Queued)
  double cancel_latency = 0.05;  // CANCELLING/TERMINATING before the terminal state
};

struct FaultRule {
  std::string endpoint = "*";  // glob on endpoint names, e.g. "snowflake.*"
  double error_rate = 0;       // 5xx before the request is processed
  int error_status = 503;
  double throttle_rate = 0;  // 429 + Retry-After
  int retry_after = 1;
  double drop_rate = 0;  // close the connection after a creation was recorded
  double slow_rate = 0;
  double slow_seconds = 0;
};

struct PythonConfig {
  enum class Mode { kAuto, kOn, kOff };
  Mode mode = Mode::kAuto;  // auto: check when the interpreter exists
  std::string interpreter = "/usr/bin/python3";
};

struct SandboxConfig {
  uint64_t seed = 0;
  std::optional<double> token_expire_after;  // sandbox-issued tokens' lifetime
  SnowflakeConfig snowflake;
  DatabricksConfig databricks;
  GoogleConfig google;
  std::vector<BehaviourRule> rules;
  Defaults defaults;
  std::vector<FaultRule> faults;
  PythonConfig python;
};

// Parses sandbox.yml. Relative key file paths resolve against `base_dir`. Throws
// ConfigError with "file:line:col: error: ..." and a hint on bad input.
SandboxConfig load_config(const std::filesystem::path& path);
SandboxConfig parse_config(const std::string& yaml_text, const std::string& display_name,
                           const std::filesystem::path& base_dir);

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dbtpy::sandbox
