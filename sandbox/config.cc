#include "sandbox/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "sandbox/duration.h"
#include "util/diagnostic.h"
#include "util/fs.h"
#include "util/rsa_key.h"
#include "util/strings.h"

namespace dbtpy::sandbox {
namespace {

// Reads one YAML document and turns every problem into a located ConfigError, so a typo in
// sandbox.yml points at its line instead of surfacing as a wrong simulation later.
class Reader {
 public:
  Reader(std::string file, std::filesystem::path base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message,
                         const std::string& hint = {}) const {
    Diagnostic d;
    d.file = file_;
    if (node.IsDefined() && node.Mark().line >= 0) {
      d.line = node.Mark().line + 1;
      d.column = node.Mark().column + 1;
    }
    d.message = message;
    d.hint = hint;
    throw ConfigError(format_diagnostic(d));
  }

  void check_keys(const YAML::Node& node, const std::string& where,
                  const std::vector<std::string>& allowed) const {
    if (!node.IsMap()) fail(node, where + " must be a mapping");
    for (const auto& kv : node) {
      auto key = kv.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      auto close = closest_names(key, allowed, 1);
      fail(kv.first, "unknown key `" + key + "` in " + where,
           close.empty() ? "allowed keys: " + join(allowed, ", ")
                         : "did you mean `" + close.front() + "`?");
    }
  }

  std::string str(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a string");
    return node.as<std::string>();
  }

  double number(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a number");
    try {
      return node.as<double>();
    } catch (const YAML::Exception&) {
      fail(node, what + " must be a number, got `" + node.as<std::string>() + "`");
    }
  }

  long long integer(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be an integer");
    try {
      return node.as<long long>();
    } catch (const YAML::Exception&) {
      fail(node, what + " must be an integer, got `" + node.as<std::string>() + "`");
    }
  }

  bool boolean(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be true or false");
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      fail(node, what + " must be true or false, got `" + node.as<std::string>() + "`");
    }
  }

  double duration(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a duration");
    auto d = parse_duration(node.as<std::string>());
    if (!d) {
      fail(node, what + " is not a duration: `" + node.as<std::string>() + "`",
           "write seconds (0.5) or a number with a unit: 200ms, 1.5s, 2m, 1h");
    }
    return *d;
  }

  double rate(const YAML::Node& node, const std::string& what) const {
    double r = number(node, what);
    if (r < 0 || r > 1) fail(node, what + " must be between 0 and 1");
    return r;
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& what) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.as<std::string>());
      return out;
    }
    if (!node.IsSequence()) fail(node, what + " must be a list of strings");
    for (const auto& item : node)
      out.push_back(str(item, what + " item"));
    return out;
  }

  // A PEM public key given inline (`public_key`) or as a file (`public_key_file`).
  std::vector<std::string> public_keys(const YAML::Node& parent, const std::string& what) const {
    std::vector<std::string> pems;
    for (const char* key : {"public_key", "public_key_2"}) {
      if (parent[key]) pems.push_back(str(parent[key], what + "." + key));
    }
    for (const char* key : {"public_key_file", "public_key_2_file"}) {
      if (!parent[key]) continue;
      std::filesystem::path p = str(parent[key], what + "." + key);
      if (p.is_relative()) p = base_dir_ / p;
      try {
        pems.push_back(read_file(p));
      } catch (const std::exception& e) {
        fail(parent[key], std::string("cannot read ") + key + ": " + e.what(),
             "paths are relative to the folder of sandbox.yml; run scripts/sandbox_credentials.sh "
             "to generate the example keys");
      }
    }
    for (size_t i = 0; i < pems.size(); ++i) {
      try {
        load_public_key_pem(pems[i]);
      } catch (const KeyError& e) {
        fail(parent, what + ": " + e.what(), "give a PEM `-----BEGIN PUBLIC KEY-----` block");
      }
    }
    return pems;
  }

  Json to_json(const YAML::Node& node) const {
    switch (node.Type()) {
      case YAML::NodeType::Map: {
        Json j = Json::object();
        for (const auto& kv : node)
          j[kv.first.as<std::string>()] = to_json(kv.second);
        return j;
      }
      case YAML::NodeType::Sequence: {
        Json j = Json::array();
        for (const auto& item : node)
          j.push_back(to_json(item));
        return j;
      }
      case YAML::NodeType::Scalar: {
        const std::string s = node.as<std::string>();
        if (node.Tag() == "!") return s;  // quoted
        if (s == "true") return true;
        if (s == "false") return false;
        try {
          size_t pos = 0;
          long long v = std::stoll(s, &pos);
          if (pos == s.size()) return v;
        } catch (...) {
        }
        return s;
      }
      default:
        return nullptr;
    }
  }

 private:
  std::string file_;
  std::filesystem::path base_dir_;
};

void read_snowflake(const Reader& r, const YAML::Node& n, SnowflakeConfig& out) {
  r.check_keys(
      n, "snowflake",
      {"account", "users", "partition_rows", "sync_wait", "max_jwt_lifetime", "clock_skew"});
  if (n["account"]) out.account = to_upper(r.str(n["account"], "snowflake.account"));
  if (n["partition_rows"]) {
    out.partition_rows = static_cast<int>(r.integer(n["partition_rows"], "partition_rows"));
    if (out.partition_rows < 1) r.fail(n["partition_rows"], "partition_rows must be >= 1");
  }
  if (n["sync_wait"]) out.sync_wait_seconds = r.duration(n["sync_wait"], "snowflake.sync_wait");
  if (n["max_jwt_lifetime"]) {
    out.max_jwt_lifetime = r.duration(n["max_jwt_lifetime"], "snowflake.max_jwt_lifetime");
  }
  if (n["clock_skew"]) out.clock_skew_seconds = r.duration(n["clock_skew"], "snowflake.clock_skew");
  if (n["users"]) {
    if (!n["users"].IsSequence()) r.fail(n["users"], "snowflake.users must be a list");
    for (const auto& u : n["users"]) {
      r.check_keys(u, "a snowflake user",
                   {"name", "public_key", "public_key_file", "public_key_2", "public_key_2_file",
                    "oauth_tokens", "programmatic_access_tokens"});
      SnowflakeUser user;
      if (!u["name"]) r.fail(u, "a snowflake user needs `name`");
      user.name = to_upper(r.str(u["name"], "snowflake user name"));
      user.public_keys = r.public_keys(u, "snowflake user " + user.name);
      if (u["oauth_tokens"]) user.oauth_tokens = r.strings(u["oauth_tokens"], "oauth_tokens");
      if (u["programmatic_access_tokens"]) {
        user.programmatic_access_tokens =
            r.strings(u["programmatic_access_tokens"], "programmatic_access_tokens");
      }
      out.users.push_back(std::move(user));
    }
  }
}

void read_databricks(const Reader& r, const YAML::Node& n, DatabricksConfig& out) {
  r.check_keys(n, "databricks",
               {"user_name", "workspace_id", "personal_access_tokens", "oauth_clients", "clusters",
                "jobs", "serverless", "context_start", "library_install", "max_import_bytes"});
  if (n["user_name"]) out.user_name = r.str(n["user_name"], "databricks.user_name");
  if (n["workspace_id"]) out.workspace_id = r.integer(n["workspace_id"], "workspace_id");
  if (n["personal_access_tokens"]) {
    out.personal_access_tokens = r.strings(n["personal_access_tokens"], "personal_access_tokens");
  }
  if (n["serverless"]) out.serverless = r.boolean(n["serverless"], "databricks.serverless");
  if (n["context_start"])
    out.context_start_seconds = r.duration(n["context_start"], "context_start");
  if (n["library_install"]) {
    out.library_install_seconds = r.duration(n["library_install"], "library_install");
  }
  if (n["max_import_bytes"])
    out.max_import_bytes = r.integer(n["max_import_bytes"], "max_import_bytes");
  if (n["oauth_clients"]) {
    if (!n["oauth_clients"].IsSequence())
      r.fail(n["oauth_clients"], "oauth_clients must be a list");
    for (const auto& c : n["oauth_clients"]) {
      r.check_keys(c, "an OAuth client", {"client_id", "client_secret"});
      if (!c["client_id"] || !c["client_secret"]) {
        r.fail(c, "an OAuth client needs `client_id` and `client_secret`");
      }
      out.oauth_clients.push_back(
          {r.str(c["client_id"], "client_id"), r.str(c["client_secret"], "client_secret")});
    }
  }
  if (n["jobs"]) {
    if (!n["jobs"].IsSequence()) r.fail(n["jobs"], "databricks.jobs must be a list");
    for (const auto& j : n["jobs"]) {
      if (!j.IsMap() || !j["job_id"]) r.fail(j, "a databricks job needs `job_id`");
      DatabricksJob job;
      job.job_id = r.integer(j["job_id"], "job_id");
      job.settings = j["settings"] ? r.to_json(j["settings"]) : Json::object();
      if (!job.settings.is_object())
        r.fail(j["settings"], "settings must be a mapping (JobSettings)");
      if (j["name"]) job.settings["name"] = r.str(j["name"], "name");
      for (const auto& kv : j) {
        auto key = kv.first.as<std::string>();
        if (key != "job_id" && key != "settings" && key != "name") {
          r.fail(kv.first, "unknown key `" + key + "` in a databricks job",
                 "allowed keys: job_id, name, settings");
        }
      }
      out.jobs.push_back(std::move(job));
    }
  }
  if (n["clusters"]) {
    if (!n["clusters"].IsSequence()) r.fail(n["clusters"], "databricks.clusters must be a list");
    for (const auto& c : n["clusters"]) {
      r.check_keys(c, "a databricks cluster",
                   {"cluster_id", "cluster_name", "spark_version", "node_type_id", "state",
                    "start_duration", "libraries"});
      DatabricksCluster cl;
      if (!c["cluster_id"]) r.fail(c, "a databricks cluster needs `cluster_id`");
      cl.cluster_id = r.str(c["cluster_id"], "cluster_id");
      cl.cluster_name =
          c["cluster_name"] ? r.str(c["cluster_name"], "cluster_name") : cl.cluster_id;
      if (c["spark_version"]) cl.spark_version = r.str(c["spark_version"], "spark_version");
      if (c["node_type_id"]) cl.node_type_id = r.str(c["node_type_id"], "node_type_id");
      if (c["state"]) {
        cl.state = to_upper(r.str(c["state"], "state"));
        if (cl.state != "TERMINATED" && cl.state != "RUNNING") {
          r.fail(c["state"], "a cluster's initial state must be TERMINATED or RUNNING");
        }
      }
      if (c["start_duration"]) cl.start_seconds = r.duration(c["start_duration"], "start_duration");
      if (c["libraries"]) {
        cl.libraries = r.to_json(c["libraries"]);
        if (!cl.libraries.is_array()) r.fail(c["libraries"], "libraries must be a list");
      }
      out.clusters.push_back(std::move(cl));
    }
  }
}

void read_google(const Reader& r, const YAML::Node& n, GoogleConfig& out) {
  r.check_keys(n, "google",
               {"service_accounts", "refresh_clients", "projects", "buckets", "token_audiences",
                "bigquery_location", "staging_bucket"});
  if (n["token_audiences"])
    out.token_audiences = r.strings(n["token_audiences"], "token_audiences");
  if (n["bigquery_location"]) out.bigquery_location = r.str(n["bigquery_location"], "location");
  if (n["staging_bucket"]) out.staging_bucket = r.str(n["staging_bucket"], "staging_bucket");
  if (n["service_accounts"]) {
    if (!n["service_accounts"].IsSequence()) {
      r.fail(n["service_accounts"], "service_accounts must be a list");
    }
    for (const auto& s : n["service_accounts"]) {
      r.check_keys(s, "a service account",
                   {"client_email", "public_key", "public_key_file", "key_id"});
      if (!s["client_email"]) r.fail(s, "a service account needs `client_email`");
      GoogleServiceAccount sa;
      sa.client_email = r.str(s["client_email"], "client_email");
      auto keys = r.public_keys(s, "service account " + sa.client_email);
      if (keys.size() != 1) {
        r.fail(s, "service account " + sa.client_email + " needs exactly one public key",
               "set `public_key_file:` to the PEM written by scripts/sandbox_credentials.sh");
      }
      sa.public_key = keys.front();
      if (s["key_id"]) sa.key_id = r.str(s["key_id"], "key_id");
      out.service_accounts.push_back(std::move(sa));
    }
  }
  if (n["refresh_clients"]) {
    for (const auto& c : n["refresh_clients"]) {
      r.check_keys(c, "a refresh client", {"client_id", "client_secret", "refresh_token"});
      if (!c["client_id"] || !c["client_secret"] || !c["refresh_token"]) {
        r.fail(c, "a refresh client needs client_id, client_secret and refresh_token");
      }
      out.refresh_clients.push_back({r.str(c["client_id"], "client_id"),
                                     r.str(c["client_secret"], "client_secret"),
                                     r.str(c["refresh_token"], "refresh_token")});
    }
  }
  if (n["projects"]) {
    if (!n["projects"].IsSequence()) r.fail(n["projects"], "google.projects must be a list");
    for (const auto& p : n["projects"]) {
      r.check_keys(p, "a google project", {"id", "number", "regions", "clusters"});
      if (!p["id"]) r.fail(p, "a google project needs `id`");
      GoogleProject proj;
      proj.id = r.str(p["id"], "project id");
      if (p["number"]) proj.number = r.str(p["number"], "project number");
      if (p["regions"]) proj.regions = r.strings(p["regions"], "regions");
      if (p["clusters"]) {
        for (const auto& c : p["clusters"]) {
          r.check_keys(c, "a dataproc cluster", {"name", "region"});
          if (!c["name"] || !c["region"]) r.fail(c, "a dataproc cluster needs name and region");
          proj.clusters.push_back({r.str(c["name"], "name"), r.str(c["region"], "region")});
        }
      }
      out.projects.push_back(std::move(proj));
    }
  }
  if (n["buckets"]) {
    if (!n["buckets"].IsSequence()) r.fail(n["buckets"], "google.buckets must be a list");
    for (const auto& b : n["buckets"]) {
      GcsBucket bucket;
      if (b.IsScalar()) {
        bucket.name = b.as<std::string>();
      } else {
        r.check_keys(b, "a bucket", {"name", "location"});
        if (!b["name"]) r.fail(b, "a bucket needs `name`");
        bucket.name = r.str(b["name"], "bucket name");
        if (b["location"]) bucket.location = r.str(b["location"], "bucket location");
      }
      out.buckets.push_back(std::move(bucket));
    }
  }
}

const std::set<std::string> kPlatforms = {"snowflake", "databricks", "dataproc", "bigquery"};

void read_rules(const Reader& r, const YAML::Node& n, std::vector<BehaviourRule>& out) {
  if (!n.IsSequence()) r.fail(n, "rules must be a list");
  for (const auto& item : n) {
    r.check_keys(item, "a rule",
                 {"match", "platform", "duration", "queue_delay", "startup_delay", "fail",
                  "message", "traceback", "stdout", "columns", "result", "max_matches"});
    BehaviourRule rule;
    rule.line = item.Mark().line + 1;
    if (!item["match"]) {
      r.fail(item, "a rule needs `match`",
             "match a model unique_id or relation with a glob, e.g. `model.*.orders`");
    }
    rule.match = r.str(item["match"], "match");
    if (item["platform"]) {
      rule.platform = r.str(item["platform"], "platform");
      if (!kPlatforms.count(*rule.platform)) {
        r.fail(item["platform"], "unknown platform `" + *rule.platform + "`",
               "use snowflake, databricks, dataproc or bigquery");
      }
    }
    if (item["duration"]) rule.duration = r.duration(item["duration"], "duration");
    if (item["queue_delay"]) rule.queue_delay = r.duration(item["queue_delay"], "queue_delay");
    if (item["startup_delay"]) {
      rule.startup_delay = r.duration(item["startup_delay"], "startup_delay");
    }
    if (item["fail"]) rule.fail = r.boolean(item["fail"], "fail");
    if (item["message"]) rule.message = r.str(item["message"], "message");
    if (item["traceback"]) rule.traceback = r.str(item["traceback"], "traceback");
    if (item["stdout"]) rule.stdout_lines = r.strings(item["stdout"], "stdout");
    if (item["result"]) rule.result = r.str(item["result"], "result");
    if (item["max_matches"]) {
      rule.max_matches = static_cast<int>(r.integer(item["max_matches"], "max_matches"));
      if (rule.max_matches < 0) r.fail(item["max_matches"], "max_matches must be >= 0");
    }
    if (item["columns"]) {
      if (!item["columns"].IsSequence()) r.fail(item["columns"], "columns must be a list");
      for (const auto& c : item["columns"]) {
        if (c.IsScalar()) {
          rule.columns.push_back({{"name", c.as<std::string>()}, {"type", "TEXT"}});
          continue;
        }
        r.check_keys(c, "a column", {"name", "type"});
        if (!c["name"]) r.fail(c, "a column needs `name`");
        rule.columns.push_back({{"name", r.str(c["name"], "column name")},
                                {"type", c["type"] ? r.str(c["type"], "column type") : "TEXT"}});
      }
    }
    if (rule.fail && rule.message.empty())
      rule.message = "Exception: the sandbox rule failed this run";
    out.push_back(std::move(rule));
  }
}

void read_faults(const Reader& r, const YAML::Node& n, std::vector<FaultRule>& out) {
  if (!n.IsSequence()) r.fail(n, "faults must be a list");
  for (const auto& item : n) {
    r.check_keys(item, "a fault rule",
                 {"endpoint", "error_rate", "error_status", "throttle_rate", "retry_after",
                  "drop_rate", "slow_rate", "slow"});
    FaultRule f;
    if (item["endpoint"]) f.endpoint = r.str(item["endpoint"], "endpoint");
    if (item["error_rate"]) f.error_rate = r.rate(item["error_rate"], "error_rate");
    if (item["error_status"]) {
      f.error_status = static_cast<int>(r.integer(item["error_status"], "error_status"));
      if (f.error_status < 500 || f.error_status > 599) {
        r.fail(item["error_status"], "error_status must be a 5xx status");
      }
    }
    if (item["throttle_rate"]) f.throttle_rate = r.rate(item["throttle_rate"], "throttle_rate");
    if (item["retry_after"]) {
      f.retry_after = static_cast<int>(r.integer(item["retry_after"], "retry_after"));
    }
    if (item["drop_rate"]) f.drop_rate = r.rate(item["drop_rate"], "drop_rate");
    if (item["slow_rate"]) f.slow_rate = r.rate(item["slow_rate"], "slow_rate");
    if (item["slow"]) f.slow_seconds = r.duration(item["slow"], "slow");
    if (f.slow_seconds > 0 && !item["slow_rate"]) f.slow_rate = 1.0;
    out.push_back(std::move(f));
  }
}

}  // namespace

SandboxConfig parse_config(const std::string& yaml_text, const std::string& display_name,
                           const std::filesystem::path& base_dir) {
  Reader r(display_name, base_dir);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    Diagnostic d;
    d.file = display_name;
    d.line = e.mark.line + 1;
    d.column = e.mark.column + 1;
    d.message = "invalid YAML: " + e.msg;
    throw ConfigError(format_diagnostic(d));
  }
  SandboxConfig cfg;
  if (root.IsNull()) return cfg;
  r.check_keys(root, "sandbox.yml",
               {"seed", "tokens", "snowflake", "databricks", "google", "rules", "defaults",
                "faults", "python"});
  if (root["seed"]) cfg.seed = static_cast<uint64_t>(r.integer(root["seed"], "seed"));
  if (root["tokens"]) {
    r.check_keys(root["tokens"], "tokens", {"expire_after"});
    if (root["tokens"]["expire_after"]) {
      cfg.token_expire_after = r.duration(root["tokens"]["expire_after"], "tokens.expire_after");
    }
  }
  if (root["snowflake"]) read_snowflake(r, root["snowflake"], cfg.snowflake);
  if (root["databricks"]) read_databricks(r, root["databricks"], cfg.databricks);
  if (root["google"]) read_google(r, root["google"], cfg.google);
  if (root["rules"]) read_rules(r, root["rules"], cfg.rules);
  if (root["faults"]) read_faults(r, root["faults"], cfg.faults);
  if (root["defaults"]) {
    const auto& d = root["defaults"];
    r.check_keys(d, "defaults",
                 {"duration", "min_duration", "max_duration", "startup_delay", "cancel_latency"});
    if (d["duration"]) {
      cfg.defaults.min_duration = cfg.defaults.max_duration = r.duration(d["duration"], "duration");
    }
    if (d["min_duration"])
      cfg.defaults.min_duration = r.duration(d["min_duration"], "min_duration");
    if (d["max_duration"])
      cfg.defaults.max_duration = r.duration(d["max_duration"], "max_duration");
    if (d["startup_delay"]) {
      cfg.defaults.startup_delay = r.duration(d["startup_delay"], "startup_delay");
    }
    if (d["cancel_latency"]) {
      cfg.defaults.cancel_latency = r.duration(d["cancel_latency"], "cancel_latency");
    }
    if (cfg.defaults.max_duration < cfg.defaults.min_duration) {
      r.fail(d, "defaults.max_duration is smaller than defaults.min_duration");
    }
  }
  if (root["python"]) {
    const auto& p = root["python"];
    r.check_keys(p, "python", {"check", "interpreter"});
    if (p["check"]) {
      std::string mode = r.str(p["check"], "python.check");
      if (mode == "auto") {
        cfg.python.mode = PythonConfig::Mode::kAuto;
      } else if (mode == "on" || mode == "true") {
        cfg.python.mode = PythonConfig::Mode::kOn;
      } else if (mode == "off" || mode == "false") {
        cfg.python.mode = PythonConfig::Mode::kOff;
      } else {
        r.fail(p["check"], "python.check must be auto, on or off");
      }
    }
    if (p["interpreter"]) cfg.python.interpreter = r.str(p["interpreter"], "python.interpreter");
  }
  return cfg;
}

SandboxConfig load_config(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception& e) {
    throw ConfigError(std::string("error: ") + e.what() +
                      "\n  = help: pass --config with the path of a sandbox.yml "
                      "(scripts/sandbox_credentials.sh writes one)");
  }
  return parse_config(text, path.string(), path.parent_path());
}

}  // namespace dbtpy::sandbox
