#include "tests/submitters/e2e/sandbox_rig.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "sandbox/catalog.h"
#include "util/fs.h"
#include "util/ids.h"
#include "util/strings.h"

namespace dbtpy::submitters::e2e {
namespace {

namespace fs = std::filesystem;
namespace sbt = sandbox::testing;
using profiles::Platform;

std::string target_name(Platform p) {
  return std::string(profiles::platform_name(p));
}

std::optional<std::string> no_env(std::string_view) {
  return std::nullopt;
}

}  // namespace

std::string sandbox_yaml(const std::string& extra, const std::string& defaults) {
  std::string y = sbt::test_config("", defaults);
  replace_all(
      y, "  clusters:\n    - cluster_id:",
      "  jobs: [{job_id: 987654321, name: nightly_orders}]\n  clusters:\n    - cluster_id:");
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {std::string("- id: ") + sbt::kProject, "- id: acme-analytics"},
           {"sandbox-cluster", "etl-cluster"},
           {sbt::kBucket, "acme-dbt-python"},
           {sbt::kRunningCluster, "0123-456789-abcdefgh"}}) {
    replace_all(y, from, to);
  }
  return y + extra;
}

ExecutionLimits RunOptions::test_limits() {
  ExecutionLimits l;
  l.unknown_state = std::chrono::milliseconds(5'000);
  l.status_failures = std::chrono::milliseconds(20'000);
  l.cancel_confirm = std::chrono::milliseconds(20'000);
  l.cleanup_follow = std::chrono::milliseconds(20'000);
  l.cluster_ready = std::chrono::milliseconds(60'000);
  return l;
}

SandboxRig::SandboxRig(const std::string& yaml) : harness_(std::make_unique<sbt::Harness>(yaml)) {
  dir_ = harness_->dir() / "client";
  fs::create_directories(dir_);
  const std::string url = harness_->url();
  const std::string hostport = url.substr(url.find("://") + 3);
  const std::string host = hostport.substr(0, hostport.find(':'));
  const std::string port = hostport.substr(hostport.find(':') + 1);

  write_file_atomic(dir_ / "snowflake.p8", sbt::private_key_pem(sbt::keys().snowflake.get()));
  Json keyfile = {{"type", "service_account"},
                  {"project_id", "acme-analytics"},
                  {"private_key_id", "test-key-1"},
                  {"private_key", sbt::private_key_pem(sbt::keys().google.get())},
                  {"client_email", sbt::kServiceAccount},
                  {"client_id", "100000000000000000001"},
                  {"token_uri", url + "/token"}};
  write_file_atomic(dir_ / "google.json", keyfile.dump(2));

  const std::string profiles_yml =
      "e2e:\n"
      "  target: snowflake\n"
      "  outputs:\n"
      "    snowflake:\n"
      "      type: snowflake\n"
      "      account: SANDBOX\n"
      "      host: " +
      host + "\n      port: " + port +
      "\n"
      "      protocol: http\n"
      "      user: dbtpy\n"
      "      private_key_path: " +
      (dir_ / "snowflake.p8").string() +
      "\n"
      "      role: transformer\n"
      "      warehouse: TRANSFORMING\n"
      "      database: ANALYTICS\n"
      "      schema: DBT\n"
      "      threads: 4\n"
      "    databricks:\n"
      "      type: databricks\n"
      "      host: " +
      url +
      "\n"
      "      http_path: /sql/protocolv1/o/1234567890123456/0123-456789-abcdefgh\n"
      "      token: " +
      sbt::kDatabricksPat +
      "\n"
      "      catalog: main\n"
      "      schema: dbt\n"
      "      threads: 4\n"
      "    bigquery:\n"
      "      type: bigquery\n"
      "      method: service-account\n"
      "      keyfile: " +
      (dir_ / "google.json").string() +
      "\n"
      "      project: acme-analytics\n"
      "      dataset: dbt\n"
      "      location: US\n"
      "      compute_region: us-central1\n"
      "      gcs_bucket: acme-dbt-python\n"
      "      dataproc_cluster_name: etl-cluster\n"
      "      dataproc_endpoint: " +
      url + "\n      storage_endpoint: " + url + "\n      bigquery_endpoint: " + url +
      "\n      threads: 4\n";
  write_file_atomic(dir_ / "profiles.yml", profiles_yml);
  new_run_id();
}

SandboxRig::~SandboxRig() {
  const bool trace = std::getenv("DBTPY_E2E_TRACE") != nullptr;
  auto t0 = std::chrono::steady_clock::now();
  clients_.clear();
  auto t1 = std::chrono::steady_clock::now();
  harness_.reset();
  auto t2 = std::chrono::steady_clock::now();
  if (trace)
    fprintf(stderr, "teardown: clients %lld ms, sandbox %lld ms\n",
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()),
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(t2 - t1).count()));
}

void SandboxRig::new_run_id() {
  RandomIdSource ids;
  run_id_ = ids.uuid4();
}

long long SandboxRig::executions(const std::string& platform) const {
  return harness_->sandbox().stats().executions(platform);
}

bool SandboxRig::has_relation(const std::string& relation) const {
  for (const char* p : {"snowflake", "databricks", "bigquery", "dataproc"})
    if (harness_->sandbox().catalog().find(p, relation)) return true;
  return false;
}

const profiles::LoadedProfile& SandboxRig::profile(Platform platform) {
  auto it = profiles_.find(platform);
  if (it != profiles_.end()) return it->second;
  profiles::ProfileRequest req;
  req.project_dir = dir_;
  req.profiles_dir = dir_;
  req.profile_name = "e2e";
  req.target_name = target_name(platform);
  req.env = no_env;
  req.redactor = redactor_;
  return profiles_.emplace(platform, profiles::load_profile(req)).first->second;
}

codegen::testing::Fixture SandboxRig::retarget(codegen::testing::Fixture f) {
  const profiles::LoadedProfile& p = profile(f.target.platform);
  Json fields = f.target.fields;
  profiles::Target t = p.target;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    // The fixture's identity fields (account, host, project, ...) are replaced by the
    // sandbox's; its extra tweaks (dataproc_batch, ...) stay.
    if (!t.fields.contains(it.key())) t.fields[it.key()] = it.value();
  }
  f.target = t;
  f.endpoints = profiles::resolve_endpoints(f.target, no_env);
  return f;
}

Clients SandboxRig::clients_for(Platform platform) {
  auto it = clients_.find(platform);
  if (it == clients_.end()) {
    ClientDeps deps;
    deps.env = no_env;
    deps.home = dir_.string();
    deps.redactor = redactor_;
    deps.retry.initial_backoff = std::chrono::milliseconds(50);
    deps.retry.max_backoff = std::chrono::milliseconds(400);
    deps.retry.max_attempts = 8;
    it = clients_.emplace(platform, PlatformClients::create(profile(platform), deps)).first;
  }
  return it->second->clients();
}

RunResult SandboxRig::run(const codegen::Payload& payload, const RunOptions& options) {
  RunResult result;
  Platform platform = payload.platform == "snowflake"    ? Platform::kSnowflake
                      : payload.platform == "databricks" ? Platform::kDatabricks
                                                         : Platform::kBigQuery;
  ExecutionOptions eo;
  eo.run_id = run_id_;
  eo.full_refresh = options.full_refresh;
  eo.show_output = options.show_output;
  eo.redactor = redactor_;
  eo.lookups = &lookups_;
  eo.limits = options.limits;
  auto execution = make_execution(payload, eo, clients_for(platform), result.observer);
  const auto start = std::chrono::steady_clock::now();
  bool cancelled = false;
  // DBTPY_E2E_TRACE=1: one line per advance (time, what it asked for), to see where time goes.
  const bool trace = std::getenv("DBTPY_E2E_TRACE") != nullptr;
  for (;;) {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (!cancelled && options.cancel_after && elapsed >= *options.cancel_after) {
      execution->cancel(options.cancel_reason);
      cancelled = true;
    }
    if (elapsed > options.give_up) {
      ADD_FAILURE() << payload.unique_id << " did not finish in " << options.give_up.count()
                    << " ms\n"
                    << result.observer.dump();
      break;
    }
    Next n = execution->advance();
    ++result.advances;
    if (trace)
      fprintf(stderr, "%6lld ms advance -> kind %d not_before %lld events %zu\n",
              static_cast<long long>(elapsed.count()), static_cast<int>(n.kind),
              static_cast<long long>(n.not_before.count()), result.observer.events.size());
    if (n.kind == Next::Kind::kDone) break;
    if (n.kind == Next::Kind::kPoll) {
      auto wait = std::max(n.not_before, options.poll);
      if (options.cancel_after && !cancelled) {
        auto left = *options.cancel_after - elapsed;
        if (left > std::chrono::milliseconds(0)) wait = std::min(wait, left);
      }
      std::this_thread::sleep_for(wait);
    }
  }
  result.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  result.outcome = execution->outcome();
  return result;
}

}  // namespace dbtpy::submitters::e2e
