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
  return LedgerItem{"model.p.a", h, std::nullopt};
}

LedgerItem cleanup_item(std::string url) {
  return LedgerItem{"model.p.a", std::nullopt,
                    Json{{"method", "POST"},
                         {"url", std::move(url)},
                         {"credential", "snowflake"},
                         {"body", {{"statement", "DROP PROCEDURE X()"}}}}};
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

}  // namespace
}  // namespace dbtpy::submitters
