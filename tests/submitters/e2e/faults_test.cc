// Faults end to end: with the sandbox answering 5xx and 429 at random on every endpoint and
// dropping the connection after it accepted a submission, N submissions of a model produce
// exactly N remote executions (the idempotency keys make the resends find the first one) and
// no false success. The Databricks Command API has no idempotency key for commands/execute:
// there a dropped execute is reported as "may have run" (DBTPY501), never resent, so it too
// never runs a model twice (a 5xx to it, or to contexts/create, is reported the same way).
#include <gtest/gtest.h>

#include "tests/codegen/golden_cases.h"
#include "tests/submitters/e2e/sandbox_rig.h"

namespace dbtpy::submitters::e2e {
namespace {

constexpr int kSubmissions = 12;

const codegen::testing::GoldenCase& golden(const std::string& name) {
  for (const auto& c : codegen::testing::golden_cases())
    if (c.name == name) return c;
  throw std::runtime_error("no golden case " + name);
}

std::string faults_yaml() {
  return "faults:\n"
         "  - {endpoint: 'snowflake.*', error_rate: 0.1, error_status: 503, throttle_rate: 0.1, "
         "retry_after: 1}\n"
         "  - {endpoint: 'databricks.*', error_rate: 0.1, error_status: 503, throttle_rate: 0.1, "
         "retry_after: 1}\n"
         "  - {endpoint: 'dataproc.*', error_rate: 0.1, error_status: 503, throttle_rate: 0.1, "
         "retry_after: 1}\n"
         "  - {endpoint: 'gcs.*', error_rate: 0.1, error_status: 503, throttle_rate: 0.1, "
         "retry_after: 1}\n"
         "  - {endpoint: 'bigquery.*', error_rate: 0.1, error_status: 503, throttle_rate: 0.1, "
         "retry_after: 1}\n"
         "  - {endpoint: snowflake.statements.submit, drop_rate: 0.15}\n"
         "  - {endpoint: databricks.runs.submit, drop_rate: 0.15}\n"
         "  - {endpoint: databricks.jobs.run_now, drop_rate: 0.15}\n"
         "  - {endpoint: databricks.commands.execute, drop_rate: 0.15}\n"
         "  - {endpoint: dataproc.batches.create, drop_rate: 0.15}\n"
         "  - {endpoint: dataproc.jobs.submit, drop_rate: 0.15}\n"
         "  - {endpoint: bigquery.jobs.insert, drop_rate: 0.15}\n";
}

std::string counter_of(const codegen::Payload& p) {
  return p.platform == "bigquery" ? "dataproc" : p.platform;
}

class Faults : public ::testing::TestWithParam<std::string> {};

TEST_P(Faults, NSubmissionsAreExactlyNExecutionsAndNoFalseSuccess) {
  SandboxRig rig(sandbox_yaml(faults_yaml()));
  const codegen::Payload payload = rig.retarget(golden(GetParam()).make()).generate();
  const bool resendable = payload.method != "command_api";
  int succeeded = 0;
  std::vector<std::string> failures;
  for (int i = 0; i < kSubmissions; ++i) {
    rig.new_run_id();
    const long long before = rig.executions(counter_of(payload));
    RunResult r = rig.run(payload);
    const long long ran = rig.executions(counter_of(payload)) - before;
    EXPECT_LE(ran, 1) << "submission " << i << " ran the model " << ran << " times";
    if (r.outcome.status == FinalStatus::kSucceeded) {
      ++succeeded;
      EXPECT_EQ(ran, 1) << "submission " << i << " succeeded without running the model";
    } else {
      failures.push_back(r.outcome.code + " " + r.outcome.message);
    }
  }
  const Json faults = rig.harness().sandbox().stats().to_json()["faults"];
  std::string why;
  for (const auto& f : failures)
    why += f + "\n";
  if (resendable) {
    EXPECT_EQ(succeeded, kSubmissions) << why << faults.dump(2);
    EXPECT_EQ(rig.executions(counter_of(payload)), kSubmissions) << faults.dump(2);
  } else {
    EXPECT_LE(rig.executions(counter_of(payload)), kSubmissions);
    // A failure here is an honest "not resent": a 5xx or a lost answer to a POST that has no
    // idempotency key (contexts/create, commands/execute) may have taken effect.
    for (const auto& f : failures)
      EXPECT_TRUE(f.rfind("DBTPY501", 0) == 0 ||
                  (f.rfind("DBTPY500", 0) == 0 && f.find("not resent") != std::string::npos))
          << "only an outcome dbtpy cannot know may fail: " << f;
  }
  // The faults were really there.
  long long injected = 0;
  for (auto it = faults.begin(); it != faults.end(); ++it)
    for (auto k = it.value().begin(); k != it.value().end(); ++k)
      injected += k.value().get<long long>();
  EXPECT_GT(injected, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Methods, Faults,
    ::testing::Values("snowflake_table_anonymous", "snowflake_incremental_named",
                      "databricks_table_notebook_run", "databricks_incremental_workflow_job",
                      "databricks_table_command_api", "bigquery_incremental_serverless",
                      "bigquery_incremental_cluster"),
    [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

}  // namespace
}  // namespace dbtpy::submitters::e2e
