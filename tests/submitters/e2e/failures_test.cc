// Failures end to end against dbtpy-sandbox: a remote Python exception fails the model with
// the error first and the traceback mapped to models/<file>.py:LINE; a cancelled run and a
// timed-out run are failures (never success), the platform saw the cancel, nothing is left
// running and the model's relation was not built; armed cleanups still ran.
#include <gtest/gtest.h>

#include "tests/codegen/golden_cases.h"
#include "tests/submitters/e2e/sandbox_rig.h"
#include "util/strings.h"

namespace dbtpy::submitters::e2e {
namespace {

using codegen::testing::Fixture;
using codegen::testing::GoldenCase;

const GoldenCase& golden(const std::string& name) {
  for (const auto& c : codegen::testing::golden_cases())
    if (c.name == name) return c;
  throw std::runtime_error("no golden case " + name);
}

std::string counter_of(const codegen::Payload& p) {
  return p.platform == "bigquery" ? "dataproc" : p.platform;
}

// How each platform names the generated code in a traceback frame.
std::string frame_file(const std::string& case_name) {
  if (case_name.starts_with("snowflake")) return "_udf_code.py";
  if (case_name.find("command_api") != std::string::npos) return "<command-4>";
  if (case_name.starts_with("databricks")) return "<command-1>";
  return "main.py";
}

// The remote line a platform reports for line `model_line` of the model file.
int remote_line(const codegen::Payload& p, int model_line) {
  const auto& e = p.source_map.at(0);
  return model_line - e.model_first_line + e.first_line - e.remote_line_offset;
}

class PythonError : public ::testing::TestWithParam<std::string> {};

TEST_P(PythonError, FailsWithTheErrorFirstAndTheTracebackMappedToTheModelFile) {
  const std::string name = GetParam();
  // The generated line numbers do not depend on where the sandbox listens.
  int line = 0;
  {
    SandboxRig probe;
    line = remote_line(probe.retarget(golden(name).make()).generate(), 21);
  }
  const std::string rule =
      "rules:\n"
      "  - match: model.jaffle.orders\n"
      "    fail: true\n"
      "    message: \"ValueError: threshold must be positive\"\n"
      "    traceback: |\n"
      "      Traceback (most recent call last):\n"
      "        File \"" +
      frame_file(name) + "\", line " + std::to_string(line) +
      ", in model\n"
      "        File \"/usr/lib/python3/site-packages/pandas/core/frame.py\", line 4102, in "
      "__getitem__\n"
      "      ValueError: threshold must be positive\n";
  SandboxRig rig(sandbox_yaml(rule));
  const codegen::Payload payload = rig.retarget(golden(name).make()).generate();
  RunResult r = rig.run(payload);
  const Outcome& o = r.outcome;
  ASSERT_EQ(o.status, FinalStatus::kFailed) << o.message;
  EXPECT_EQ(o.code, "DBTPY505") << o.message;
  EXPECT_FALSE(o.hint.empty());
  // The error (with where it happened) first, then the traceback with mapped frames.
  const size_t error_at = o.message.find("ValueError: threshold must be positive");
  const size_t traceback_at = o.message.find("Traceback (most recent call last):");
  ASSERT_NE(error_at, std::string::npos) << o.message;
  ASSERT_NE(traceback_at, std::string::npos) << o.message;
  EXPECT_LT(error_at, traceback_at) << o.message;
  EXPECT_LT(o.message.find("models/marts/orders.py:21"), o.message.find('\n')) << o.message;
  EXPECT_NE(o.message.find("File \"models/marts/orders.py\", line 21, in model"), std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("pandas/core/frame.py"), std::string::npos) << o.message;
  EXPECT_EQ(o.message.find("\x1b["), std::string::npos);
  EXPECT_EQ(rig.executions(counter_of(payload)), 1);
  EXPECT_FALSE(rig.has_relation(payload.relation));
  for (const auto& e : r.observer.events) {
    if (e.rfind("armed ", 0) == 0) EXPECT_TRUE(r.observer.has("cleaned " + e.substr(6))) << e;
  }
}

INSTANTIATE_TEST_SUITE_P(Platforms, PythonError,
                         ::testing::Values("snowflake_table_anonymous", "snowflake_table_named",
                                           "databricks_table_command_api",
                                           "databricks_table_notebook_run",
                                           "bigquery_table_serverless", "bigquery_table_cluster"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

struct CancelCase {
  std::string golden;
  CancelReason reason;
  FinalStatus expected;
};

void PrintTo(const CancelCase& c, std::ostream* os) {
  *os << c.golden;
}

class Cancel : public ::testing::TestWithParam<CancelCase> {};

TEST_P(Cancel, IsAFailureThePlatformSawAndNothingIsLeftRunning) {
  const CancelCase& c = GetParam();
  SandboxRig rig(sandbox_yaml("rules:\n  - {match: model.jaffle.orders, duration: 60s}\n"));
  const codegen::Payload payload = rig.retarget(golden(c.golden).make()).generate();
  RunOptions opts;
  // Long enough for clusters, contexts and uploads of every method to be past their start.
  opts.cancel_after = std::chrono::milliseconds(3'000);
  opts.cancel_reason = c.reason;
  RunResult r = rig.run(payload, opts);
  const Outcome& o = r.outcome;
  ASSERT_EQ(o.status, c.expected) << o.message << "\n" << r.observer.dump();
  EXPECT_NE(o.status, FinalStatus::kSucceeded);
  EXPECT_FALSE(o.message.empty());
  EXPECT_EQ(o.code, c.expected == FinalStatus::kTimedOut ? "DBTPY510" : "DBTPY509") << o.message;
  const std::string platform = counter_of(payload);
  EXPECT_EQ(rig.executions(platform), 1) << rig.stats().dump(2);
  EXPECT_FALSE(rig.has_relation(payload.relation));
  // The platform saw the cancel, and nothing is left running: every run it started reached a
  // final state, and that state is a cancellation.
  auto finished = [&] {
    Json runs = rig.stats()["runs"].value(platform, Json::object());
    long long n = 0;
    for (auto it = runs.begin(); it != runs.end(); ++it)
      n += it.value().get<long long>();
    return n == rig.executions(platform);
  };
  EXPECT_TRUE(sandbox::testing::eventually(finished, 10)) << rig.stats().dump(2);
  Json stats = rig.stats();
  EXPECT_GE(stats["cancels"].value(platform, 0LL), 1) << stats.dump(2);
  bool cancelled_state = false;
  for (auto it = stats["runs"][platform].begin(); it != stats["runs"][platform].end(); ++it)
    cancelled_state |= to_upper(it.key()).find("CANCEL") != std::string::npos;
  // The sandbox counts a Databricks job run by the result_state it had when its last task
  // ended, before the run's own state caught up ("UNKNOWN"); ask the run itself instead.
  for (const auto& h : r.observer.handles) {
    if (h.kind != "databricks_run") continue;
    auto got =
        rig.harness().client().Get("/api/2.1/jobs/runs/get?run_id=" + h.id,
                                   sandbox::testing::bearer(sandbox::testing::kDatabricksPat));
    Json run = sandbox::testing::json_of(got);
    cancelled_state |= run["state"].value("result_state", "") == "CANCELED";
  }
  EXPECT_TRUE(cancelled_state) << stats.dump(2);
  for (const auto& e : r.observer.events) {
    if (e.rfind("armed ", 0) == 0) EXPECT_TRUE(r.observer.has("cleaned " + e.substr(6))) << e;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Methods, Cancel,
    ::testing::Values(
        CancelCase{"snowflake_table_anonymous", CancelReason::kUser, FinalStatus::kCancelled},
        CancelCase{"snowflake_table_named", CancelReason::kTimeout, FinalStatus::kTimedOut},
        CancelCase{"databricks_table_command_api", CancelReason::kSignal, FinalStatus::kCancelled},
        CancelCase{"databricks_table_notebook_run", CancelReason::kTimeout, FinalStatus::kTimedOut},
        CancelCase{"databricks_table_workflow_job", CancelReason::kFailFast,
                   FinalStatus::kCancelled},
        CancelCase{"bigquery_table_serverless", CancelReason::kSignal, FinalStatus::kCancelled},
        CancelCase{"bigquery_table_cluster", CancelReason::kTimeout, FinalStatus::kTimedOut}),
    [](const ::testing::TestParamInfo<CancelCase>& param_info) { return param_info.param.golden; });

}  // namespace
}  // namespace dbtpy::submitters::e2e
