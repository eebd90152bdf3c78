// Snowflake SQL API statements: async submit, 202/200/422, the procedure's return value,
// Python tracebacks mapped to the model, named procedures dropped on every path, cancel, and
// resends that carry the same requestId with retry=true.
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

codegen::Payload anonymous_payload() {
  return codegen::testing::snowflake_fixture().generate();
}

codegen::Payload named_payload() {
  auto f = codegen::testing::snowflake_fixture();
  f.config("use_anonymous_sproc", false);
  return f.generate();
}

struct Rig {
  FakeClock clock;
  FakePlatform sf;
  RecordingObserver observer;
  ExecutionOptions options() {
    ExecutionOptions o;
    o.run_id = kRunId;
    o.clock = &clock;
    return o;
  }
  Clients clients() { return Clients{&sf, nullptr, nullptr}; }
};

Json status_running(const std::string& handle) {
  return Json{{"code", "333334"},
              {"message", "Asynchronous execution in progress."},
              {"statementHandle", handle}};
}

Json result_set(const std::string& handle, const std::string& value) {
  return Json{{"code", "090001"},
              {"statementHandle", handle},
              {"resultSetMetaData", {{"numRows", 1}, {"rowType", Json::array({{{"name", "X"}}})}}},
              {"data", Json::array({Json::array({value})})}};
}

// The remote (procedure body) line that is line `model_line` of the model file.
int remote_line_of(const codegen::Payload& p, int model_line) {
  const auto& e = p.source_map.at(0);
  return model_line - e.model_first_line + e.first_line - e.remote_line_offset;
}

TEST(SnowflakeStatement, SubmitsAsyncFollowsToTheResultAndReportsTheReturnValue) {
  Rig rig;
  auto payload = anonymous_payload();
  rig.sf.on("POST /api/v2/statements", {json_reply(202, status_running("h-1"))});
  rig.sf.on("GET /api/v2/statements/h-1",
            {json_reply(202, status_running("h-1")), json_reply(202, status_running("h-1")),
             json_reply(200, result_set("h-1", R"({"relation":"ANALYTICS.DBT_MARTS.ORDERS"})"))});
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.sf});
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  auto posts = rig.sf.sent("POST /api/v2/statements");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(http::query_param(posts[0].url, "async").value_or(""), "true");
  EXPECT_EQ(http::query_param(posts[0].url, "requestId").value_or(""),
            codegen::request_id(kRunId, payload.unique_id, "call_procedure"));
  Json body = Json::parse(posts[0].body);
  EXPECT_EQ(body["bindings"]["1"]["value"], kRunId);
  EXPECT_EQ(body["bindings"]["2"]["value"], "false");  // SQL API binding values are strings
  EXPECT_EQ(body["statement"], payload.file("procedure.sql")->content);  // exactly as reviewed
  EXPECT_EQ(rig.sf.sent("GET /api/v2/statements/h-1").size(), 3u);
  EXPECT_EQ(o.remote_output, R"({"relation":"ANALYTICS.DBT_MARTS.ORDERS"})");
  EXPECT_EQ(o.adapter_response["query_id"], "h-1");
  EXPECT_EQ(o.adapter_response["code"], "SUCCESS");
  EXPECT_EQ(o.adapter_response["rows_affected"], 1);
  // The handle reached the ledger with its cancel request before any status call.
  ASSERT_EQ(rig.observer.handles.size(), 1u);
  EXPECT_EQ(rig.observer.handles[0].detail["cancel"]["url"],
            "https://myorg-acct.snowflakecomputing.com/api/v2/statements/h-1/cancel");
  EXPECT_LT(rig.observer.index("send call_procedure"),
            rig.observer.index("handle snowflake_statement h-1"));
  EXPECT_TRUE(rig.observer.has("state call_procedure RUNNING"));
  EXPECT_TRUE(rig.observer.has("state call_procedure SUCCESS"));
}

TEST(SnowflakeStatement, PythonErrorShowsTheTracebackMappedToTheModel) {
  Rig rig;
  auto payload = anonymous_payload();
  const int line = remote_line_of(payload, 12);
  rig.sf.on("POST /api/v2/statements", {json_reply(202, status_running("h-2"))});
  rig.sf.on("GET /api/v2/statements/h-2",
            {json_reply(422, Json{{"code", "100357"},
                                  {"sqlState", "P0000"},
                                  {"statementHandle", "h-2"},
                                  {"message",
                                   "Python Interpreter Error:\nTraceback (most recent call last):\n"
                                   "  File \"_udf_code.py\", line " +
                                       std::to_string(line) +
                                       ", in model\nValueError: boom in function ORDERS__DBT_SP "
                                       "with handler main"}})});
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY505");
  // The error first, then the platform's account, then the mapped traceback.
  EXPECT_EQ(o.message.substr(0, o.message.find('\n')),
            "Python error at models/marts/orders.py:12: ValueError: boom");
  EXPECT_NE(o.message.find("Snowflake error 100357 (SQL state P0000)"), std::string::npos);
  EXPECT_NE(o.message.find("File \"models/marts/orders.py\", line 12, in model"), std::string::npos)
      << o.message;
  EXPECT_EQ(o.message.find("with handler main"), std::string::npos);
  EXPECT_FALSE(o.hint.empty());
}

TEST(SnowflakeStatement, FailureAtSubmitIsReadFromThe422) {
  Rig rig;
  rig.sf.on("POST /api/v2/statements",
            {json_reply(422, Json{{"code", "001003"},
                                  {"sqlState", "42000"},
                                  {"statementHandle", "h-3"},
                                  {"message", "SQL compilation error: syntax error line 1"}})});
  auto payload = anonymous_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY506");
  EXPECT_NE(o.message.find("statement h-3 failed: Snowflake error 001003"), std::string::npos)
      << o.message;
  EXPECT_EQ(rig.sf.sent("GET /api/v2/statements/h-3").size(), 0u);
}

TEST(SnowflakeStatement, CancelledAndTimedOutStatementsAreFailures) {
  for (const char* code : {"000604", "000630"}) {
    Rig rig;
    rig.sf.on("POST /api/v2/statements", {json_reply(202, status_running("h"))});
    rig.sf.on("GET /api/v2/statements/h",
              {json_reply(422, Json{{"code", code}, {"statementHandle", "h"}, {"message", "x"}})});
    auto payload = anonymous_payload();
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.status, FinalStatus::kFailed) << code;
    EXPECT_EQ(o.code, "DBTPY506");
  }
}

// The named procedure: created, called, and dropped on every path once the create was sent.
class NamedProcedure : public ::testing::Test {
 protected:
  void script(bool call_fails, bool drop_fails) {
    rig.sf.on("POST /api/v2/statements", [=, this](const http::HttpRequest& r) -> Answer {
      std::string statement = Json::parse(r.body)["statement"];
      std::string h = statement.find("CREATE") == 0 ? "h-create"
                      : statement.find("CALL") == 0 ? "h-call"
                      : statement.find("DROP") == 0 ? "h-drop"
                                                    : "h-other";
      (void)call_fails;
      (void)drop_fails;
      return json_reply(202, status_running(h));
    });
    rig.sf.on("GET /api/v2/statements/h-create", {json_reply(200, result_set("h-create", "ok"))});
    rig.sf.on("GET /api/v2/statements/h-call",
              {call_fails ? json_reply(422, Json{{"code", "100357"},
                                                 {"statementHandle", "h-call"},
                                                 {"message", "Python Interpreter Error: boom"}})
                          : json_reply(200, result_set("h-call", "{}"))});
    rig.sf.on("GET /api/v2/statements/h-drop",
              {drop_fails ? json_reply(422, Json{{"code", "003001"},
                                                 {"statementHandle", "h-drop"},
                                                 {"message", "Insufficient privileges"}})
                          : json_reply(200, result_set("h-drop", "dropped"))});
  }
  Rig rig;
  codegen::Payload payload = named_payload();
};

TEST_F(NamedProcedure, DropRunsAfterSuccessAndIsAnnouncedBeforeTheCreate) {
  script(false, false);
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.sf});
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  EXPECT_EQ(rig.sf.sent("GET /api/v2/statements/h-drop").size(), 1u);
  EXPECT_LT(rig.observer.index("armed drop_procedure"),
            rig.observer.index("send create_procedure"));
  EXPECT_TRUE(rig.observer.has("cleaned drop_procedure"));
  EXPECT_TRUE(o.cleanup_failures.empty());
  EXPECT_EQ(o.remote_output, "{}");  // the call's value, not the create's or the drop's
}

TEST_F(NamedProcedure, DropRunsAfterFailureAndItsFailureDoesNotHideTheModelError) {
  script(true, true);
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_NE(o.message.find("boom"), std::string::npos);
  ASSERT_EQ(o.cleanup_failures.size(), 1u);
  EXPECT_NE(o.cleanup_failures[0].find("drop_procedure"), std::string::npos);
  EXPECT_NE(o.cleanup_failures[0].find("Insufficient privileges"), std::string::npos);
  EXPECT_FALSE(rig.observer.has("cleaned drop_procedure"));  // stays open in the ledger
}

TEST_F(NamedProcedure, CancelDuringTheCallCancelsItAndStillDrops) {
  script(false, false);
  // The call keeps running until cancelled.
  bool cancelled = false;
  rig.sf.on("POST /api/v2/statements/h-call/cancel", [&](const http::HttpRequest&) -> Answer {
    cancelled = true;
    return json_reply(200, Json{{"code", "000604"}, {"statementHandle", "h-call"}});
  });
  rig.sf.on("GET /api/v2/statements/h-call", [&](const http::HttpRequest&) -> Answer {
    if (!cancelled) return json_reply(202, status_running("h-call"));
    return json_reply(422, Json{{"code", "000604"},
                                {"statementHandle", "h-call"},
                                {"message", "SQL execution canceled"}});
  });
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o =
      drive(*e, rig.clock, {.cancel_after = 6, .cancel_reason = CancelReason::kSignal});
  EXPECT_EQ(o.status, FinalStatus::kCancelled) << o.message;
  EXPECT_EQ(o.code, "DBTPY509");
  EXPECT_TRUE(cancelled);
  EXPECT_NE(o.message.find("cancelled: the run was interrupted"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("the platform confirmed"), std::string::npos) << o.message;
  EXPECT_EQ(rig.sf.sent("GET /api/v2/statements/h-drop").size(), 1u);
  EXPECT_TRUE(rig.observer.has("send call_procedure:cancel"));
}

TEST(SnowflakeStatement, DroppedSubmitIsResentWithTheSameRequestIdAndRetryTrue) {
  Rig rig;
  dbtpy::testing::RecordingSleeper sleeper(&rig.clock);
  dbtpy::testing::FixedRandom random(0.5);
  auto loop = http::RetryLoop::with_settings({}, rig.clock, sleeper, random);
  http::RetryingHttpClient retrying(rig.sf, loop, rig.clock, sleeper);
  int submits = 0;
  rig.sf.on("POST /api/v2/statements", [&](const http::HttpRequest&) -> Answer {
    if (++submits == 1) return dropped();  // the statement started; the answer was lost
    return json_reply(202, status_running("h-1"));
  });
  rig.sf.on("GET /api/v2/statements/h-1", {json_reply(200, result_set("h-1", "ok"))});
  auto payload = anonymous_payload();
  auto e =
      make_execution(payload, rig.options(), Clients{&retrying, nullptr, nullptr}, rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  auto posts = rig.sf.sent("POST /api/v2/statements");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(http::query_param(posts[0].url, "requestId"),
            http::query_param(posts[1].url, "requestId"));
  EXPECT_FALSE(http::query_param(posts[0].url, "retry"));
  EXPECT_EQ(http::query_param(posts[1].url, "retry").value_or(""), "true");
}

}  // namespace
}  // namespace dbtpy::submitters
