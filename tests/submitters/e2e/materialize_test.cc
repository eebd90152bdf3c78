// Every platform x submission method x materialization (codegen's reviewed golden cases),
// played by make_execution through the real clients against dbtpy-sandbox: the first run
// builds the relation with exactly one remote execution, a second run of an incremental model
// finds its relation (is_incremental), --full-refresh runs again, and every armed cleanup
// reached the ledger and ran.
#include <gtest/gtest.h>

#include "tests/codegen/golden_cases.h"
#include "tests/submitters/e2e/sandbox_rig.h"

namespace dbtpy::submitters::e2e {
namespace {

using codegen::testing::golden_cases;
using codegen::testing::GoldenCase;

std::string platform_counter(const codegen::Payload& p) {
  return p.platform == "bigquery" ? "dataproc" : p.platform;
}

// Cleanups armed during a run are all done by its end.
void expect_cleanups_done(const testing::RecordingObserver& o) {
  std::map<std::string, int> open;
  for (const auto& e : o.events) {
    if (e.rfind("armed ", 0) == 0) ++open[e.substr(6)];
    if (e.rfind("cleaned ", 0) == 0) --open[e.substr(8)];
  }
  for (const auto& [step, n] : open)
    EXPECT_LE(n, 0) << "cleanup " << step << " never ran\n" << o.dump();
}

class Materialize : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Materialize, FirstRunIncrementalRunAndFullRefresh) {
  SandboxRig rig;
  const codegen::Payload payload = rig.retarget(GetParam().make()).generate();
  const std::string counter = platform_counter(payload);

  RunResult first = rig.run(payload);
  ASSERT_EQ(first.outcome.status, FinalStatus::kSucceeded) << first.outcome.message << "\n"
                                                           << first.observer.dump();
  EXPECT_EQ(rig.executions(counter), 1);
  EXPECT_TRUE(rig.has_relation(payload.relation)) << rig.relations().dump(2);
  EXPECT_FALSE(first.outcome.adapter_response.empty());
  EXPECT_TRUE(first.outcome.cleanup_failures.empty());
  EXPECT_FALSE(first.observer.handles.empty()) << "no remote handle reached the ledger";
  expect_cleanups_done(first.observer);

  rig.new_run_id();
  RunResult second = rig.run(payload);
  ASSERT_EQ(second.outcome.status, FinalStatus::kSucceeded) << second.outcome.message;
  EXPECT_EQ(rig.executions(counter), 2);
  if (payload.platform == "snowflake") {
    // The procedure's return value says whether the model found its relation.
    Json ret = Json::parse(second.outcome.remote_output, nullptr, false);
    ASSERT_TRUE(ret.is_object()) << second.outcome.remote_output;
    EXPECT_EQ(ret.value("incremental", false), payload.materialized == "incremental");
  }
  expect_cleanups_done(second.observer);

  rig.new_run_id();
  RunOptions fr;
  fr.full_refresh = true;
  RunResult third = rig.run(payload, fr);
  ASSERT_EQ(third.outcome.status, FinalStatus::kSucceeded) << third.outcome.message;
  EXPECT_EQ(rig.executions(counter), 3);
  EXPECT_TRUE(rig.has_relation(payload.relation));
}

// A main file above the threshold goes to Cloud Storage as a resumable upload in 256 KiB
// chunks; the batch runs it and the object is deleted afterwards.
TEST(LargeMainFile, IsUploadedResumablyAndRuns) {
  SandboxRig rig;
  codegen::Payload payload = rig.retarget(codegen::testing::bigquery_fixture()).generate();
  for (auto& f : payload.files)
    if (f.name == "main.py") f.content += "#" + std::string(700 * 1024, 'x') + "\n";
  RunOptions opts;
  opts.limits.resumable_upload_bytes = 100 * 1024;
  RunResult r = rig.run(payload, opts);
  ASSERT_EQ(r.outcome.status, FinalStatus::kSucceeded) << r.outcome.message;
  const Json requests = rig.stats()["requests"];
  EXPECT_GE(requests["gcs.objects.upload_session"].value("count", 0), 3) << requests.dump(2);
  EXPECT_EQ(rig.executions("dataproc"), 1);
  EXPECT_TRUE(rig.has_relation(payload.relation));
  EXPECT_TRUE(r.observer.has("cleaned delete_main"));
}

INSTANTIATE_TEST_SUITE_P(GoldenCases, Materialize, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace dbtpy::submitters::e2e
