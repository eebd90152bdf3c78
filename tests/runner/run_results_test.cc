// run_results.json: dbt's v6 schema (validated with python3-jsonschema against the test's
// own description of it), the fields dbt users read, and the atomic write.
#include "runner/run_results.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>

#include "runner/engine.h"
#include "tests/runner/fake_execution.h"
#include "tests/support/temp_dir.h"
#include "util/fs.h"

namespace dbtpy::runner {
namespace {

using namespace std::chrono_literals;
using testing::FakePlatform;
using testing::model_id;
using testing::VirtualClock;

// Runs the validator script; returns its output, `ok` set when it passed.
std::string validate(const std::filesystem::path& file, bool* ok) {
  std::string cmd = "/usr/bin/python3 " + std::string(DBTPY_SOURCE_DIR) +
                    "/tests/runner/validate_run_results.py '" + file.string() + "' 2>&1";
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return "cannot run python3";
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
    out.append(buf, n);
  int status = ::pclose(pipe);
  *ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return out;
}

class RunResultsTest : public ::testing::Test {
 protected:
  RunOutcome run(EngineOptions o = {}) {
    o.clock = &clock_;
    if (o.threads < 2) o.threads = 2;
    Engine engine(o, platform_.factory(), nullptr, nullptr);
    return engine.run(h_.plan);
  }
  RunResultsMetadata metadata() {
    RunResultsMetadata m;
    m.invocation_id = "6f9c1f9e-7a51-4c1e-9c55-1f0b5d1c2a11";
    m.dbtpy_version = "0.1.0";
    m.generated_at = clock_.now();
    m.env = {{"JOB_ID", "42"}};
    m.args = {{"which", "run"}, {"threads", 2}, {"select", Json::array({"m000+"})}};
    return m;
  }

  VirtualClock clock_;
  FakePlatform platform_{clock_};
  testing::PlanHolder h_ = testing::make_plan(4, {{0, 1}, {1, 2}});
  testing::TempDir dir_;
};

TEST_F(RunResultsTest, MatchesDbtsSchemaForEveryStatus) {
  platform_.set_job(model_id(1), {.result = submitters::FinalStatus::kFailed, .message = "boom"});
  h_.plan.models[3].compile_started = clock_.now();
  h_.plan.models[3].compile_completed = clock_.now() + 5ms;
  RunResultsMetadata meta = metadata();  // generated at the start of virtual time
  RunOutcome out = run();
  Json j = run_results_json(h_.plan, out, meta);
  auto path = dir_.path() / "run_results.json";
  write_run_results(path, j, nullptr);
  bool ok = false;
  std::string report = validate(path, &ok);
  EXPECT_TRUE(ok) << report;

  EXPECT_EQ(j["metadata"]["dbt_schema_version"],
            "https://schemas.getdbt.com/dbt/run-results/v6.json");
  EXPECT_EQ(j["metadata"]["invocation_id"], "6f9c1f9e-7a51-4c1e-9c55-1f0b5d1c2a11");
  EXPECT_EQ(j["metadata"]["generated_at"], "2026-11-21T12:00:00.000000Z");
  EXPECT_EQ(j["metadata"]["env"]["JOB_ID"], "42");
  EXPECT_EQ(j["args"]["which"], "run");
  ASSERT_EQ(j["results"].size(), 4u);
  std::map<std::string, Json> by_id;
  for (const auto& r : j["results"])
    by_id[r["unique_id"]] = r;
  EXPECT_EQ(by_id[model_id(0)]["status"], "success");
  EXPECT_EQ(by_id[model_id(1)]["status"], "error");
  EXPECT_EQ(by_id[model_id(1)]["message"], "boom");
  EXPECT_EQ(by_id[model_id(2)]["status"], "skipped");
  EXPECT_EQ(by_id[model_id(2)]["compiled_code"], nullptr);
  EXPECT_EQ(by_id[model_id(2)]["timing"], Json::array());

  const Json& ok0 = by_id[model_id(0)];
  EXPECT_EQ(ok0["relation_name"], "DB.ANALYTICS.m000");
  EXPECT_EQ(ok0["compiled"], true);
  EXPECT_EQ(ok0["compiled_code"], "def model(dbt, session):\n    return None\n");
  EXPECT_EQ(ok0["adapter_response"]["job_id"], model_id(0));
  EXPECT_EQ(ok0["failures"], nullptr);
  EXPECT_TRUE(ok0["thread_id"].get<std::string>().rfind("Thread-", 0) == 0);
  ASSERT_EQ(ok0["timing"].size(), 1u);
  EXPECT_EQ(ok0["timing"][0]["name"], "execute");
  EXPECT_GE(ok0["execution_time"].get<double>(), 1.0);
  ASSERT_EQ(by_id[model_id(3)]["timing"].size(), 2u);
  EXPECT_EQ(by_id[model_id(3)]["timing"][0]["name"], "compile");
  EXPECT_EQ(by_id[model_id(3)]["timing"][0]["completed_at"], "2026-11-21T12:00:00.005000Z");
}

TEST_F(RunResultsTest, ResultsAreInCompletionOrder) {
  platform_.set_job(model_id(0), {.duration = 5'000ms});
  platform_.set_job(model_id(3), {.duration = 200ms});
  RunOutcome out = run();
  Json j = run_results_json(h_.plan, out, metadata());
  std::vector<std::string> order;
  for (const auto& r : j["results"])
    order.push_back(r["unique_id"]);
  EXPECT_EQ(order, (std::vector<std::string>{model_id(3), model_id(0), model_id(1), model_id(2)}));
}

TEST_F(RunResultsTest, AnInterruptedRunIsStillAValidArtifact) {
  platform_.set_default({.duration = 600'000ms, .cancel_latency = std::nullopt});
  struct Stop final : RunListener {
    Engine* engine = nullptr;
    void heartbeat(const Progress& p) override {
      if (p.elapsed >= 3'000ms) engine->abort_now();
    }
  } listener;
  EngineOptions o;
  o.clock = &clock_;
  o.threads = 2;
  Engine engine(o, platform_.factory(), nullptr, &listener);
  listener.engine = &engine;
  RunOutcome out = engine.run(h_.plan);
  ASSERT_TRUE(out.aborted);
  auto path = dir_.path() / "target/run_results.json";
  write_run_results(path, run_results_json(h_.plan, out, metadata()), nullptr);
  bool ok = false;
  std::string report = validate(path, &ok);
  EXPECT_TRUE(ok) << report;
  Json j = Json::parse(read_file(path));
  for (const auto& r : j["results"])
    EXPECT_NE(r["status"], "success");
}

TEST_F(RunResultsTest, WrittenAtomicallyAndRedacted) {
  auto path = dir_.path() / "run_results.json";
  write_file_atomic(path, "previous");
  Redactor redactor;
  redactor.add_secret("dapi-0123456789abcdef");
  RunOutcome out = run();
  out.results[0].message = "token dapi-0123456789abcdef leaked by the model";
  write_run_results(path, run_results_json(h_.plan, out, metadata()), &redactor);
  std::string text = read_file(path);
  EXPECT_EQ(text.find("dapi-0123456789abcdef"), std::string::npos);
  EXPECT_NO_THROW(Json::parse(text));
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename(), "run_results.json") << "left behind: " << e.path();

  // A failed write leaves the previous artifact as it was.
  auto blocked = dir_.path() / "blocked";
  std::filesystem::create_directories(blocked / "run_results.json" / "x");
  EXPECT_THROW(write_run_results(blocked / "run_results.json",
                                 run_results_json(h_.plan, out, metadata()), nullptr),
               std::runtime_error);
  EXPECT_EQ(read_file(path), text);
  for (const auto& e : std::filesystem::directory_iterator(blocked))
    EXPECT_EQ(e.path().filename(), "run_results.json");
}

TEST(RunResultsEnv, CollectsDbtCustomEnvVariables) {
  ::setenv("DBT_ENV_CUSTOM_ENV_RUNNER", "ci-7", 1);
  ::setenv("DBT_ENV_SECRET_TOKEN", "never", 1);
  auto env = custom_env_from_process();
  EXPECT_EQ(env["RUNNER"], "ci-7");
  for (const auto& [k, v] : env)
    EXPECT_NE(v, "never");
  ::unsetenv("DBT_ENV_CUSTOM_ENV_RUNNER");
  ::unsetenv("DBT_ENV_SECRET_TOKEN");
}

}  // namespace
}  // namespace dbtpy::runner
