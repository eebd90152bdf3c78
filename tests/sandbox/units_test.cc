// Unit tests of the sandbox's pure pieces: sandbox.yml parsing and its errors, durations, the
// run clock, payload inspection, the Snowflake SQL lexer/parser and the BigQuery analysis.
#include <gtest/gtest.h>

#include "sandbox/config.h"
#include "sandbox/duration.h"
#include "sandbox/google/bigquery_sql.h"
#include "sandbox/model_payload.h"
#include "sandbox/run_plan.h"
#include "sandbox/run_planner.h"
#include "sandbox/snowflake/sql_lexer.h"
#include "sandbox/snowflake/sql_parser.h"

namespace dbtpy::sandbox {
namespace {

std::string config_error(const std::string& yaml) {
  try {
    parse_config(yaml, "sandbox.yml", "/tmp");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, ErrorsNameTheLineAndSuggestAFix) {
  std::string e = config_error("seed: 1\nsnowflake:\n  acount: X\n");
  EXPECT_NE(e.find("sandbox.yml:3:3: error"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean `account`"), std::string::npos) << e;
  e = config_error("rules:\n  - match: '*'\n    duration: soon\n");
  EXPECT_NE(e.find("sandbox.yml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("200ms"), std::string::npos) << e;
  e = config_error("faults:\n  - {endpoint: '*', error_rate: 2}\n");
  EXPECT_NE(e.find("between 0 and 1"), std::string::npos) << e;
  e = config_error("faults:\n  - {endpoint: '*', error_status: 404}\n");
  EXPECT_NE(e.find("5xx"), std::string::npos) << e;
  e = config_error("snowflake:\n  users:\n    - name: u\n      public_key_file: missing.pem\n");
  EXPECT_NE(e.find("cannot read public_key_file"), std::string::npos) << e;
  e = config_error("snowflake:\n  users:\n    - name: u\n      public_key: not a key\n");
  EXPECT_NE(e.find("PEM"), std::string::npos) << e;
  e = config_error("rules: [\n");
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
  e = config_error("rules:\n  - platform: snowflake\n");
  EXPECT_NE(e.find("needs `match`"), std::string::npos) << e;
  e = config_error("databricks:\n  clusters:\n    - {cluster_id: c, state: RESIZING}\n");
  EXPECT_NE(e.find("TERMINATED or RUNNING"), std::string::npos) << e;
}

TEST(Config, ReadsEverySection) {
  SandboxConfig c = parse_config(
      "seed: 42\n"
      "tokens: {expire_after: 2m}\n"
      "snowflake: {account: myorg-acct, partition_rows: 10}\n"
      "databricks: {user_name: me@x.com, clusters: [{cluster_id: c1, state: running}]}\n"
      "google: {buckets: [b1, {name: b2, location: EU}], projects: [{id: p, regions: [r]}]}\n"
      "rules:\n  - {match: 'model.*', platform: dataproc, fail: true, max_matches: 1}\n"
      "defaults: {min_duration: 1s, max_duration: 2s}\n"
      "faults: [{endpoint: 'x.*', slow: 1s}]\n"
      "python: {check: off}\n",
      "sandbox.yml", "/tmp");
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(*c.token_expire_after, 120);
  EXPECT_EQ(c.snowflake.account, "MYORG-ACCT");
  EXPECT_EQ(c.snowflake.partition_rows, 10);
  EXPECT_EQ(c.databricks.clusters[0].state, "RUNNING");
  EXPECT_EQ(c.google.buckets[1].location, "EU");
  EXPECT_TRUE(c.rules[0].fail);
  EXPECT_FALSE(c.rules[0].message.empty());
  EXPECT_EQ(c.rules[0].line, 7);
  EXPECT_EQ(c.faults[0].slow_rate, 1.0);
  EXPECT_EQ(c.python.mode, PythonConfig::Mode::kOff);
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(*parse_duration("0.5"), 0.5);
  EXPECT_EQ(*parse_duration("200ms"), 0.2);
  EXPECT_EQ(*parse_duration("1.5s"), 1.5);
  EXPECT_EQ(*parse_duration("2m"), 120);
  EXPECT_EQ(*parse_duration("1h"), 3600);
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("soon"));
  EXPECT_FALSE(parse_duration(""));
}

TEST(RunClock, PhasesFollowTheTimeline) {
  using std::chrono::milliseconds;
  RunClock c;
  c.submitted = SteadyTime{} + std::chrono::seconds(100);
  c.plan.queue_seconds = 1;
  c.plan.startup_seconds = 1;
  c.plan.run_seconds = 2;
  auto at = [&](int ms) { return c.submitted + milliseconds(ms); };
  EXPECT_EQ(c.phase_at(at(500)), Phase::kQueued);
  EXPECT_EQ(c.phase_at(at(1500)), Phase::kStarting);
  EXPECT_EQ(c.phase_at(at(2500)), Phase::kRunning);
  EXPECT_EQ(c.phase_at(at(4000)), Phase::kSucceeded);
  c.plan.fail = true;
  EXPECT_EQ(c.phase_at(at(4000)), Phase::kFailed);
  c.timeout_seconds = 3;
  EXPECT_EQ(c.phase_at(at(3100)), Phase::kTimedOut);
  c.cancel_requested = at(2600);
  c.cancel_latency = 0.1;
  EXPECT_EQ(c.phase_at(at(2650)), Phase::kCancelling);
  EXPECT_EQ(c.phase_at(at(2800)), Phase::kCancelled);
  EXPECT_EQ(c.terminal_time(), at(2700));
  // A cancel after the end changes nothing.
  RunClock d = c;
  d.timeout_seconds.reset();
  d.cancel_requested = at(5000);
  EXPECT_EQ(d.phase_at(at(6000)), Phase::kFailed);
}

TEST(Payload, InspectsTheMetadataLine) {
  auto ok = inspect_payload(
      "# dbtpy-model: "
      "{\"materialized\":\"table\",\"platform\":\"snowflake\",\"relation\":\"A.B.C\","
      "\"unique_id\":\"model.p.c\",\"staging_relation\":\"A.B.C__TMP\",\"extra\":1}\n"
      "def model(dbt, session):\n    pass\n");
  ASSERT_TRUE(ok.meta) << ok.problem;
  EXPECT_EQ(ok.meta->relation, "A.B.C");
  EXPECT_EQ(ok.meta->staging_relation, "A.B.C__TMP");
  EXPECT_NE(inspect_payload("def model(dbt, s): pass\n").problem.find("not a dbtpy payload"),
            std::string::npos);
  EXPECT_NE(inspect_payload("# dbtpy-model: {nope}\ndef model(d, s): pass\n").problem.find("JSON"),
            std::string::npos);
  EXPECT_NE(inspect_payload("# dbtpy-model: {\"unique_id\":\"m\"}\ndef model(d, s): pass\n")
                .problem.find("\"relation\""),
            std::string::npos);
  EXPECT_NE(inspect_payload("# dbtpy-model: {\"materialized\":\"t\",\"platform\":\"p\","
                            "\"relation\":\"r\",\"unique_id\":\"u\"}\ndef models(d, s): pass\n")
                .problem.find("def model("),
            std::string::npos);
}

TEST(Payload, MagicsBecomeCommentsWithLinesKept) {
  std::string src = "%pip install -q x\nimport os\n  %sql select 1\n# MAGIC %md hi\n";
  std::string out = neutralize_magics(src);
  EXPECT_EQ(out, "# %pip install -q x\nimport os\n  # %sql select 1\n# MAGIC %md hi\n");
}

TEST(RunPlanner, ExceptionsAreSplitIntoTypeAndMessage) {
  EXPECT_EQ(split_exception("ValueError: boom").first, "ValueError");
  EXPECT_EQ(split_exception("boom").second, "Exception: boom");
  EXPECT_EQ(split_exception("snowflake.snowpark.exceptions.SnowparkSQLException: x").first,
            "snowflake.snowpark.exceptions.SnowparkSQLException");
}

namespace sf = snowflake;

TEST(SnowflakeLexer, UnescapesStringsAndSplitsStatements) {
  EXPECT_EQ(sf::unescape_string(R"(it''s a \'test\' \\ \n \x41\u00e9)"),
            "it's a 'test' \\ \n A\xc3\xa9");
  auto parts = sf::split_statements(
      "select 1; create procedure p() returns varchar language python as $$a; b$$; "
      "select 'x;y'; -- trailing; comment\n");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].substr(0, 16), "create procedure");
  auto block = sf::split_statements("DECLARE x INT; BEGIN LET y := 1; RETURN y; END; select 2");
  ASSERT_EQ(block.size(), 2u);
  EXPECT_EQ(block[1], "select 2");
  EXPECT_EQ(sf::split_statements("begin transaction; select 1").size(), 2u);
}

TEST(SnowflakeParser, ReadsTheSupportedStatements) {
  auto p = sf::parse_statement(
      "create or replace procedure db.sch.run(x varchar, n number(38,0) default 1)\n"
      "returns table()\nlanguage python\nruntime_version = '3.11'\n"
      "packages = ('snowflake-snowpark-python', 'pandas')\nhandler = 'main'\n"
      "execute as caller\nas 'def main(s): return ''x'''");
  ASSERT_TRUE(std::holds_alternative<sf::Statement>(p));
  const auto& c = std::get<sf::CreateProcStmt>(std::get<sf::Statement>(p).node);
  EXPECT_EQ(c.proc.name.parts, (std::vector<std::string>{"DB", "SCH", "RUN"}));
  EXPECT_EQ(c.proc.args.size(), 2u);
  EXPECT_EQ(c.proc.args[1].type, "NUMBER(38,0)");
  EXPECT_EQ(c.proc.language, "PYTHON");
  EXPECT_EQ(c.proc.packages.size(), 2u);
  EXPECT_EQ(c.proc.body, "def main(s): return 'x'");
  EXPECT_TRUE(c.proc.or_replace);

  auto w = sf::parse_statement(
      "WITH p AS PROCEDURE (a INT) RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION='3.11' "
      "PACKAGES=('snowflake-snowpark-python') HANDLER='main' AS $$x$$ CALL p(?)");
  ASSERT_TRUE(std::holds_alternative<sf::Statement>(w));
  const auto& wc = std::get<sf::WithProcCallStmt>(std::get<sf::Statement>(w).node);
  EXPECT_EQ(wc.call.args[0].kind, sf::Expr::Kind::kBind);
  EXPECT_EQ(wc.call.args[0].value, "1");

  auto x = sf::parse_statement("execute immediate $$begin call p() into :r; return r; end;$$");
  ASSERT_TRUE(std::holds_alternative<sf::Statement>(x));
  EXPECT_TRUE(std::holds_alternative<sf::BlockStmt>(std::get<sf::Statement>(x).node));

  auto d = sf::parse_statement("drop procedure if exists p(varchar, number)");
  ASSERT_TRUE(std::holds_alternative<sf::Statement>(d));
  EXPECT_EQ(std::get<sf::DropProcStmt>(std::get<sf::Statement>(d).node).arg_types.size(), 2u);
}

TEST(SnowflakeParser, ErrorsLookLikeSnowflakes) {
  auto e = sf::parse_statement("select 1 from\nwhere");
  ASSERT_TRUE(std::holds_alternative<sf::SqlError>(e));
  EXPECT_EQ(std::get<sf::SqlError>(e).code, "001003");
  EXPECT_NE(std::get<sf::SqlError>(e).message.find("line 2 at position 0 unexpected 'where'"),
            std::string::npos)
      << std::get<sf::SqlError>(e).message;
  auto drop = sf::parse_statement("drop procedure p");
  EXPECT_NE(std::get<sf::SqlError>(drop).message.find("'<EOF>'"), std::string::npos);
  auto table = sf::parse_statement("select * from orders");
  EXPECT_EQ(std::get<sf::SqlError>(table).code, "002003");
  auto lex = sf::parse_statement("select 'unterminated");
  EXPECT_TRUE(std::holds_alternative<sf::SqlError>(lex));
}

TEST(BigQueryAnalysis, FindsWritesReadsAndDrops) {
  auto a = google::analyze_query(
      "-- dbtpy-model: {\"materialized\":\"incremental\",\"platform\":\"bigquery\","
      "\"relation\":\"p.d.orders\",\"unique_id\":\"model.x.orders\"}\n"
      "MERGE INTO `p.d.orders` AS T USING `p.d.orders__tmp` AS S ON T.id = S.id\n"
      "WHEN MATCHED THEN UPDATE SET v = S.v WHEN NOT MATCHED THEN INSERT ROW;\n"
      "DROP TABLE IF EXISTS d.orders__tmp;\n",
      "p", "d");
  ASSERT_TRUE(a.meta);
  EXPECT_EQ(a.meta->relation, "p.d.orders");
  EXPECT_EQ(a.statement_type, "SCRIPT");
  ASSERT_EQ(a.actions.size(), 3u);
  EXPECT_EQ(a.actions[0].kind, google::TableAction::Kind::kRead);
  EXPECT_EQ(a.actions[0].table, "p.d.orders__tmp");
  EXPECT_EQ(a.actions[1].kind, google::TableAction::Kind::kWrite);
  EXPECT_EQ(a.actions[1].table, "p.d.orders");
  EXPECT_EQ(a.actions[2].kind, google::TableAction::Kind::kDrop);
  EXPECT_TRUE(a.actions[2].if_exists);
  auto s = google::analyze_query("select 'MERGE INTO x USING y' as s", "p", "d");
  EXPECT_TRUE(s.actions.empty());
  EXPECT_EQ(s.statement_type, "SELECT");
  auto c = google::analyze_query("CREATE TEMP TABLE t AS SELECT 1", "p", "d");
  EXPECT_TRUE(c.actions.empty());
}

}  // namespace
}  // namespace dbtpy::sandbox
