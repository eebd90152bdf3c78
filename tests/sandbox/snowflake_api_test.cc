// Contract tests of the Snowflake SQL API v2 stand-in: auth, headers, bodies, the statement
// state machine, procedures, idempotency, cancel, timeout, partitions and bindings.
#include <gtest/gtest.h>

#include <thread>

#include "tests/sandbox/sandbox_fixture.h"

namespace dbtpy::sandbox::testing {
namespace {

httplib::Result submit(Harness& h, const Json& body, const std::string& query = "",
                       const httplib::Headers& headers = snowflake_headers()) {
  return h.client().Post(("/api/v2/statements" + query).c_str(), headers, body.dump(),
                         "application/json");
}

Json get_statement(Harness& h, const std::string& handle, int* status,
                   const std::string& query = "") {
  auto r = h.client().Get(("/api/v2/statements/" + handle + query).c_str(), snowflake_headers());
  *status = r ? r->status : -1;
  return json_of(r);
}

// Polls a statement until it leaves 202.
Json wait_statement(Harness& h, const std::string& handle, int* status) {
  Json j;
  eventually([&] {
    j = get_statement(h, handle, status);
    return *status != 202;
  });
  return j;
}

std::string proc_sql(const std::string& body, const std::string& name = "RUN_MODEL") {
  return "CREATE OR REPLACE PROCEDURE " + name +
         "()\nRETURNS VARCHAR\nLANGUAGE PYTHON\nRUNTIME_VERSION = '3.11'\n"
         "PACKAGES = ('snowflake-snowpark-python')\nHANDLER = 'main'\nAS $$\n" +
         body + "$$";
}

// A Snowflake single-quoted string literal for `text` ('' and \\ escapes).
std::string sql_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "''";
    } else if (c == '\\') {
      quoted += "\\\\";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

const Json kSession = {{"database", "ANALYTICS"}, {"schema", "PUBLIC"}, {"warehouse", "WH"}};

Json with_session(Json body) {
  for (auto it = kSession.begin(); it != kSession.end(); ++it)
    body[it.key()] = it.value();
  return body;
}

TEST(SnowflakeAuth, MissingAuthorizationIs401WithSnowflakeBody) {
  Harness h;
  auto r = h.client().Post("/api/v2/statements", {{"User-Agent", "t/1"}},
                           R"({"statement":"select 1"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json_of(r)["code"], "390101");
}

TEST(SnowflakeAuth, KeyPairJwtIsAccepted) {
  Harness h;
  auto r = submit(h, {{"statement", "select 1"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST(SnowflakeAuth, RejectsJwtSignedByAnotherKey) {
  Harness h;
  auto r = submit(h, {{"statement", "select 1"}}, "",
                  snowflake_headers(snowflake_jwt(0, 600, keys().snowflake_other.get())));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  Json j = json_of(r);
  EXPECT_EQ(j["code"], "390144");
  EXPECT_NE(j["message"].get<std::string>().find("JWT token is invalid."), std::string::npos);
  EXPECT_NE(h.stats()["auth_failures"].dump().find("JWT_TOKEN_INVALID_SIGNATURE"),
            std::string::npos);
}

TEST(SnowflakeAuth, RejectsLowerCaseIssuerExpiredAndTooLongTokens) {
  Harness h;
  for (const std::string& token :
       {snowflake_jwt(0, 600, nullptr, "sandbox", "dbtpy"), snowflake_jwt(-7200, 600),
        snowflake_jwt(0, 7200), snowflake_jwt(0, 600, nullptr, "OTHERACCT", "DBTPY")}) {
    auto r = submit(h, {{"statement", "select 1"}}, "", snowflake_headers(token));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(json_of(r)["code"], "390144");
  }
  std::string failures = h.stats()["auth_failures"].dump();
  EXPECT_NE(failures.find("upper-case"), std::string::npos);
  EXPECT_NE(failures.find("JWT_TOKEN_EXPIRED"), std::string::npos);
  EXPECT_NE(failures.find("JWT_TOKEN_INVALID_EXPIRATION_TIME"), std::string::npos);
}

TEST(SnowflakeAuth, TokenTypeHeaderMustMatchTheToken) {
  Harness h;
  // A key-pair JWT without the header is taken for an OAuth token, as Snowflake does.
  auto r = submit(h, {{"statement", "select 1"}}, "", snowflake_headers(snowflake_jwt(), ""));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json_of(r)["code"], "390303");
  EXPECT_EQ(submit(h, {{"statement", "select 1"}}, "", snowflake_headers(kSnowflakeOAuth, "OAUTH"))
                ->status,
            200);
  EXPECT_EQ(submit(h, {{"statement", "select 1"}}, "",
                   snowflake_headers(kSnowflakePat, "PROGRAMMATIC_ACCESS_TOKEN"))
                ->status,
            200);
  EXPECT_EQ(
      submit(h, {{"statement", "select 1"}}, "", snowflake_headers(kSnowflakePat, "KEYPAIR_JWT"))
          ->status,
      401);
}

TEST(SnowflakeRequests, HeadersAndBodyAreChecked) {
  Harness h;
  // cpp-httplib adds its own User-Agent unless one is given: send an empty one.
  httplib::Headers no_agent = {{"Authorization", "Bearer " + snowflake_jwt()},
                               {"User-Agent", ""},
                               {"X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT"}};
  EXPECT_EQ(submit(h, {{"statement", "select 1"}}, "", no_agent)->status, 400);
  auto text = h.client().Post("/api/v2/statements", snowflake_headers(),
                              R"({"statement":"select 1"})", "text/plain");
  EXPECT_EQ(text->status, 415);
  EXPECT_EQ(submit(h, {{"statement", 42}})->status, 400);
  EXPECT_EQ(submit(h, {{"statement", "select 1"}, {"timeout", -5}})->status, 400);
  EXPECT_EQ(submit(h, {{"statement", "select 1"}}, "?async=maybe")->status, 400);
  EXPECT_EQ(submit(h, {{"statement", "select 1"}}, "?requestId=not-a-uuid")->status, 400);
  auto bad_json =
      h.client().Post("/api/v2/statements", snowflake_headers(), "{not json", "application/json");
  EXPECT_EQ(bad_json->status, 400);
  EXPECT_EQ(h.client().Get("/api/v2/nothing", snowflake_headers())->status, 404);
}

TEST(SnowflakeStatements, SelectLiteralsReturnsTheResultSet) {
  Harness h;
  auto r = submit(h, {{"statement", "SELECT 1, 'a''b' AS name, TRUE, NULL"}});
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = json_of(r);
  EXPECT_EQ(j["code"], "090001");
  EXPECT_EQ(j["resultSetMetaData"]["format"], "jsonv2");
  EXPECT_EQ(j["resultSetMetaData"]["numRows"], 1);
  EXPECT_EQ(j["resultSetMetaData"]["rowType"][0]["name"], "1");
  EXPECT_EQ(j["resultSetMetaData"]["rowType"][0]["type"], "fixed");
  EXPECT_EQ(j["resultSetMetaData"]["rowType"][1]["name"], "NAME");
  EXPECT_EQ(j["data"], Json::parse(R"([["1", "a'b", "true", null]])"));
  EXPECT_NE(
      j["statementStatusUrl"].get<std::string>().find(j["statementHandle"].get<std::string>()),
      std::string::npos);
}

TEST(SnowflakeStatements, UnknownSqlIsACompilationError) {
  Harness h;
  auto r = submit(h, {{"statement", "FROBNICATE the table"}});
  ASSERT_EQ(r->status, 422);
  Json j = json_of(r);
  EXPECT_EQ(j["code"], "001003");
  EXPECT_EQ(j["sqlState"], "42000");
  EXPECT_NE(j["message"].get<std::string>().find("unexpected 'FROBNICATE'"), std::string::npos);
  EXPECT_TRUE(j.contains("statementHandle"));
}

TEST(SnowflakeStatements, AsyncSubmitReturns202ThenTheResult) {
  Harness h;
  auto r = submit(h, {{"statement", "select current_user(), current_account()"}}, "?async=true");
  ASSERT_EQ(r->status, 202) << r->body;
  Json j = json_of(r);
  EXPECT_EQ(j["code"], "333334");
  int status = 0;
  Json done = wait_statement(h, j["statementHandle"], &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(done["data"][0][0], "DBTPY");
  EXPECT_EQ(done["data"][0][1], "SANDBOX");
}

TEST(SnowflakeProcedures, CallOfAPythonModelRecordsTheRelationAndIsIncrementalNextTime) {
  Harness h;
  std::string body =
      model_source("model.jaffle.orders", "analytics.public.orders", "snowflake", "incremental");
  ASSERT_EQ(submit(h, with_session({{"statement", proc_sql(body)}}))->status, 200);
  auto r = submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}));
  ASSERT_EQ(r->status, 200) << r->body;
  Json result = Json::parse(json_of(r)["data"][0][0].get<std::string>());
  EXPECT_EQ(result["relation"], "ANALYTICS.PUBLIC.ORDERS");
  EXPECT_EQ(result["incremental"], false);
  EXPECT_TRUE(h.relations()["snowflake"].contains("ANALYTICS.PUBLIC.ORDERS"));
  // The second run finds the relation: an incremental merge.
  auto again = submit(h, with_session({{"statement", "CALL ANALYTICS.PUBLIC.RUN_MODEL()"}}));
  ASSERT_EQ(again->status, 200);
  EXPECT_EQ(Json::parse(json_of(again)["data"][0][0].get<std::string>())["incremental"], true);
  EXPECT_EQ(h.stats()["executions"]["snowflake"], 2);
  // Existence checks see it too.
  auto show = submit(
      h, with_session({{"statement", "SHOW TABLES LIKE 'ord%' IN SCHEMA ANALYTICS.PUBLIC"}}));
  EXPECT_EQ(json_of(show)["data"][0][1], "ORDERS");
  auto info =
      submit(h, with_session({{"statement",
                               "select count(*) from analytics.information_schema.tables "
                               "where table_schema = 'PUBLIC' and table_name = 'ORDERS'"}}));
  EXPECT_EQ(json_of(info)["data"][0][0], "1");
}

TEST(SnowflakeProcedures, FailingModelIs422WithThePythonTraceback) {
  Harness h(test_config(
      "rules:\n  - match: model.jaffle.bad\n    fail: true\n    message: 'ValueError: boom'\n"));
  std::string body = model_source("model.jaffle.bad", "ANALYTICS.PUBLIC.BAD", "snowflake");
  std::string sql =
      "WITH run_model AS PROCEDURE ()\nRETURNS VARCHAR LANGUAGE PYTHON "
      "RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') "
      "HANDLER = 'main'\nAS $$" +
      body + "$$\nCALL run_model()";
  auto r = submit(h, with_session({{"statement", sql}}));
  ASSERT_EQ(r->status, 422) << r->body;
  Json j = json_of(r);
  EXPECT_EQ(j["code"], "100357");
  EXPECT_EQ(j["sqlState"], "P0000");
  EXPECT_NE(j["message"].get<std::string>().find("ValueError: boom"), std::string::npos);
  EXPECT_NE(j["message"].get<std::string>().find("with handler main"), std::string::npos);
  EXPECT_FALSE(h.relations().value("snowflake", Json::object()).contains("ANALYTICS.PUBLIC.BAD"));
  EXPECT_EQ(h.stats()["runs"]["snowflake"]["FAILED"], 1);
}

TEST(SnowflakeProcedures, PythonSyntaxErrorsAndForeignPayloadsFailTheCall) {
  Harness h;
  std::string broken = model_source("model.p.m", "A.B.C", "snowflake") + "def oops(:\n";
  ASSERT_EQ(submit(h, with_session({{"statement", proc_sql(broken)}}))->status, 200);
  auto r = submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}));
  ASSERT_EQ(r->status, 422);
  EXPECT_NE(json_of(r)["message"].get<std::string>().find("SyntaxError"), std::string::npos)
      << r->body;
  ASSERT_EQ(submit(h, with_session({{"statement", proc_sql("def main(session):\n  return 1\n")}}))
                ->status,
            200);
  auto foreign = submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}));
  ASSERT_EQ(foreign->status, 422);
  EXPECT_NE(json_of(foreign)["message"].get<std::string>().find("not a dbtpy payload"),
            std::string::npos);
}

TEST(SnowflakeProcedures, SingleQuotedBodiesAreUnescaped) {
  Harness h;
  std::string body = model_source("model.p.q", "A.B.QUOTED", "snowflake");
  std::string sql =
      "CREATE OR REPLACE PROCEDURE P() RETURNS VARCHAR LANGUAGE PYTHON "
      "RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = "
      "'main' AS " +
      sql_quote(body);
  ASSERT_EQ(submit(h, with_session({{"statement", sql}}))->status, 200);
  EXPECT_EQ(submit(h, with_session({{"statement", "CALL P()"}}))->status, 200);
}

TEST(SnowflakeProcedures, PythonProceduresNeedRuntimeHandlerAndSnowpark) {
  Harness h;
  std::string no_pkg =
      "CREATE PROCEDURE P() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = "
      "'3.11' HANDLER = 'main' AS $$def main(s): pass$$";
  EXPECT_EQ(submit(h, with_session({{"statement", no_pkg}}))->status, 422);
  std::string old =
      "CREATE PROCEDURE P() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.6' "
      "PACKAGES = ('snowflake-snowpark-python') HANDLER = 'main' AS $$x$$";
  EXPECT_EQ(submit(h, with_session({{"statement", old}}))->status, 422);
  EXPECT_EQ(submit(h, with_session({{"statement", "CALL MISSING_PROC()"}}))->status, 422);
  EXPECT_EQ(submit(h, {{"statement", "CALL UNQUALIFIED()"}})->status, 422);
  EXPECT_EQ(submit(h, with_session({{"statement", "DROP PROCEDURE MISSING_PROC()"}}))->status, 422);
  EXPECT_EQ(
      submit(h, with_session({{"statement", "DROP PROCEDURE IF EXISTS MISSING_PROC()"}}))->status,
      200);
}

TEST(SnowflakeProcedures, ExecuteImmediateBlockCreatesCallsAndDrops) {
  Harness h;
  std::string body = model_source("model.p.blocky", "ANALYTICS.PUBLIC.BLOCKY", "snowflake");
  std::string block =
      "EXECUTE IMMEDIATE $$\nDECLARE\n  res VARCHAR;\nBEGIN\n"
      "  CREATE OR REPLACE PROCEDURE TMP_RUN() RETURNS VARCHAR LANGUAGE PYTHON "
      "RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = "
      "'main' AS " +
      sql_quote(body) +
      ";\n"
      "  CALL TMP_RUN() INTO :res;\n  DROP PROCEDURE TMP_RUN();\n  RETURN res;\nEND;\n$$";
  auto r = submit(h, with_session({{"statement", block}}), "?async=true");
  ASSERT_EQ(r->status, 202) << r->body;
  int status = 0;
  Json done = wait_statement(h, json_of(r)["statementHandle"], &status);
  ASSERT_EQ(status, 200) << done.dump();
  EXPECT_EQ(done["resultSetMetaData"]["rowType"][0]["name"], "anonymous block");
  EXPECT_EQ(Json::parse(done["data"][0][0].get<std::string>())["relation"],
            "ANALYTICS.PUBLIC.BLOCKY");
  // The procedure was dropped by the block.
  EXPECT_EQ(submit(h, with_session({{"statement", "CALL TMP_RUN()"}}))->status, 422);
}

TEST(SnowflakeStatements, MultiStatementRequestsNeedTheCountAndReturnHandles) {
  Harness h;
  auto mismatch = submit(h, {{"statement", "select 1; select 2"}});
  ASSERT_EQ(mismatch->status, 422);
  EXPECT_NE(json_of(mismatch)["message"].get<std::string>().find(
                "Actual statement count 2 did not match the desired statement count 1"),
            std::string::npos);
  auto r = submit(h, {{"statement", "select 1; select 'two'; select 3"},
                      {"parameters", {{"MULTI_STATEMENT_COUNT", "3"}}}});
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = json_of(r);
  ASSERT_EQ(j["statementHandles"].size(), 3u);
  int status = 0;
  Json second = get_statement(h, j["statementHandles"][1], &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(second["data"][0][0], "two");
  EXPECT_EQ(submit(h, {{"statement", "select 1; select 2"},
                       {"parameters", {{"multi_statement_count", 0}}}})
                ->status,
            200);
}

TEST(SnowflakeIdempotency, RetryWithTheSameRequestIdNeverExecutesTwice) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 400ms\n"));
  std::string body = model_source("model.p.idem", "ANALYTICS.PUBLIC.IDEM", "snowflake");
  ASSERT_EQ(submit(h, with_session({{"statement", proc_sql(body)}}))->status, 200);
  const std::string rid = "0f4e2b6a-8f7e-4c1b-9a43-1c2d3e4f5a6b";
  auto first =
      submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}), "?async=true&requestId=" + rid);
  ASSERT_EQ(first->status, 202);
  auto retry = submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}),
                      "?async=true&retry=true&requestId=" + rid);
  ASSERT_EQ(retry->status, 202);
  EXPECT_EQ(json_of(retry)["statementHandle"], json_of(first)["statementHandle"]);
  int status = 0;
  wait_statement(h, json_of(first)["statementHandle"], &status);
  auto after =
      submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}), "?retry=true&requestId=" + rid);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(json_of(after)["statementHandle"], json_of(first)["statementHandle"]);
  Json stats = h.stats();
  EXPECT_EQ(stats["executions"]["snowflake"], 1);
  EXPECT_EQ(stats["idempotent_replays"]["snowflake"], 2);
  // Without retry=true Snowflake treats the request as new: a second execution.
  auto fresh = submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}), "?requestId=" + rid);
  EXPECT_NE(json_of(fresh)["statementHandle"], json_of(first)["statementHandle"]);
  EXPECT_EQ(h.stats()["executions"]["snowflake"], 2);
}

TEST(SnowflakeCancel, CancelStopsTheCallAndLeavesNothingBehind) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 5s\n"));
  std::string body = model_source("model.p.slow", "ANALYTICS.PUBLIC.SLOW", "snowflake");
  ASSERT_EQ(submit(h, with_session({{"statement", proc_sql(body)}}))->status, 200);
  auto r = submit(h, with_session({{"statement", "CALL RUN_MODEL()"}}), "?async=true");
  std::string handle = json_of(r)["statementHandle"];
  auto c = h.client().Post(("/api/v2/statements/" + handle + "/cancel").c_str(),
                           snowflake_headers(), "", "application/json");
  ASSERT_EQ(c->status, 200) << c->body;
  EXPECT_EQ(json_of(c)["statementHandle"], handle);
  int status = 0;
  Json j = wait_statement(h, handle, &status);
  EXPECT_EQ(status, 422);
  EXPECT_EQ(j["code"], "000604");
  auto again = h.client().Post(("/api/v2/statements/" + handle + "/cancel").c_str(),
                               snowflake_headers(), "", "application/json");
  EXPECT_EQ(again->status, 422);
  EXPECT_EQ(json_of(again)["code"], "000605");
  EXPECT_FALSE(h.relations().value("snowflake", Json::object()).contains("ANALYTICS.PUBLIC.SLOW"));
  EXPECT_EQ(h.stats()["cancels"]["snowflake"], 1);
}

TEST(SnowflakeTimeout, StatementTimeoutCancelsTheCall) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 5s\n"));
  std::string body = model_source("model.p.slow", "ANALYTICS.PUBLIC.SLOW", "snowflake");
  ASSERT_EQ(submit(h, with_session({{"statement", proc_sql(body)}}))->status, 200);
  auto r = submit(h, with_session({{"statement", "CALL RUN_MODEL()"}, {"timeout", 1}}));
  ASSERT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(json_of(r)["code"], "000630");
  EXPECT_EQ(h.stats()["runs"]["snowflake"]["TIMEDOUT"], 1);
}

TEST(SnowflakeStatements, StoppingTheSandboxAnswersWaitingSynchronousSubmits) {
  std::string yaml = test_config("rules:\n  - match: '*'\n    duration: 10m\n");
  yaml.replace(yaml.find("  account: SANDBOX\n"), 19, "  account: SANDBOX\n  sync_wait: 10m\n");
  Harness h(yaml);
  std::string body = model_source("model.p.forever", "ANALYTICS.PUBLIC.FOREVER", "snowflake");
  ASSERT_EQ(submit(h, with_session({{"statement", proc_sql(body)}}))->status, 200);
  int status = 0;
  std::thread waiter([&] {
    auto c = h.client();
    c.set_read_timeout(30, 0);
    auto r = c.Post("/api/v2/statements", snowflake_headers(),
                    with_session({{"statement", "CALL RUN_MODEL()"}}).dump(), "application/json");
    status = r ? r->status : -1;
  });
  // Wait until the submit is being processed, then stop: the waiter gets its 202 at once.
  EXPECT_TRUE(eventually([&] { return h.stats()["executions"].value("snowflake", 0) == 1; }));
  h.sandbox().stop();
  waiter.join();
  EXPECT_EQ(status, 202);
}

TEST(SnowflakeStatements, PartitionsSplitLargeResults) {
  Harness h(test_config("", "defaults: {duration: 100ms}\n") + "");
  auto r = submit(h, {{"statement", "select seq4() as n from table(generator(rowcount => 2500))"}});
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = json_of(r);
  EXPECT_EQ(j["resultSetMetaData"]["numRows"], 2500);
  ASSERT_EQ(j["resultSetMetaData"]["partitionInfo"].size(), 3u);
  EXPECT_EQ(j["data"].size(), 1000u);
  int status = 0;
  Json last = get_statement(h, j["statementHandle"], &status, "?partition=2");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(last["data"].size(), 500u);
  EXPECT_EQ(last["data"][0][0], "2000");
  get_statement(h, j["statementHandle"], &status, "?partition=3");
  EXPECT_EQ(status, 422);
  get_statement(h, j["statementHandle"], &status, "?partition=-1");
  EXPECT_EQ(status, 400);
}

TEST(SnowflakeStatements, BindingsFillPlaceholders) {
  Harness h;
  auto r = submit(h, {{"statement", "select ?, ?"},
                      {"bindings",
                       {{"1", {{"type", "FIXED"}, {"value", "123"}}},
                        {"2", {{"type", "TEXT"}, {"value", "hi"}}}}}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["data"], Json::parse(R"([["123","hi"]])"));
  auto missing = submit(h, {{"statement", "select ?"}});
  EXPECT_EQ(missing->status, 422);
  EXPECT_EQ(json_of(missing)["code"], "002049");
  auto bad_type = submit(h, {{"statement", "select ?"},
                             {"bindings", {{"1", {{"type", "NUMBERISH"}, {"value", "1"}}}}}});
  EXPECT_EQ(bad_type->status, 400);
}

TEST(SnowflakeStatements, UnknownHandlesAreReportedAsSnowflakeDoes) {
  Harness h;
  int status = 0;
  Json j = get_statement(h, "01b2c3d4-0602-1c3f-0000-0a2b00e1c0d2", &status);
  EXPECT_EQ(status, 422);
  EXPECT_EQ(j["code"], "000709");
  get_statement(h, "not-a-handle", &status);
  EXPECT_EQ(status, 400);
}

}  // namespace
}  // namespace dbtpy::sandbox::testing
