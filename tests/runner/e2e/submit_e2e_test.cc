// `dbtpy submit` / `dbtpy cancel` end to end: the real binary against the real dbtpy-sandbox
// (ctest label `e2e`). What users rely on: the example project runs green on the three
// platforms (first run, incremental run, --full-refresh); an upstream failure skips its
// descendants and shows the remote error; SIGINT / SIGTERM cancel every started remote
// operation before dbtpy exits 130 / 143 with a valid run_results.json; after kill -9,
// `dbtpy cancel --all-open` cancels what was left; with 5xx, 429 and dropped connections,
// every model runs exactly once remotely and none is reported falsely.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "tests/runner/e2e/sandbox_process.h"
#include "tests/support/temp_dir.h"
#include "util/json.h"

namespace dbtpy::runner::e2e {
namespace {

namespace fs = std::filesystem;

// Sandbox platform names in /_sandbox/stats, by dbtpy target.
std::string stats_platform(const std::string& target) {
  return target == "bigquery" ? "dataproc" : target;
}

Json read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

// Models whose main remote work has a handle in the run's ledger (the answer was recorded).
size_t models_with_work_handles(const fs::path& project) {
  std::set<std::string> models;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(project / "target/dbtpy/runs", ec)) {
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object() || j.value("event", "") != "handle") continue;
      const std::string kind = j.value("kind", "");
      if (kind == "snowflake_statement" || kind == "databricks_command" ||
          kind == "databricks_run" || kind == "dataproc_batch" || kind == "dataproc_job")
        models.insert(j.value("unique_id", ""));
    }
  }
  return models.size();
}

std::map<std::string, std::string> statuses(const Json& run_results) {
  std::map<std::string, std::string> out;
  for (const auto& r : run_results["results"])
    out[r["unique_id"].get<std::string>()] = r["status"].get<std::string>();
  return out;
}

long long count(const Json& stats, const char* key, const std::string& platform) {
  return stats.contains(key) ? stats[key].value(platform, 0LL) : 0;
}

// How many times each model wrote its relation, from the sandbox's catalog.
std::map<std::string, long long> writes_by_model(const Json& catalog) {
  std::map<std::string, long long> writes;
  for (auto p = catalog.begin(); p != catalog.end(); ++p)
    for (auto t = p->begin(); t != p->end(); ++t)
      writes[t->value("unique_id", std::string())] += t->value("writes", 0LL);
  return writes;
}

// Long runs: signals and kill -9 must land while every started model is still running.
const char* kSlowRuns = "defaults: {duration: 120s, startup_delay: 0s, cancel_latency: 100ms}\n";

class SubmitE2e : public ::testing::Test {
 protected:
  std::vector<std::string> submit(const fs::path& project, const std::string& target) {
    return {"submit",   "--project-dir", project.string(), "--profiles-dir", project.string(),
            "--target", target};
  }
  dbtpy::testing::TempDir work_;
};

class ExampleOnEveryPlatform : public SubmitE2e,
                               public ::testing::WithParamInterface<std::string> {};

TEST_P(ExampleOnEveryPlatform, RunsGreenThenIncrementallyThenWithFullRefresh) {
  const std::string target = GetParam();
  SandboxProcess sandbox(work_.path(), "defaults: {min_duration: 100ms, max_duration: 400ms}\n");
  const fs::path project = copy_example(work_.path());
  DbtpyResult first = run_dbtpy(submit(project, target), sandbox.env(), work_.path());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("Done. PASS=6 WARN=0 ERROR=0 SKIP=0 TOTAL=6"), std::string::npos)
      << first.out;
  const fs::path results = project / "target/run_results.json";
  EXPECT_EQ(run_results_violations(results), "");
  for (const auto& [id, status] : statuses(read_json(results)))
    EXPECT_EQ(status, "success") << id;
  const std::string platform = stats_platform(target);
  EXPECT_EQ(count(sandbox.stats(), "executions", platform), 6) << sandbox.stats().dump();

  DbtpyResult second = run_dbtpy(submit(project, target), sandbox.env(), work_.path());
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  std::vector<std::string> full = submit(project, target);
  full.push_back("--full-refresh");
  DbtpyResult third = run_dbtpy(full, sandbox.env(), work_.path());
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  EXPECT_EQ(count(sandbox.stats(), "executions", platform), 18);
  // Every run left its ledger, closed.
  size_t ledgers = 0;
  for (const auto& e : fs::directory_iterator(project / "target/dbtpy/runs")) {
    ++ledgers;
    std::ifstream in(e.path());
    std::string line, last;
    while (std::getline(in, line))
      last = line;
    EXPECT_EQ(Json::parse(last)["event"], "run_finished") << e.path();
  }
  EXPECT_EQ(ledgers, 3u);
}

INSTANTIATE_TEST_SUITE_P(Targets, ExampleOnEveryPlatform,
                         ::testing::Values("snowflake", "databricks", "bigquery"),
                         [](const auto& p) { return p.param; });

TEST_F(SubmitE2e, UpstreamFailureSkipsDescendantsAndShowsTheRemoteError) {
  SandboxProcess sandbox(work_.path(),
                         "defaults: {min_duration: 100ms, max_duration: 300ms}\n"
                         "rules:\n"
                         "  - match: model.jaffle_py.customer_orders\n"
                         "    fail: true\n"
                         "    message: \"ValueError: no orders for customer 42\"\n");
  const fs::path project = copy_example(work_.path());
  DbtpyResult r = run_dbtpy(submit(project, "snowflake"), sandbox.env(), work_.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const Json results = read_json(project / "target/run_results.json");
  EXPECT_EQ(run_results_violations(project / "target/run_results.json"), "");
  auto st = statuses(results);
  EXPECT_EQ(st["model.jaffle_py.customer_orders"], "error");
  EXPECT_EQ(st["model.jaffle_py.customer_lifetime_value"], "skipped");
  EXPECT_EQ(st["model.jaffle_py.churn_features"], "skipped");
  EXPECT_EQ(st["model.jaffle_py.order_payments"], "success");
  EXPECT_EQ(st["model.jaffle_py.payment_method_mix"], "success");
  for (const auto& res : results["results"]) {
    if (res["unique_id"] == "model.jaffle_py.customer_orders") {
      EXPECT_NE(res["message"].get<std::string>().find("no orders for customer 42"),
                std::string::npos)
          << res["message"];
    }
  }
  EXPECT_NE(r.out.find("Failure in model customer_orders (models/marts/customer_orders.py)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("no orders for customer 42"), std::string::npos);
  EXPECT_NE(r.out.find("SKIP relation"), std::string::npos);
  // The failure carries its stable code and what to do.
  EXPECT_NE(r.out.find("error[DBTPY5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("= help: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ERROR=1 SKIP=2 TOTAL=6"), std::string::npos) << r.out;
  // Skipped models never reached the platform.
  EXPECT_EQ(count(sandbox.stats(), "executions", "snowflake"), 4);
}

struct SignalCase {
  int signal;
  std::string target;
  int exit_code;
};

void PrintTo(const SignalCase& c, std::ostream* os) {
  *os << (c.signal == SIGINT ? "SIGINT " : "SIGTERM ") << c.target;
}

class Signals : public SubmitE2e, public ::testing::WithParamInterface<SignalCase> {};

TEST_P(Signals, CancelEveryStartedOperationThenExitWithTheSignalsCode) {
  const SignalCase c = GetParam();
  SandboxProcess sandbox(work_.path(), kSlowRuns);
  const fs::path project = copy_example(work_.path());
  const std::string platform = stats_platform(c.target);
  Child dbtpy = start_dbtpy(submit(project, c.target), sandbox.env(), work_.path());
  // The three root models run at once (threads: 4); wait until the platform runs them all.
  ASSERT_TRUE(eventually([&] { return count(sandbox.stats(), "executions", platform) >= 3; }, 60))
      << sandbox.stats().dump() << dbtpy.stdout_text() << dbtpy.stderr_text();
  kill(dbtpy.pid, c.signal);
  const int code = wait_exit(dbtpy);
  EXPECT_EQ(code, c.exit_code) << dbtpy.stdout_text() << dbtpy.stderr_text();
  const Json stats = sandbox.stats();
  const long long started = count(stats, "executions", platform);
  EXPECT_EQ(started, 3) << stats.dump();
  // A cancel for every started operation, and nothing left running: each execution ended.
  EXPECT_GE(count(stats, "cancels", platform), started) << stats.dump();
  EXPECT_EQ(total(stats["runs"].value(platform, Json::object())), started) << stats.dump();
  const fs::path results = project / "target/run_results.json";
  EXPECT_EQ(run_results_violations(results), "");
  for (const auto& [id, status] : statuses(read_json(results)))
    EXPECT_NE(status, "success") << id;
  EXPECT_NE(dbtpy.stdout_text().find("cancelling 3 models in flight"), std::string::npos)
      << dbtpy.stdout_text();
}

INSTANTIATE_TEST_SUITE_P(
    SigintAndSigterm, Signals,
    ::testing::Values(SignalCase{SIGINT, "snowflake", 130}, SignalCase{SIGTERM, "snowflake", 143},
                      SignalCase{SIGINT, "databricks", 130}, SignalCase{SIGTERM, "bigquery", 143}),
    [](const auto& p) {
      return std::string(p.param.signal == SIGINT ? "Sigint_" : "Sigterm_") + p.param.target;
    });

TEST_F(SubmitE2e, SecondSigintStopsWaitingAndSaysHowToCancel) {
  // The platform takes a minute to confirm cancellations: a second Ctrl-C must not wait.
  SandboxProcess sandbox(work_.path(),
                         "defaults: {duration: 120s, startup_delay: 0s, cancel_latency: 60s}\n");
  const fs::path project = copy_example(work_.path());
  Child dbtpy = start_dbtpy(submit(project, "snowflake"), sandbox.env(), work_.path());
  ASSERT_TRUE(
      eventually([&] { return count(sandbox.stats(), "executions", "snowflake") >= 3; }, 60));
  kill(dbtpy.pid, SIGINT);
  ASSERT_TRUE(eventually([&] {
    return dbtpy.stdout_text().find("cancelling 3 models in flight") != std::string::npos;
  }));
  kill(dbtpy.pid, SIGINT);
  EXPECT_EQ(wait_exit(dbtpy), 130);
  const std::string out = dbtpy.stdout_text();
  EXPECT_NE(out.find("3 models may still be running remotely"), std::string::npos) << out;
  EXPECT_NE(out.find("To cancel what may still be running: dbtpy cancel --run "), std::string::npos)
      << out;
  const fs::path results = project / "target/run_results.json";
  EXPECT_EQ(run_results_violations(results), "");
}

class KillNine : public SubmitE2e, public ::testing::WithParamInterface<std::string> {};

TEST_P(KillNine, CancelAllOpenCleansUpWhatACrashedRunLeft) {
  const std::string target = GetParam();
  SandboxProcess sandbox(work_.path(), kSlowRuns);
  const fs::path project = copy_example(work_.path());
  const std::string platform = stats_platform(target);
  Child dbtpy = start_dbtpy(submit(project, target), sandbox.env(), work_.path());
  // Killed once three models' work is running and recorded. (Work sent but whose answer the
  // ledger never got is the unit tests' subject: ReplayCancel, LedgerTest.)
  ASSERT_TRUE(eventually(
      [&] {
        return count(sandbox.stats(), "executions", platform) >= 3 &&
               models_with_work_handles(project) >= 3;
      },
      60))
      << sandbox.stats().dump() << dbtpy.stdout_text() << dbtpy.stderr_text();
  kill(dbtpy.pid, SIGKILL);
  EXPECT_EQ(wait_exit(dbtpy), 128 + SIGKILL);
  EXPECT_EQ(count(sandbox.stats(), "cancels", platform), 0);

  const std::vector<std::string> where = {"--project-dir",  project.string(), "--profiles-dir",
                                          project.string(), "--target",       target};
  std::vector<std::string> list = {"cancel", "--list"};
  list.insert(list.end(), where.begin(), where.end());
  DbtpyResult listed = run_dbtpy(list, sandbox.env(), work_.path());
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("ended without finishing"), std::string::npos) << listed.out;

  std::vector<std::string> cancel = {"cancel", "--all-open"};
  cancel.insert(cancel.end(), where.begin(), where.end());
  DbtpyResult r = run_dbtpy(cancel, sandbox.env(), work_.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(eventually([&] {
    const Json s = sandbox.stats();
    return total(s["runs"].value(platform, Json::object())) == 3;
  })) << sandbox.stats().dump()
      << r.out;
  if (platform == "databricks") {
    // A model's run_model command may have been sent with its answer lost in the kill (its
    // set_parameters command's handle is then the model's last record): no cancel by id is
    // possible, and the cleanup's contexts/destroy is what ends it. What users rely on: every
    // run ended cancelled.
    EXPECT_EQ(sandbox.stats()["runs"]["databricks"].value("CANCELLED", 0), 3)
        << sandbox.stats().dump() << r.out;
  } else {
    EXPECT_GE(count(sandbox.stats(), "cancels", platform), 3) << sandbox.stats().dump() << r.out;
  }

  // Replayed once: a second --all-open finds nothing.
  DbtpyResult again = run_dbtpy(cancel, sandbox.env(), work_.path());
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("Nothing to cancel"), std::string::npos) << again.out;
}

INSTANTIATE_TEST_SUITE_P(Targets, KillNine,
                         ::testing::Values("snowflake", "databricks", "bigquery"),
                         [](const auto& p) { return p.param; });

class Faults : public SubmitE2e, public ::testing::WithParamInterface<std::string> {};

TEST_P(Faults, EveryModelRunsExactlyOnceAndNoneFalselySucceeds) {
  const std::string target = GetParam();
  const std::string platform = stats_platform(target);
  const fs::path project = work_.path() / "dag";
  const std::string gen =
      "/usr/bin/python3 " + std::string(DBTPY_SOURCE_DIR) + "/bench/dag/make_dag_project.py " +
      project.string() + " --models 200 --depth 4 --min-duration 0.05 --max-duration 0.3" +
      // The notebook path (runs/submit with an idempotency_token): the
      // Command API has no idempotency key, so a dropped execute can only
      // fail honestly (see UnkeyedDatabricksCommandsFailHonestly).
      (target == "databricks" ? " --project-config '+create_notebook: true'" : "") + " >/dev/null";
  ASSERT_EQ(std::system(gen.c_str()), 0);
  std::ifstream rules_in(project / "sandbox_rules.yml");
  std::stringstream rules;
  rules << rules_in.rdbuf();
  const std::string endpoints = target == "snowflake"    ? "snowflake.*"
                                : target == "databricks" ? "databricks.*"
                                                         : "dataproc.*";
  SandboxProcess sandbox(work_.path(), "defaults: {duration: 100ms, startup_delay: 0s}\n" +
                                           rules.str() +
                                           "faults:\n"
                                           "  - endpoint: \"" +
                                           endpoints +
                                           "\"\n"
                                           "    error_rate: 0.05\n"
                                           "    throttle_rate: 0.05\n"
                                           "    retry_after: 1\n"
                                           "    drop_rate: 0.1\n");
  std::vector<std::string> args = submit(project, target);
  args.insert(args.end(), {"--threads", "32"});
  DbtpyResult r = run_dbtpy(args, sandbox.env(), work_.path());
  const Json stats = sandbox.stats();
  const Json results = read_json(project / "target/run_results.json");
  EXPECT_EQ(run_results_violations(project / "target/run_results.json"), "");
  ASSERT_EQ(results["results"].size(), 200u);
  // Faults were injected, and yet: exactly one remote execution per model.
  long long faults = 0;
  for (const auto& [endpoint, kinds] : stats["faults"].items())
    faults += total(kinds);
  EXPECT_GT(faults, 0) << stats.dump();
  EXPECT_EQ(count(stats, "executions", platform), 200) << stats.dump();
  // No false success: every model reported a success wrote its relation, exactly once.
  const std::map<std::string, long long> writes = writes_by_model(sandbox.relations());
  size_t ok = 0;
  for (const auto& [id, status] : statuses(results)) {
    if (status != "success") continue;
    ++ok;
    EXPECT_EQ(writes.count(id) ? writes.at(id) : 0, 1) << id;
  }
  EXPECT_EQ(r.exit_code, ok == 200 ? 0 : 1) << r.out << r.err;
  EXPECT_EQ(ok, 200u) << r.out << r.err;
}

TEST_F(SubmitE2e, UnkeyedDatabricksCommandsFailHonestly) {
  // The Command API has no idempotency key: a command whose answer was lost may or may not
  // run, and dbtpy must neither resend it (a second run) nor call it a success.
  const fs::path project = work_.path() / "dag";
  const std::string gen = "/usr/bin/python3 " + std::string(DBTPY_SOURCE_DIR) +
                          "/bench/dag/make_dag_project.py " + project.string() +
                          " --models 60 --depth 1 --min-duration 0.05 --max-duration 0.2"
                          " >/dev/null";
  ASSERT_EQ(std::system(gen.c_str()), 0);
  SandboxProcess sandbox(work_.path(),
                         "defaults: {duration: 100ms, startup_delay: 0s}\n"
                         "faults:\n"
                         "  - endpoint: \"databricks.commands.execute\"\n"
                         "    drop_rate: 0.2\n");
  std::vector<std::string> args = submit(project, "databricks");
  args.insert(args.end(), {"--threads", "16"});
  DbtpyResult r = run_dbtpy(args, sandbox.env(), work_.path());
  const Json stats = sandbox.stats();
  const Json results = read_json(project / "target/run_results.json");
  ASSERT_EQ(results["results"].size(), 60u);
  size_t ok = 0, errors = 0;
  for (const auto& res : results["results"]) {
    if (res["status"] == "success") ++ok;
    if (res["status"] == "error") {
      ++errors;
      EXPECT_FALSE(res["message"].get<std::string>().empty());
    }
  }
  const std::map<std::string, long long> writes = writes_by_model(sandbox.relations());
  for (const auto& res : results["results"]) {
    const std::string id = res["unique_id"];
    if (res["status"] == "success") {
      EXPECT_EQ(writes.count(id) ? writes.at(id) : 0, 1) << id;
    }
  }
  EXPECT_LE(count(stats, "executions", "databricks"), 60) << stats.dump();
  EXPECT_EQ(ok + errors, 60u);
  EXPECT_EQ(r.exit_code, errors ? 1 : 0);
}

INSTANTIATE_TEST_SUITE_P(Targets, Faults, ::testing::Values("snowflake", "databricks", "bigquery"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace dbtpy::runner::e2e
