#pragma once
// End-to-end rig for the submitters: an in-process dbtpy-sandbox on a free port, a
// profiles.yml with one target per platform pointing at it (throw-away keys, a service-account
// key file whose token_uri is the sandbox), the real clients of each target (PlatformClients:
// retry over auth over curl) and a local driver loop that plays the engine's part with the
// real clock. Payloads come from codegen's reviewed golden cases, re-targeted at the sandbox,
// so what runs is exactly what `dbtpy compile` shows. One rig per test; not thread-safe.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "codegen/payload.h"
#include "profiles/profile_loader.h"
#include "submitters/clients.h"
#include "submitters/execution.h"
#include "submitters/run_lookups.h"
#include "tests/codegen/fixtures.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/submitters/fake_platform.h"

namespace dbtpy::submitters::e2e {

// The sandbox.yml the golden cases' names need (project acme-analytics, bucket acme-dbt-python,
// Dataproc cluster etl-cluster, Databricks cluster 0123-456789-abcdefgh, job 987654321),
// plus `extra` top-level YAML (rules:, faults:).
std::string sandbox_yaml(const std::string& extra = "",
                         const std::string& defaults = "defaults: {duration: 100ms}\n");

struct RunResult {
  Outcome outcome;
  testing::RecordingObserver observer;
  std::chrono::milliseconds wall{0};
  int advances = 0;
};

struct RunOptions {
  bool full_refresh = false;
  bool show_output = false;
  std::chrono::milliseconds poll{40};  // the engine's polling delay
  // Cancel after this much wall time (the model's timeout, a signal); nullopt: never.
  std::optional<std::chrono::milliseconds> cancel_after;
  CancelReason cancel_reason = CancelReason::kUser;
  std::chrono::milliseconds give_up{120'000};  // the test's own bound (then it fails)
  ExecutionLimits limits = test_limits();
  static ExecutionLimits test_limits();
};

class SandboxRig {
 public:
  explicit SandboxRig(const std::string& yaml = sandbox_yaml());
  ~SandboxRig();

  sandbox::testing::Harness& harness() { return *harness_; }
  Json stats() const { return harness_->stats(); }
  // Model runs the sandbox started on `platform` (snowflake, databricks, dataproc, bigquery).
  long long executions(const std::string& platform) const;
  Json relations() const { return harness_->relations(); }
  bool has_relation(const std::string& relation) const;

  // The loaded profile target for a platform ("snowflake", "databricks", "bigquery").
  const profiles::LoadedProfile& profile(profiles::Platform platform);
  // The fixture re-targeted at the sandbox: the loaded target's fields win, the fixture's own
  // profile tweaks (e.g. dataproc_batch) are kept, endpoints point at the sandbox.
  codegen::testing::Fixture retarget(codegen::testing::Fixture f);

  // Runs one payload to the end through make_execution and the platform's real clients.
  RunResult run(const codegen::Payload& payload, const RunOptions& options = {});

  const std::string& run_id() const { return run_id_; }
  void new_run_id();

 private:
  Clients clients_for(profiles::Platform platform);

  std::unique_ptr<sandbox::testing::Harness> harness_;
  std::filesystem::path dir_;
  std::shared_ptr<Redactor> redactor_ = std::make_shared<Redactor>();
  std::map<profiles::Platform, profiles::LoadedProfile> profiles_;
  std::map<profiles::Platform, std::unique_ptr<PlatformClients>> clients_;
  RunLookups lookups_;
  std::string run_id_;
};

}  // namespace dbtpy::submitters::e2e
