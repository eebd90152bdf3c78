// Fault injection (throttling, server errors, dropped connections, slow responses, token
// expiry), reproducibility by seed, the /_sandbox/stats counters and the request log.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/sandbox/sandbox_fixture.h"
#include "util/base64.h"
#include "util/fs.h"
#include "util/strings.h"

namespace dbtpy::sandbox::testing {
namespace {

const std::string kNotebook = "/Shared/model";

void import_notebook(Harness& h) {
  auto r = h.client().Post(
      "/api/2.0/workspace/import", bearer(kDatabricksPat),
      Json{{"path", kNotebook},
           {"format", "SOURCE"},
           {"language", "PYTHON"},
           {"content", base64_encode(model_source("model.p.m", "main.s.m", "databricks"))}}
          .dump(),
      "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
}

Json submit_body(const std::string& token) {
  return {{"run_name", "r"},
          {"idempotency_token", token},
          {"tasks", {{{"task_key", "t"}, {"notebook_task", {{"notebook_path", kNotebook}}}}}}};
}

TEST(Faults, ThrottlingAnswers429WithRetryAfterInTheVendorsShape) {
  Harness h(
      test_config("faults:\n"
                  "  - {endpoint: databricks.scim.me, throttle_rate: 1, retry_after: 3}\n"
                  "  - {endpoint: 'snowflake.*', error_rate: 1, error_status: 503}\n"
                  "  - {endpoint: dataproc.batches.get, error_rate: 1, error_status: 500}\n"));
  auto dbx = h.client().Get("/api/2.0/preview/scim/v2/Me", bearer(kDatabricksPat));
  ASSERT_EQ(dbx->status, 429);
  EXPECT_EQ(dbx->get_header_value("Retry-After"), "3");
  EXPECT_EQ(json_of(dbx)["error_code"], "REQUEST_LIMIT_EXCEEDED");
  auto sf = h.client().Post("/api/v2/statements", snowflake_headers(),
                            R"({"statement":"select 1"})", "application/json");
  ASSERT_EQ(sf->status, 503);
  EXPECT_TRUE(json_of(sf).contains("message"));
  auto gcp = h.client().Get(
      (std::string("/v1/projects/") + kProject + "/locations/" + kRegion + "/batches/x").c_str(),
      bearer(h.google_token()));
  ASSERT_EQ(gcp->status, 500);
  EXPECT_EQ(json_of(gcp)["error"]["status"], "INTERNAL");
  Json faults = h.stats()["faults"];
  EXPECT_EQ(faults["databricks.scim.me"]["throttled"], 1);
  EXPECT_EQ(faults["snowflake.statements.submit"]["server_error"], 1);
  // A rejected submit was never processed.
  EXPECT_FALSE(h.stats()["executions"].contains("snowflake"));
}

TEST(Faults, DroppedConnectionAfterAcceptStillRunsOnceAndTheRetryFindsIt) {
  Harness h(test_config("faults:\n  - {endpoint: databricks.runs.submit, drop_rate: 1}\n"));
  import_notebook(h);
  auto lost = h.client().Post("/api/2.1/jobs/runs/submit", bearer(kDatabricksPat),
                              submit_body("tok-1").dump(), "application/json");
  EXPECT_FALSE(lost);  // the client never sees a response
  EXPECT_EQ(h.stats()["executions"]["databricks"], 1);
  // The retry with the same idempotency token returns the recorded run: no second execution.
  auto retry = h.client().Post("/api/2.1/jobs/runs/submit", bearer(kDatabricksPat),
                               submit_body("tok-1").dump(), "application/json");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 200);
  EXPECT_TRUE(json_of(retry)["run_id"].is_number_integer());
  Json stats = h.stats();
  EXPECT_EQ(stats["executions"]["databricks"], 1);
  EXPECT_EQ(stats["faults"]["databricks.runs.submit"]["dropped"], 1);
}

TEST(Faults, SnowflakeDropThenRetryWithTheRequestId) {
  Harness h(test_config("faults:\n  - {endpoint: snowflake.statements.submit, drop_rate: 1}\n"));
  const std::string rid = "7d3c1c2e-1111-4222-8333-444455556666";
  Json body = {{"statement", "select 1"}};
  EXPECT_FALSE(h.client().Post(("/api/v2/statements?requestId=" + rid).c_str(), snowflake_headers(),
                               body.dump(), "application/json"));
  auto retry = h.client().Post(("/api/v2/statements?retry=true&requestId=" + rid).c_str(),
                               snowflake_headers(), body.dump(), "application/json");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 200);
  EXPECT_EQ(h.stats()["idempotent_replays"]["snowflake"], 1);
}

TEST(Faults, SlowResponsesAreCountedAndLogged) {
  Harness h(test_config("faults:\n  - {endpoint: sandbox.health, slow: 200ms}\n"));
  EXPECT_EQ(h.client().Get("/_sandbox/health")->status, 200);
  EXPECT_EQ(h.stats()["faults"]["sandbox.health"]["slowed"], 1);
  std::string log = read_file(h.dir() / "requests.jsonl");
  EXPECT_NE(log.find(R"("fault":"slowed")"), std::string::npos);
}

TEST(Faults, TheSameSeedGivesTheSameFaults) {
  auto sequence = [] {
    Harness h(test_config("faults:\n  - {endpoint: databricks.scim.me, error_rate: 0.5}\n"));
    std::string s;
    for (int i = 0; i < 24; ++i) {
      s += h.client().Get("/api/2.0/preview/scim/v2/Me", bearer(kDatabricksPat))->status == 200
               ? '.'
               : 'x';
    }
    return s;
  };
  std::string a = sequence();
  EXPECT_EQ(a, sequence());
  EXPECT_NE(a.find('x'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

TEST(Faults, IssuedTokensExpireAfterTheConfiguredTime) {
  Harness h(test_config("tokens: {expire_after: 1s}\n"));
  std::string token = h.google_token();
  const std::string bucket = std::string("/storage/v1/b/") + kBucket;
  EXPECT_EQ(h.client().Get(bucket.c_str(), bearer(token))->status, 200);
  EXPECT_TRUE(
      eventually([&] { return h.client().Get(bucket.c_str(), bearer(token))->status == 401; }, 5));
  EXPECT_NE(h.stats()["auth_failures"].dump().find("access token expired"), std::string::npos);
}

TEST(Stats, TwoHundredSubmissionsAreExactlyTwoHundredExecutions) {
  Harness h(test_config("", "defaults: {duration: 10ms, startup_delay: 0s}\n"));
  const std::string proc =
      "CREATE OR REPLACE PROCEDURE RUN_MODEL() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = "
      "'3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = 'main' AS $$" +
      model_source("model.p.many", "DB.S.MANY", "snowflake") + "$$";
  Json session = {{"database", "DB"}, {"schema", "S"}};
  Json create = session;
  create["statement"] = proc;
  ASSERT_EQ(h.client()
                .Post("/api/v2/statements", snowflake_headers(), create.dump(), "application/json")
                ->status,
            200);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = h.client();
      Json call = session;
      call["statement"] = "CALL RUN_MODEL()";
      for (int i = 0; i < 50; ++i) {
        auto r = c.Post("/api/v2/statements?async=true", snowflake_headers(), call.dump(),
                        "application/json");
        if (r && r->status == 202) ++accepted;
      }
      (void)t;
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_TRUE(eventually([&] {
    Json runs = h.stats()["runs"]["snowflake"];
    return runs.value("SUCCEEDED", 0) == 200;
  }));
  Json stats = h.stats();
  EXPECT_EQ(stats["executions"]["snowflake"], 200);
  EXPECT_EQ(stats["requests"]["snowflake.statements.submit"]["statuses"]["202"], 200);
}

TEST(RequestLog, RecordsRequestsWithoutSecrets) {
  Harness h;
  const std::string jwt = snowflake_jwt();
  const std::string rid = "0a0b0c0d-1111-4222-8333-444455556666";
  h.client().Post(("/api/v2/statements?requestId=" + rid).c_str(), snowflake_headers(jwt),
                  R"({"statement":"select 1"})", "application/json");
  std::string token = h.google_token();
  h.client().Get((std::string("/storage/v1/b/") + kBucket).c_str(), bearer(token));
  h.client().Get("/api/2.0/preview/scim/v2/Me", bearer(kDatabricksPat));
  h.client().Post(
      "/oidc/v1/token", {{"Authorization", "Basic " + base64_encode("sp-client:dose-secret")}},
      "grant_type=client_credentials&scope=all-apis", "application/x-www-form-urlencoded");
  std::string log = read_file(h.dir() / "requests.jsonl");
  for (const std::string& secret : {jwt, token, std::string(kDatabricksPat),
                                    std::string("dose-secret"), std::string("assertion")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "secret in log: " << secret.substr(0, 12);
  }
  bool found = false;
  for (const auto& line : split(log, '\n')) {
    if (line.empty()) continue;
    Json e = Json::parse(line);
    EXPECT_TRUE(e.contains("ts") && e.contains("method") && e.contains("path") &&
                e.contains("status") && e.contains("latency_ms") && e.contains("endpoint"));
    if (e["endpoint"] == "snowflake.statements.submit") {
      found = true;
      EXPECT_EQ(e["keys"]["requestId"], rid);
      EXPECT_EQ(e["status"], 200);
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace dbtpy::sandbox::testing
