// `dbtpy cancel` after a crash: each open handle's cancel and each armed cleanup is sent once,
// cancels first; work that already ended and things already gone are said so, not errors.
#include <gtest/gtest.h>

#include "submitters/execution.h"
#include "tests/submitters/fake_platform.h"

namespace dbtpy::submitters {
namespace {

using namespace submitters::testing;

LedgerItem handle_item(std::string cancel_url, Json body = nullptr) {
  RemoteHandle h;
  h.step = "call_procedure";
  h.kind = "snowflake_statement";
  h.id = "h-1";
  Json cancel = {{"method", "POST"}, {"url", std::move(cancel_url)}, {"credential", "snowflake"}};
  if (!body.is_null()) cancel["body"] = std::move(body);
  h.detail = {{"cancel", cancel}};
  LedgerItem item;
  item.unique_id = "model.p.a";
  item.handle = h;
  return item;
}

LedgerItem cleanup_item(std::string url) {
  LedgerItem item;
  item.unique_id = "model.p.a";
  item.cleanup = Json{{"method", "POST"},
                      {"url", std::move(url)},
                      {"credential", "snowflake"},
                      {"body", {{"statement", "DROP PROCEDURE X()"}}}};
  return item;
}

LedgerItem unanswered_item(std::string url, std::string credential, std::string key = "") {
  LedgerItem item;
  item.unique_id = "model.p.a";
  item.step = "submit";
  item.unanswered = Json{{"method", "POST"}, {"url", std::move(url)}, {"credential", credential}};
  if (!key.empty()) (*item.unanswered)["idempotency_key"] = key;
  return item;
}

TEST(ReplayCancel, CancelsFirstThenCleansUpOneLineEach) {
  FakePlatform sf;
  sf.on("POST /api/v2/statements/h-1/cancel", {json_reply(200, Json{{"code", "000604"}})});
  sf.on("POST /api/v2/statements/h-2/cancel",
        {json_reply(422, Json{{"code", "000605"}, {"message", "not running"}})});
  sf.on("POST /api/v2/statements", {json_reply(200, Json{{"statementHandle", "h-9"}})});
  std::vector<LedgerItem> items = {cleanup_item("https://sf/api/v2/statements?requestId=r"),
                                   handle_item("https://sf/api/v2/statements/h-1/cancel"),
                                   handle_item("https://sf/api/v2/statements/h-2/cancel")};
  auto lines = replay_cancel(items, Clients{&sf, nullptr, nullptr});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("cleanup POST https://sf/api/v2/statements?requestId=r: done"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("snowflake_statement h-1 (call_procedure): cancel sent"),
            std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find("already finished"), std::string::npos) << lines[2];
  EXPECT_EQ(sf.routes(), (std::vector<std::string>{"POST /api/v2/statements/h-1/cancel",
                                                   "POST /api/v2/statements/h-2/cancel",
                                                   "POST /api/v2/statements"}));
  EXPECT_EQ(Json::parse(sf.sent("POST /api/v2/statements")[0].body)["statement"],
            "DROP PROCEDURE X()");
}

TEST(ReplayCancel, FailuresAndMissingClientsAreReportedPerItem) {
  FakePlatform sf;
  sf.on("POST /api/v2/statements/h-1/cancel",
        {json_reply(403, Json{{"code", "390101"}, {"message", "not authorized"}})});
  std::vector<LedgerItem> items = {handle_item("https://sf/api/v2/statements/h-1/cancel"),
                                   cleanup_item("https://sf/api/v2/statements")};
  items[1].cleanup->operator[]("credential") = "google";
  auto lines = replay_cancel(items, Clients{&sf, nullptr, nullptr});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("error[DBTPY518]"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("not authorized"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("no google credentials"), std::string::npos) << lines[1];
}

TEST(ReplayCancel, AnUnansweredBatchIsFoundByItsIdAndCancelledThroughItsOperation) {
  FakePlatform g;
  const std::string collection = "https://dp/v1/projects/p/locations/r/batches";
  g.on("GET /v1/projects/p/locations/r/batches/b-1",
       {json_reply(
           200, Json{{"state", "RUNNING"}, {"operation", "projects/p/regions/r/operations/o-1"}})});
  g.on("POST /v1/projects/p/regions/r/operations/o-1:cancel", {json_reply(200, Json::object())});
  g.on("GET /v1/projects/p/locations/r/batches/b-2",
       {json_reply(404, Json{{"error", {{"code", 404}, {"status", "NOT_FOUND"}}}})});
  g.on("GET /v1/projects/p/locations/r/batches/b-3",
       {json_reply(200, Json{{"state", "SUCCEEDED"}, {"operation", "projects/p/x/o-3"}})});
  std::vector<LedgerItem> items = {
      unanswered_item(collection + "?batchId=b-1&requestId=q", "google"),
      unanswered_item(collection + "?batchId=b-2", "google"),
      unanswered_item(collection + "?batchId=b-3", "google")};
  auto lines = replay_cancel(items, Clients{nullptr, nullptr, &g});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("cancel sent"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("never started"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("already finished (SUCCEEDED)"), std::string::npos) << lines[2];
  EXPECT_EQ(g.routes(),
            (std::vector<std::string>{"GET /v1/projects/p/locations/r/batches/b-1",
                                      "POST /v1/projects/p/regions/r/operations/o-1:cancel",
                                      "GET /v1/projects/p/locations/r/batches/b-2",
                                      "GET /v1/projects/p/locations/r/batches/b-3"}));
}

TEST(ReplayCancel, WorkThatCannotBeLookedUpIsAWarningNamingItsRequestId) {
  FakePlatform sf;
  auto lines =
      replay_cancel({unanswered_item("https://sf/api/v2/statements?requestId=r-7&async=true",
                                     "snowflake", "r-7")},
                    Clients{&sf, nullptr, nullptr});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("warning: model.p.a submit", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("request id r-7"), std::string::npos) << lines[0];
  EXPECT_TRUE(sf.routes().empty());  // never resent: that could start the work a second time
}

TEST(ReplayCancel, OnlySubmissionsThatStartRemoteWorkCount) {
  auto post = [](std::string url) { return Json{{"method", "POST"}, {"url", std::move(url)}}; };
  EXPECT_TRUE(may_start_remote_work(post("https://sf/api/v2/statements?requestId=r")));
  EXPECT_TRUE(may_start_remote_work(post("https://db/api/2.1/jobs/runs/submit")));
  EXPECT_TRUE(may_start_remote_work(post("https://db/api/1.2/commands/execute")));
  EXPECT_TRUE(may_start_remote_work(post("https://dp/v1/projects/p/regions/r/jobs:submit")));
  EXPECT_TRUE(may_start_remote_work(post("https://bq/bigquery/v2/projects/p/jobs?location=US")));
  EXPECT_FALSE(may_start_remote_work(post("https://gcs/upload/storage/v1/b/x/o?uploadType=media")));
  EXPECT_FALSE(may_start_remote_work(post("https://db/api/2.0/workspace/mkdirs")));
  EXPECT_FALSE(
      may_start_remote_work(Json{{"method", "GET"}, {"url", "https://sf/api/v2/statements"}}));
}

}  // namespace
}  // namespace dbtpy::submitters
