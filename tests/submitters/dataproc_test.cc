// Dataproc and BigQuery: the batch followed by its own state (not the operation), driver
// output read from Cloud Storage (always on failure, for the traceback), the BigQuery merge
// job of incrementals, cleanups of the upload and the staging table on every path, 409 for our
// own ids attaching to the existing work, cluster jobs, and cancel through the operation.
#include <gtest/gtest.h>

#include "submitters/execution.h"
#include "submitters/http/retrying_http_client.h"
#include "tests/codegen/fixtures.h"
#include "tests/submitters/fake_platform.h"

namespace dbtpy::submitters {
namespace {

using dbtpy::testing::FakeClock;
using namespace submitters::testing;

constexpr const char* kRunId = "0f4e2b6a-8f7e-4c1b-9a43-1c2d3e4f5a6b";
constexpr const char* kBatches = "/v1/projects/acme-analytics/locations/us-central1/batches";
constexpr const char* kOperation = "projects/acme-analytics/regions/us-central1/operations/op-1";
constexpr const char* kJobs = "/bigquery/v2/projects/acme-analytics/jobs";
constexpr const char* kOutputUri =
    "gs://dataproc-staging/metainfo/u1/jobs/srvls-batch-u1/driveroutput";

codegen::Payload serverless(bool incremental) {
  auto f = codegen::testing::bigquery_fixture();
  if (incremental) f.config("materialized", "incremental").config("unique_key", "order_id");
  return f.generate();
}

struct Rig {
  FakeClock clock;
  FakePlatform g;
  RecordingObserver observer;
  std::string batch_id;
  std::vector<std::string> batch_states = {"PENDING", "RUNNING", "SUCCEEDED"};
  size_t batch_polls = 0;
  std::string state_message;
  std::vector<std::string> output_chunks;
  Json merge_error;  // errorResult of the merge job, if any

  ExecutionOptions options() {
    ExecutionOptions o;
    o.run_id = kRunId;
    o.clock = &clock;
    return o;
  }
  Clients clients() { return Clients{nullptr, nullptr, &g}; }

  Json batch() {
    std::string state = batch_states[std::min(batch_polls, batch_states.size() - 1)];
    ++batch_polls;
    return Json{{"name", std::string(kBatches).substr(4) + "/" + batch_id},
                {"uuid", "u1"},
                {"state", state},
                {"stateMessage", state_message},
                {"operation", kOperation},
                {"runtimeInfo", {{"outputUri", kOutputUri}}}};
  }

  void script() {
    g.on("POST /upload/storage/v1/b/acme-dbt-python/o",
         {json_reply(200, Json{{"name", "x"}, {"generation", "1"}})});
    g.on("POST " + std::string(kBatches), [this](const http::HttpRequest& r) -> Answer {
      batch_id = http::query_param(r.url, "batchId").value_or("");
      return json_reply(200, Json{{"name", kOperation},
                                  {"metadata",
                                   {{"batch", std::string(kBatches).substr(4) + "/" + batch_id},
                                    {"batchUuid", "u1"}}}});
    });
    g.on_prefix("GET " + std::string(kBatches) + "/",
                [this](const http::HttpRequest&) -> Answer { return json_reply(200, batch()); });
    g.on_prefix("GET /storage/v1/b/dataproc-staging/o/",
                [this](const http::HttpRequest& r) -> Answer {
                  std::string path = http::parse_url(r.url)->path;
                  int index = std::stoi(path.substr(path.size() - 9));
                  if (index >= static_cast<int>(output_chunks.size()))
                    return json_reply(404, Json::object());
                  return text_reply(200, output_chunks[index]);
                });
    g.on("POST " + std::string(kJobs), [this](const http::HttpRequest& r) -> Answer {
      Json job = Json::parse(r.body);
      job["status"] = {{"state", "RUNNING"}};
      return json_reply(200, job);
    });
    g.on_prefix("GET " + std::string(kJobs) + "/", [this](const http::HttpRequest& r) -> Answer {
      std::string path = http::parse_url(r.url)->path;
      std::string id = path.substr(path.rfind('/') + 1);
      Json job = {
          {"jobReference", {{"projectId", "acme-analytics"}, {"jobId", id}, {"location", "US"}}},
          {"status", {{"state", "DONE"}}},
          {"statistics",
           {{"totalBytesProcessed", "2048"}, {"query", {{"numDmlAffectedRows", "7"}}}}}};
      if (id.starts_with("dbtpy_merge") && !merge_error.is_null()) {
        job["status"]["errorResult"] = merge_error;
        job["status"]["errors"] = Json::array({merge_error});
      }
      return json_reply(200, job);
    });
    g.on_prefix("DELETE /storage/v1/b/acme-dbt-python/o/",
                [](const http::HttpRequest&) -> Answer { return text_reply(204, ""); });
  }
};

TEST(DataprocBatch, SucceedsOnTheBatchStateAndDeletesTheUpload) {
  Rig rig;
  rig.script();
  auto payload = serverless(false);
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.g});
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  auto uploads = rig.g.sent("POST /upload/storage/v1/b/acme-dbt-python/o");
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].body, payload.file("main.py")->content);
  EXPECT_EQ(http::query_param(uploads[0].url, "name").value_or(""),
            std::string("dbtpy/") + kRunId + "/dbt_marts/orders.py");
  auto creates = rig.g.sent("POST " + std::string(kBatches));
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(http::query_param(creates[0].url, "requestId").value_or(""),
            codegen::request_id(kRunId, payload.unique_id, "create_batch"));
  EXPECT_EQ(rig.g.sent_prefix("GET /storage/v1/b/dataproc-staging").size(), 0u);  // no output
  EXPECT_EQ(rig.g.sent_prefix("DELETE /storage/v1/b/acme-dbt-python/o/").size(), 1u);
  EXPECT_EQ(o.adapter_response["operation"], kOperation);
  EXPECT_EQ(o.adapter_response["batch_id"], rig.batch_id);
  EXPECT_EQ(o.adapter_response["console_url"],
            "https://console.cloud.google.com/dataproc/batches/us-central1/" + rig.batch_id +
                "?project=acme-analytics");
  // The upload's deletion was on record before the upload was sent.
  EXPECT_LT(rig.observer.index("armed delete_main"), rig.observer.index("send upload_main"));
  EXPECT_TRUE(rig.observer.has("cleaned delete_main"));
}

TEST(DataprocBatch, FailureReadsTheDriverOutputAndMapsItsTraceback) {
  Rig rig;
  rig.script();
  rig.batch_states = {"RUNNING", "FAILED"};
  rig.state_message = "Job failed with message [ValueError: boom]";
  auto payload = serverless(false);
  const auto& sm = payload.source_map.at(0);
  const int remote = 12 - sm.model_first_line + sm.first_line - sm.remote_line_offset;
  rig.output_chunks = {"24/11/21 INFO starting\nTraceback (most recent call last):\n",
                       "  File \"/tmp/srvls-batch-u1/orders.py\", line " + std::to_string(remote) +
                           ", in model\nValueError: boom\n24/11/21 INFO stopped\n"};
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.g});
  ASSERT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY505");
  EXPECT_EQ(o.message.substr(0, o.message.find('\n')),
            "Python error at models/marts/orders.py:12: ValueError: boom");
  EXPECT_NE(o.message.find("failed: Job failed with message [ValueError: boom]"),
            std::string::npos);
  EXPECT_EQ(rig.g.sent_prefix("GET /storage/v1/b/dataproc-staging").size(), 3u);  // 2 + the 404
  EXPECT_NE(o.remote_output.find("INFO stopped"), std::string::npos);
  EXPECT_EQ(rig.g.sent_prefix("DELETE /storage/v1/b/acme-dbt-python/o/").size(), 1u);
}

TEST(DataprocBatch, LargeMainFileGoesAsAResumableUploadInChunks) {
  Rig rig;
  rig.script();
  auto payload = serverless(false);
  for (auto& f : payload.files)  // 600 KiB: three 256 KiB chunks
    if (f.name == "main.py") f.content += "#" + std::string(600 * 1024, 'x') + "\n";
  const std::string content = payload.file("main.py")->content;
  std::string received;
  int lost = 0;
  rig.g.on(
      "POST /upload/storage/v1/b/acme-dbt-python/o", [&](const http::HttpRequest& r) -> Answer {
        EXPECT_EQ(http::query_param(r.url, "uploadType").value_or(""), "resumable");
        EXPECT_EQ(r.header("X-Upload-Content-Length").value_or(""), std::to_string(content.size()));
        return json_reply(200, Json::object(),
                          {{"Location",
                            "https://storage.googleapis.com/upload/storage/v1/b/"
                            "acme-dbt-python/o?uploadType=resumable&upload_id=s1"}});
      });
  rig.g.on("PUT /upload/storage/v1/b/acme-dbt-python/o", [&](const http::HttpRequest& r) -> Answer {
    EXPECT_EQ(http::query_param(r.url, "upload_id").value_or(""), "s1");
    const std::string range = r.header("Content-Range").value_or("");
    const size_t from = std::stoul(range.substr(6));
    EXPECT_EQ(from, received.size()) << range;
    received = received.substr(0, from) + r.body;
    if (received.size() < content.size()) {
      // The second chunk's first send: stored, but only half of it acknowledged.
      if (received.size() > 256 * 1024 && lost++ == 0) received.resize(300 * 1024);
      return json_reply(308, Json(), {{"Range", "bytes=0-" + std::to_string(received.size() - 1)}});
    }
    return json_reply(200, Json{{"name", "x"}, {"generation", "1"}});
  });
  auto opts = rig.options();
  opts.limits.resumable_upload_bytes = 100 * 1024;  // threshold; chunks round up to 256 KiB
  auto e = make_execution(payload, opts, rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.g});
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  EXPECT_EQ(received, content);
  EXPECT_EQ(rig.g.sent("POST /upload/storage/v1/b/acme-dbt-python/o").size(), 1u);
  EXPECT_EQ(rig.g.sent("PUT /upload/storage/v1/b/acme-dbt-python/o").size(), 4u);
  int sends = 0;
  for (const auto& ev : rig.observer.events)
    sends += ev == "send upload_main";
  EXPECT_EQ(sends, 1);  // the ledger hears of the upload once
  EXPECT_TRUE(rig.observer.has("cleaned delete_main"));
}

TEST(DataprocBatch, ShowOutputKeepsOnlyTheTail) {
  Rig rig;
  rig.script();
  rig.output_chunks = {std::string(3000, 'a') + "\n", "last line\n"};
  auto payload = serverless(false);
  auto opts = rig.options();
  opts.show_output = true;
  opts.limits.output_tail_bytes = 100;
  auto e = make_execution(payload, opts, rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded);
  EXPECT_EQ(o.remote_output, "last line\n");
}

TEST(DataprocBatch, CancelGoesThroughTheOperation) {
  Rig rig;
  rig.script();
  rig.batch_states = {"RUNNING"};
  bool cancelled = false;
  rig.g.on("POST /v1/" + std::string(kOperation) + ":cancel",
           [&](const http::HttpRequest&) -> Answer {
             cancelled = true;
             rig.batch_states = {"CANCELLING", "CANCELLED"};
             rig.batch_polls = 0;
             return json_reply(200, Json::object());
           });
  auto payload = serverless(true);
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o =
      drive(*e, rig.clock, {.cancel_after = 5, .cancel_reason = CancelReason::kSignal});
  EXPECT_TRUE(cancelled) << rig.observer.dump();
  EXPECT_EQ(o.status, FinalStatus::kCancelled);
  EXPECT_EQ(rig.g.sent("POST " + std::string(kJobs)).size(), 1u);  // the staging drop, no merge
  EXPECT_EQ(rig.g.sent_prefix("DELETE /storage/v1/b/acme-dbt-python/o/").size(), 1u);
}

TEST(DataprocIncremental, MergeRunsAfterTheBatchAndCleanupsRunOnFailure) {
  for (bool merge_fails : {false, true}) {
    Rig rig;
    rig.script();
    if (merge_fails)
      rig.merge_error = Json{{"reason", "invalidQuery"}, {"message", "schemas are out of sync"}};
    auto payload = serverless(true);
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.g});
    auto inserts = rig.g.sent("POST " + std::string(kJobs));
    ASSERT_EQ(inserts.size(), 2u);  // the merge, then the staging drop
    Json merge = Json::parse(inserts[0].body);
    EXPECT_EQ(merge["configuration"]["query"]["query"], payload.file("merge.sql")->content);
    EXPECT_EQ(merge["jobReference"]["jobId"],
              "dbtpy_merge_orders_" + codegen::request_id(kRunId, payload.unique_id, "merge"));
    EXPECT_TRUE(
        Json::parse(inserts[1].body)["jobReference"]["jobId"].get<std::string>().starts_with(
            "dbtpy_drop_orders_"));
    EXPECT_EQ(rig.g.sent_prefix("DELETE /storage/v1/b/acme-dbt-python/o/").size(), 1u);
    EXPECT_TRUE(rig.observer.has("cleaned drop_staging"));
    if (merge_fails) {
      EXPECT_EQ(o.status, FinalStatus::kFailed);
      EXPECT_EQ(o.code, "DBTPY506");
      EXPECT_NE(o.message.find("invalidQuery: schemas are out of sync"), std::string::npos);
    } else {
      ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
      EXPECT_EQ(o.adapter_response["bytes_processed"], 2048);
      EXPECT_EQ(o.adapter_response["rows_affected"], 7);
      EXPECT_TRUE(
          o.adapter_response["job_id"].get<std::string>().starts_with("dbtpy_merge_orders_"));
    }
  }
}

TEST(DataprocIncremental, DuplicateJobAfterAResendAttachesInsteadOfRunningTwice) {
  Rig rig;
  rig.script();
  dbtpy::testing::RecordingSleeper sleeper(&rig.clock);
  dbtpy::testing::FixedRandom random(0.5);
  auto loop = http::RetryLoop::with_settings({}, rig.clock, sleeper, random);
  http::RetryingHttpClient retrying(rig.g, loop, rig.clock, sleeper);
  int inserts = 0;
  rig.g.on("POST " + std::string(kJobs), [&](const http::HttpRequest& r) -> Answer {
    Json job = Json::parse(r.body);
    if (job["jobReference"]["jobId"].get<std::string>().starts_with("dbtpy_merge")) {
      if (++inserts == 1) return dropped();  // created, the answer lost
      return json_reply(409, Json{{"error",
                                   {{"code", 409},
                                    {"status", "ALREADY_EXISTS"},
                                    {"message", "Already Exists: Job acme-analytics:US.x"}}}});
    }
    job["status"] = {{"state", "DONE"}};
    return json_reply(200, job);
  });
  auto payload = serverless(true);
  auto e =
      make_execution(payload, rig.options(), Clients{nullptr, nullptr, &retrying}, rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  EXPECT_EQ(inserts, 2);
  auto gets = rig.g.sent_prefix("GET " + std::string(kJobs) + "/dbtpy_merge_orders_");
  EXPECT_GE(gets.size(), 1u);
}

TEST(DataprocIncremental, CleanupJobWhoseAnswerWasLostIsFollowedNotReportedAsFailed) {
  Rig rig;
  rig.script();
  dbtpy::testing::RecordingSleeper sleeper(&rig.clock);
  dbtpy::testing::FixedRandom random(0.5);
  auto loop = http::RetryLoop::with_settings({}, rig.clock, sleeper, random);
  http::RetryingHttpClient retrying(rig.g, loop, rig.clock, sleeper);
  int drops = 0;
  rig.g.on("POST " + std::string(kJobs), [&](const http::HttpRequest& r) -> Answer {
    Json job = Json::parse(r.body);
    if (job["jobReference"]["jobId"].get<std::string>().starts_with("dbtpy_drop")) {
      if (++drops == 1) return dropped();  // the DROP job was created, its answer lost
      return json_reply(409, Json{{"error",
                                   {{"code", 409},
                                    {"status", "ALREADY_EXISTS"},
                                    {"message", "Already Exists: Job acme-analytics:US.x"}}}});
    }
    job["status"] = {{"state", "DONE"}};
    return json_reply(200, job);
  });
  auto payload = serverless(true);
  auto e =
      make_execution(payload, rig.options(), Clients{nullptr, nullptr, &retrying}, rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  EXPECT_EQ(drops, 2);
  EXPECT_TRUE(o.cleanup_failures.empty()) << o.cleanup_failures.front();
  EXPECT_TRUE(rig.observer.has("cleaned drop_staging")) << rig.observer.dump();
  EXPECT_GE(rig.g.sent_prefix("GET " + std::string(kJobs) + "/dbtpy_drop_orders_").size(), 1u);
  // The merge's ids stay the model's.
  EXPECT_TRUE(o.adapter_response["job_id"].get<std::string>().starts_with("dbtpy_merge_orders_"));
}

TEST(DataprocBatch, ConflictForOurOwnBatchAttachesThroughItsOperation) {
  Rig rig;
  rig.script();
  rig.g.on("POST " + std::string(kBatches), [&](const http::HttpRequest& r) -> Answer {
    rig.batch_id = http::query_param(r.url, "batchId").value_or("");
    return json_reply(
        409, Json{{"error", {{"code", 409}, {"status", "ALREADY_EXISTS"}, {"message", "exists"}}}});
  });
  auto payload = serverless(false);
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  ASSERT_FALSE(rig.observer.handles.empty());
  EXPECT_EQ(rig.observer.handles[0].id, kOperation);
  EXPECT_EQ(rig.g.sent("POST " + std::string(kBatches)).size(), 1u);
}

TEST(DataprocJob, ClusterJobStatesAndDriverOutput) {
  for (std::string final_state : {"DONE", "ERROR", "CANCELLED"}) {
    Rig rig;
    rig.script();
    auto f = codegen::testing::bigquery_fixture();
    f.config("submission_method", "cluster");
    auto payload = f.generate();
    const std::string jobs = "/v1/projects/acme-analytics/regions/us-central1/jobs";
    rig.g.on("POST " + jobs + ":submit", [](const http::HttpRequest& r) -> Answer {
      Json job = Json::parse(r.body)["job"];
      job["status"] = {{"state", "PENDING"}};
      return json_reply(200, job);
    });
    int polls = 0;
    rig.g.on_prefix("GET " + jobs + "/", [&](const http::HttpRequest& r) -> Answer {
      std::string path = http::parse_url(r.url)->path;
      std::string state = ++polls < 3 ? "RUNNING" : final_state;
      return json_reply(200, Json{{"reference", {{"jobId", path.substr(path.rfind('/') + 1)}}},
                                  {"status", {{"state", state}, {"details", "Job failed: exit 1"}}},
                                  {"driverOutputResourceUri", kOutputUri}});
    });
    rig.output_chunks = {"driver says hi\n"};
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    if (final_state == "DONE") {
      EXPECT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
      EXPECT_EQ(rig.g.sent_prefix("GET /storage/v1/b/dataproc-staging").size(), 0u);
    } else {
      EXPECT_EQ(o.status, FinalStatus::kFailed) << final_state;
      EXPECT_EQ(o.code, "DBTPY506");
      if (final_state == "ERROR") {
        EXPECT_NE(o.message.find("Job failed: exit 1"), std::string::npos);
        EXPECT_EQ(o.remote_output, "driver says hi\n");
      }
    }
    EXPECT_EQ(rig.g.sent_prefix("DELETE /storage/v1/b/acme-dbt-python/o/").size(), 1u);
    auto submit = Json::parse(rig.g.sent("POST " + jobs + ":submit").at(0).body);
    EXPECT_EQ(submit["requestId"], codegen::request_id(kRunId, payload.unique_id, "submit_job"));
  }
}

}  // namespace
}  // namespace dbtpy::submitters
