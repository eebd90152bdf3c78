// Databricks: the Command API path (cluster start and library wait, context creation with
// retry, commands whose "Finished" hides an error), the notebook runs (every terminal state,
// output of the task run, run page URL, notebook deleted on every path), workflow jobs
// (find/create/reset by run_if), ${USER_NAME} once per run, and cancel.
#include <gtest/gtest.h>

#include "submitters/execution.h"
#include "submitters/http/retrying_http_client.h"
#include "submitters/run_lookups.h"
#include "tests/codegen/fixtures.h"
#include "tests/submitters/fake_platform.h"

namespace dbtpy::submitters {
namespace {

using dbtpy::testing::FakeClock;
using namespace submitters::testing;

constexpr const char* kRunId = "0f4e2b6a-8f7e-4c1b-9a43-1c2d3e4f5a6b";
constexpr const char* kCluster = "0123-456789-abcdefgh";

struct Rig {
  FakeClock clock;
  FakePlatform db;
  RecordingObserver observer;
  RunLookups lookups;
  ExecutionOptions options() {
    ExecutionOptions o;
    o.run_id = kRunId;
    o.clock = &clock;
    o.lookups = &lookups;
    return o;
  }
  Clients clients() { return Clients{nullptr, &db, nullptr}; }
};

Json cluster(const std::string& state) {
  return Json{{"cluster_id", kCluster}, {"state", state}, {"state_message", ""}};
}

// A cluster that is running with its libraries installed, and a context that starts at once.
void ready_cluster(FakePlatform& db) {
  db.on("GET /api/2.0/clusters/get", {json_reply(200, cluster("RUNNING"))});
  db.on("GET /api/2.0/libraries/cluster-status",
        {json_reply(200, Json{{"library_statuses", Json::array({{{"status", "INSTALLED"}}})}})});
  db.on("POST /api/1.2/contexts/create", {json_reply(200, Json{{"id", "ctx-1"}})});
  db.on("GET /api/1.2/contexts/status",
        {json_reply(200, Json{{"id", "ctx-1"}, {"status", "Running"}})});
  db.on("POST /api/1.2/contexts/destroy", {json_reply(200, Json::object())});
}

// Commands: helper commands finish at once; the model command answers `*model_status`.
void commands(FakePlatform& db, std::shared_ptr<Json> model_status) {
  auto ids = std::make_shared<std::map<std::string, std::string>>();
  db.on("POST /api/1.2/commands/execute", [ids](const http::HttpRequest& r) -> Answer {
    std::string command = Json::parse(r.body)["command"];
    std::string id = "cmd-" + std::to_string(ids->size() + 1);
    (*ids)[id] = command.find("def model(") != std::string::npos ? "model" : "helper";
    return json_reply(200, Json{{"id", id}});
  });
  db.on("GET /api/1.2/commands/status", [ids, model_status](const http::HttpRequest& r) -> Answer {
    std::string id = http::query_param(r.url, "commandId").value_or("");
    if ((*ids)[id] == "model") return json_reply(200, *model_status);
    return json_reply(200, Json{{"id", id},
                                {"status", "Finished"},
                                {"results", {{"resultType", "text"}, {"data", ""}}}});
  });
}

void commands(FakePlatform& db, Json model_status) {
  commands(db, std::make_shared<Json>(std::move(model_status)));
}

// With notebook-scoped packages: a %pip command, the parameters, then the model.
codegen::Payload command_api_payload() {
  auto f = codegen::testing::databricks_fixture();
  f.config("notebook_scoped_libraries", true);
  return f.generate();
}

TEST(DatabricksCommandApi, StartsATerminatedClusterAndWaitsForItsLibraries) {
  Rig rig;
  ready_cluster(rig.db);
  rig.db.on("GET /api/2.0/clusters/get",
            {json_reply(200, cluster("TERMINATED")), json_reply(200, cluster("PENDING")),
             json_reply(200, cluster("RUNNING"))});
  rig.db.on("POST /api/2.0/clusters/start", {json_reply(200, Json::object())});
  rig.db.on("GET /api/2.0/libraries/cluster-status",
            {json_reply(200, Json{{"library_statuses", Json::array({{{"status", "INSTALLING"}}})}}),
             json_reply(200, Json{{"library_statuses", Json::array({{{"status", "INSTALLED"}},
                                                                    {{"status", "SKIPPED"}}})}})});
  commands(rig.db, Json{{"status", "Finished"},
                        {"results", {{"resultType", "text"}, {"data", "wrote 3 rows"}}}});
  auto payload = command_api_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.db});
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message << rig.observer.dump();
  auto routes = rig.db.routes();
  // Start once, the model only after the libraries are in.
  EXPECT_EQ(rig.db.sent("POST /api/2.0/clusters/start").size(), 1u);
  EXPECT_EQ(Json::parse(rig.db.sent("POST /api/2.0/clusters/start")[0].body)["cluster_id"],
            kCluster);
  EXPECT_EQ(rig.db.sent("GET /api/2.0/libraries/cluster-status").size(), 2u);
  auto first_context = std::find(routes.begin(), routes.end(), "POST /api/1.2/contexts/create");
  auto last_library =
      std::find(routes.rbegin(), routes.rend(), "GET /api/2.0/libraries/cluster-status");
  EXPECT_LT(std::distance(routes.begin(), last_library.base()),
            std::distance(routes.begin(), first_context) + 1);
  EXPECT_TRUE(rig.observer.has("send cluster_ready:start"));
  // Parameters, then the model; the context destroyed at the end.
  auto executes = rig.db.sent("POST /api/1.2/commands/execute");
  ASSERT_EQ(executes.size(), 3u);  // %pip, parameters, model
  EXPECT_EQ(
      Json::parse(executes[1].body)["command"],
      std::string("dbtpy_params = {\"run_id\": \"") + kRunId + "\", \"full_refresh\": \"false\"}");
  EXPECT_EQ(Json::parse(executes[2].body)["command"], payload.file("model.py")->content);
  EXPECT_EQ(Json::parse(executes[2].body)["contextId"], "ctx-1");
  ASSERT_EQ(rig.db.sent("POST /api/1.2/contexts/destroy").size(), 1u);
  EXPECT_EQ(Json::parse(rig.db.sent("POST /api/1.2/contexts/destroy")[0].body)["contextId"],
            "ctx-1");
  EXPECT_EQ(o.remote_output, "wrote 3 rows");
  EXPECT_EQ(o.adapter_response["cluster_id"], kCluster);
  EXPECT_EQ(o.adapter_response["context_id"], "ctx-1");
  EXPECT_EQ(o.adapter_response["query_id"], "cmd-3");
}

TEST(DatabricksCommandApi, FinishedWithAnErrorResultIsAFailureWithTheMappedTraceback) {
  Rig rig;
  ready_cluster(rig.db);
  auto payload = command_api_payload();
  const auto& sm = payload.source_map.at(0);
  const int remote = 12 - sm.model_first_line + sm.first_line - sm.remote_line_offset;
  commands(
      rig.db,
      Json{{"status", "Finished"},
           {"results",
            {{"resultType", "error"},
             {"summary", "<span class='ansi-red-fg'>ZeroDivisionError</span>: division by zero"},
             {"cause",
              "\x1b[0;31m---------------------------------------------------------------\x1b[0m\n"
              "\x1b[0;31mZeroDivisionError\x1b[0m          Traceback (most recent call last)\n"
              "File \x1b[0;32m<command-77>:" +
                  std::to_string(remote) +
                  "\x1b[0m, in \x1b[0;36mmodel\x1b[0;34m(dbt, session)\x1b[0m\n"
                  "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"}}}});
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY505");
  EXPECT_EQ(o.message.substr(0, o.message.find('\n')),
            "Python error at models/marts/orders.py:12: ZeroDivisionError: division by zero");
  EXPECT_NE(o.message.find("command cmd-3 on cluster " + std::string(kCluster) +
                           " finished with an error: ZeroDivisionError: division by zero"),
            std::string::npos)
      << o.message;
  EXPECT_EQ(o.message.find('\x1b'), std::string::npos);
  EXPECT_EQ(rig.db.sent("POST /api/1.2/contexts/destroy").size(), 1u);  // destroyed anyway
}

TEST(DatabricksCommandApi, ErrorAndCancelledCommandsFail) {
  for (Json status : {Json{{"status", "Error"}, {"results", {{"cause", "driver crashed"}}}},
                      Json{{"status", "Cancelled"}}}) {
    Rig rig;
    ready_cluster(rig.db);
    commands(rig.db, status);
    auto payload = command_api_payload();
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.status, FinalStatus::kFailed) << status.dump();
    EXPECT_EQ(o.code, "DBTPY506");
    EXPECT_EQ(rig.db.sent("POST /api/1.2/contexts/destroy").size(), 1u);
  }
}

TEST(DatabricksCommandApi, ContextInErrorIsDestroyedAndCreatedAgain) {
  Rig rig;
  ready_cluster(rig.db);
  int created = 0;
  rig.db.on("POST /api/1.2/contexts/create", [&](const http::HttpRequest&) -> Answer {
    return json_reply(200, Json{{"id", "ctx-" + std::to_string(++created)}});
  });
  rig.db.on("GET /api/1.2/contexts/status", [](const http::HttpRequest& r) -> Answer {
    std::string id = http::query_param(r.url, "contextId").value_or("");
    return json_reply(200, Json{{"id", id}, {"status", id == "ctx-1" ? "Error" : "Running"}});
  });
  commands(rig.db, Json{{"status", "Finished"}, {"results", {{"resultType", "text"}}}});
  auto payload = command_api_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  auto destroys = rig.db.sent("POST /api/1.2/contexts/destroy");
  ASSERT_EQ(destroys.size(), 2u);
  EXPECT_EQ(Json::parse(destroys[0].body)["contextId"], "ctx-1");  // the failed one, at once
  EXPECT_EQ(Json::parse(destroys[1].body)["contextId"], "ctx-2");  // the cleanup
  for (const auto& c : rig.db.sent("POST /api/1.2/commands/execute"))
    EXPECT_EQ(Json::parse(c.body)["contextId"], "ctx-2");
  // The ledger heard of both contexts' cleanups, and of the first one's end.
  int armed = 0;
  for (const auto& ev : rig.observer.events)
    armed += ev == "armed destroy_context";
  EXPECT_EQ(armed, 2);
}

TEST(DatabricksCommandApi, ContextsThatNeverStartFailAfterTheLimit) {
  Rig rig;
  ready_cluster(rig.db);
  rig.db.on("GET /api/1.2/contexts/status", {json_reply(200, Json{{"status", "Error"}})});
  auto payload = command_api_payload();
  auto opts = rig.options();
  opts.limits.context_attempts = 3;
  auto e = make_execution(payload, opts, rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY514");
  EXPECT_EQ(rig.db.sent("POST /api/1.2/contexts/create").size(), 3u);
  EXPECT_EQ(rig.db.sent("POST /api/1.2/contexts/destroy").size(), 3u);
  EXPECT_EQ(rig.db.sent("POST /api/1.2/commands/execute").size(), 0u);
}

TEST(DatabricksCommandApi, ClusterInErrorOrFailedLibraryFails) {
  {
    Rig rig;
    ready_cluster(rig.db);
    rig.db.on(
        "GET /api/2.0/clusters/get",
        {json_reply(
            200, Json{{"cluster_id", kCluster}, {"state", "ERROR"}, {"state_message", "quota"}})});
    auto payload = command_api_payload();
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.code, "DBTPY513");
    EXPECT_NE(o.message.find("quota"), std::string::npos);
    EXPECT_EQ(rig.db.sent("POST /api/1.2/contexts/create").size(), 0u);
  }
  {
    Rig rig;
    ready_cluster(rig.db);
    rig.db.on(
        "GET /api/2.0/libraries/cluster-status",
        {json_reply(200, Json{{"library_statuses",
                               Json::array({{{"status", "FAILED"},
                                             {"library", {{"pypi", {{"package", "nope"}}}}},
                                             {"messages", Json::array({"no such package"})}}})}})});
    auto payload = command_api_payload();
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.code, "DBTPY513");
    EXPECT_NE(o.message.find("no such package"), std::string::npos) << o.message;
  }
}

TEST(DatabricksCommandApi, DroppedExecuteIsNotResentAndTheContextIsStillDestroyed) {
  Rig rig;
  ready_cluster(rig.db);
  dbtpy::testing::RecordingSleeper sleeper(&rig.clock);
  dbtpy::testing::FixedRandom random(0.5);
  auto loop = http::RetryLoop::with_settings({}, rig.clock, sleeper, random);
  http::RetryingHttpClient retrying(rig.db, loop, rig.clock, sleeper);
  rig.db.on("POST /api/1.2/commands/execute", {Answer(dropped())});
  auto payload = command_api_payload();
  auto e =
      make_execution(payload, rig.options(), Clients{nullptr, &retrying, nullptr}, rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed);
  EXPECT_EQ(o.code, "DBTPY501");
  EXPECT_NE(o.message.find("may have started"), std::string::npos) << o.message;
  EXPECT_EQ(rig.db.sent("POST /api/1.2/commands/execute").size(), 1u);
  EXPECT_EQ(rig.db.sent("POST /api/1.2/contexts/destroy").size(), 1u);
}

TEST(DatabricksCommandApi, CancelSendsCommandsCancelThenDestroysTheContext) {
  Rig rig;
  ready_cluster(rig.db);
  bool cancelled = false;
  auto model_status = std::make_shared<Json>(Json{{"status", "Running"}});
  commands(rig.db, model_status);
  rig.db.on("POST /api/1.2/commands/cancel",
            [&, model_status](const http::HttpRequest& r) -> Answer {
              Json b = Json::parse(r.body);
              EXPECT_EQ(b["commandId"], "cmd-3");
              EXPECT_EQ(b["contextId"], "ctx-1");
              EXPECT_EQ(b["clusterId"], kCluster);
              cancelled = true;
              *model_status = Json{{"status", "Cancelled"}};
              return json_reply(200, Json::object());
            });
  auto payload = command_api_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o =
      drive(*e, rig.clock, {.cancel_after = 14, .cancel_reason = CancelReason::kFailFast});
  EXPECT_TRUE(cancelled) << rig.observer.dump();
  EXPECT_EQ(o.status, FinalStatus::kCancelled);
  EXPECT_NE(o.message.find("--fail-fast"), std::string::npos);
  EXPECT_EQ(rig.db.sent("POST /api/1.2/contexts/destroy").size(), 1u);
  auto routes = rig.db.routes();
  EXPECT_EQ(routes.back(), "POST /api/1.2/contexts/destroy");
}

// ---- notebook runs --------------------------------------------------------------------------

codegen::Payload notebook_payload() {
  auto f = codegen::testing::databricks_fixture();
  f.config("create_notebook", true);
  return f.generate();
}

struct RunScript {
  std::string life_cycle = "TERMINATED";
  std::string result = "SUCCESS";
  Json output = Json::object();
};

void notebook_platform(FakePlatform& db, const RunScript& s) {
  db.on("GET /api/2.0/preview/scim/v2/Me", {json_reply(200, Json{{"userName", "me@example.com"}})});
  db.on("POST /api/2.0/workspace/mkdirs", {json_reply(200, Json::object())});
  db.on("POST /api/2.0/workspace/import", {json_reply(200, Json::object())});
  db.on("POST /api/2.0/workspace/delete", {json_reply(200, Json::object())});
  db.on("POST /api/2.1/jobs/runs/submit", {json_reply(200, Json{{"run_id", 455}})});
  Json tasks = Json::array(
      {{{"task_key", "dbtpy_model"}, {"run_id", 456}, {"state", {{"result_state", s.result}}}}});
  Json running = {{"run_id", 455},
                  {"run_page_url", "https://dbc/?o=1#job/1/run/455"},
                  {"state", {{"life_cycle_state", "RUNNING"}}},
                  {"tasks", tasks}};
  Json done = running;
  done["state"] = {{"life_cycle_state", s.life_cycle},
                   {"result_state", s.result},
                   {"state_message", "task failed"}};
  db.on("GET /api/2.1/jobs/runs/get",
        {json_reply(200, Json{{"run_id", 455}, {"state", {{"life_cycle_state", "QUEUED"}}}}),
         json_reply(200, running), json_reply(200, done)});
  db.on("GET /api/2.1/jobs/runs/get-output", {json_reply(200, s.output)});
}

TEST(DatabricksNotebookRun, SuccessUploadsRunsPrintsTheRunPageAndDeletesTheNotebook) {
  Rig rig;
  notebook_platform(rig.db, {});
  auto payload = notebook_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock, {.one_exchange = &rig.db});
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  const std::string path =
      std::string("/Users/me@example.com/dbt_python_models/main/dbt_marts/orders-") + kRunId;
  EXPECT_EQ(Json::parse(rig.db.sent("POST /api/2.0/workspace/import")[0].body)["path"], path);
  Json submit = Json::parse(rig.db.sent("POST /api/2.1/jobs/runs/submit")[0].body);
  EXPECT_EQ(submit["idempotency_token"],
            codegen::request_id(kRunId, payload.unique_id, "submit_run"));
  EXPECT_EQ(submit["tasks"][0]["notebook_task"]["base_parameters"]["run_id"], kRunId);
  EXPECT_EQ(Json::parse(rig.db.sent("POST /api/2.0/workspace/delete")[0].body)["path"], path);
  EXPECT_EQ(rig.db.sent("GET /api/2.1/jobs/runs/get-output").size(), 0u);  // no --show-output
  EXPECT_EQ(o.adapter_response["run_id"], 455);
  EXPECT_EQ(o.adapter_response["run_page_url"], "https://dbc/?o=1#job/1/run/455");
  // The handle was recorded first without, then with the run page URL.
  ASSERT_GE(rig.observer.handles.size(), 2u);
  EXPECT_EQ(rig.observer.handles.front().url, "");
  EXPECT_EQ(rig.observer.handles.back().url, "https://dbc/?o=1#job/1/run/455");
  EXPECT_EQ(rig.observer.handles.back().detail["cancel"]["body"]["run_id"], 455);
}

TEST(DatabricksNotebookRun, ShowOutputReadsTheTaskRunsOutput) {
  Rig rig;
  notebook_platform(rig.db, {.output = Json{{"notebook_output", {{"result", "12 rows"}}}}});
  auto payload = notebook_payload();
  auto opts = rig.options();
  opts.show_output = true;
  auto e = make_execution(payload, opts, rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded);
  auto outs = rig.db.sent("GET /api/2.1/jobs/runs/get-output");
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(http::query_param(outs[0].url, "run_id").value_or(""), "456");  // the TASK run
  EXPECT_EQ(o.remote_output, "12 rows");
}

struct TerminalCase {
  std::string life_cycle;
  std::string result;
  std::string expect;  // in the message
};

class DatabricksRunStates : public ::testing::TestWithParam<TerminalCase> {};

TEST_P(DatabricksRunStates, EveryNonSuccessTerminalStateIsAFailure) {
  const TerminalCase& c = GetParam();
  Rig rig;
  notebook_platform(rig.db, {c.life_cycle, c.result,
                             Json{{"error", "ValueError: boom"},
                                  {"error_trace",
                                   "Traceback (most recent call last):\n  File "
                                   "\"<command-1>\", line 12, in model\nValueError: boom"}}});
  auto payload = notebook_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  EXPECT_EQ(o.status, FinalStatus::kFailed) << c.life_cycle << "/" << c.result;
  EXPECT_NE(o.message.find(c.expect), std::string::npos) << o.message;
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
  if (c.result == "CANCELED") {
    EXPECT_EQ(rig.db.sent("GET /api/2.1/jobs/runs/get-output").size(), 0u);
  } else {
    auto outs = rig.db.sent("GET /api/2.1/jobs/runs/get-output");
    ASSERT_EQ(outs.size(), 1u);
    EXPECT_EQ(http::query_param(outs[0].url, "run_id").value_or(""), "456");
    EXPECT_EQ(o.code, "DBTPY505");
    EXPECT_NE(o.message.find("models/marts/orders.py"), std::string::npos) << o.message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllStates, DatabricksRunStates,
    ::testing::Values(TerminalCase{"TERMINATED", "CANCELED",
                                   "was cancelled (result_state CANCELED)"},
                      TerminalCase{"TERMINATED", "TIMEDOUT", "timed out on Databricks"},
                      TerminalCase{"TERMINATED", "FAILED", "ended in result_state FAILED"},
                      TerminalCase{"TERMINATED", "SUCCESS_WITH_FAILURES",
                                   "ended in result_state SUCCESS_WITH_FAILURES"},
                      TerminalCase{"TERMINATED", "UPSTREAM_FAILED", "UPSTREAM_FAILED"},
                      TerminalCase{"SKIPPED", "", "was skipped"},
                      TerminalCase{"INTERNAL_ERROR", "", "INTERNAL_ERROR"}));

TEST(DatabricksNotebookRun, UserNameIsFetchedOncePerRun) {
  Rig rig;
  notebook_platform(rig.db, {});
  auto payload = notebook_payload();
  for (int i = 0; i < 3; ++i) {
    RecordingObserver observer;
    auto e = make_execution(payload, rig.options(), rig.clients(), observer);
    EXPECT_EQ(drive(*e, rig.clock).status, FinalStatus::kSucceeded);
  }
  EXPECT_EQ(rig.db.sent("GET /api/2.0/preview/scim/v2/Me").size(), 1u);
}

TEST(DatabricksNotebookRun, CancelSendsRunsCancelAndTheCancelledRunIsNotASuccess) {
  Rig rig;
  notebook_platform(rig.db, {});
  bool cancelled = false;
  rig.db.on("POST /api/2.1/jobs/runs/cancel", [&](const http::HttpRequest& r) -> Answer {
    EXPECT_EQ(Json::parse(r.body)["run_id"], 455);  // an integer, as the API wants
    cancelled = true;
    return json_reply(200, Json::object());
  });
  rig.db.on("GET /api/2.1/jobs/runs/get", [&](const http::HttpRequest&) -> Answer {
    if (!cancelled)
      return json_reply(200, Json{{"run_id", 455}, {"state", {{"life_cycle_state", "RUNNING"}}}});
    return json_reply(
        200, Json{{"run_id", 455},
                  {"state", {{"life_cycle_state", "TERMINATED"}, {"result_state", "CANCELED"}}}});
  });
  auto payload = notebook_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o =
      drive(*e, rig.clock, {.cancel_after = 6, .cancel_reason = CancelReason::kTimeout});
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(o.status, FinalStatus::kTimedOut);
  EXPECT_EQ(o.code, "DBTPY510");
  EXPECT_NE(o.message.find("timed out"), std::string::npos);
  EXPECT_NE(o.message.find("cancelling run 455 on the platform"), std::string::npos) << o.message;
  EXPECT_EQ(rig.db.sent("POST /api/2.0/workspace/delete").size(), 1u);
}

TEST(DatabricksNotebookRun, DroppedSubmitIsResentWithTheSameIdempotencyToken) {
  Rig rig;
  notebook_platform(rig.db, {});
  dbtpy::testing::RecordingSleeper sleeper(&rig.clock);
  dbtpy::testing::FixedRandom random(0.5);
  auto loop = http::RetryLoop::with_settings({}, rig.clock, sleeper, random);
  http::RetryingHttpClient retrying(rig.db, loop, rig.clock, sleeper);
  rig.db.on("POST /api/2.1/jobs/runs/submit",
            {Answer(dropped()), Answer(json_reply(200, Json{{"run_id", 455}}))});
  auto payload = notebook_payload();
  auto e =
      make_execution(payload, rig.options(), Clients{nullptr, &retrying, nullptr}, rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  auto submits = rig.db.sent("POST /api/2.1/jobs/runs/submit");
  ASSERT_EQ(submits.size(), 2u);
  EXPECT_EQ(Json::parse(submits[0].body)["idempotency_token"],
            Json::parse(submits[1].body)["idempotency_token"]);
}

// ---- workflow jobs ------------------------------------------------------------------------

codegen::Payload workflow_payload() {
  auto f = codegen::testing::databricks_fixture();
  f.config("submission_method", "workflow_job")
      .config("python_job_config", Json{{"name", "nightly"}});
  return f.generate();
}

TEST(DatabricksWorkflowJob, CreatesTheJobWhenNoneHasTheName) {
  Rig rig;
  notebook_platform(rig.db, {});
  rig.db.on("GET /api/2.1/jobs/list", {json_reply(200, Json{{"has_more", false}})});
  rig.db.on("POST /api/2.1/jobs/create", {json_reply(200, Json{{"job_id", 77}})});
  rig.db.on("POST /api/2.1/jobs/run-now", {json_reply(200, Json{{"run_id", 455}})});
  auto payload = workflow_payload();
  auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
  const Outcome& o = drive(*e, rig.clock);
  ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
  EXPECT_EQ(rig.db.sent("POST /api/2.1/jobs/reset").size(), 0u);
  ASSERT_EQ(rig.db.sent("POST /api/2.1/jobs/create").size(), 1u);
  EXPECT_EQ(Json::parse(rig.db.sent("POST /api/2.1/jobs/run-now")[0].body)["job_id"], 77);
}

TEST(DatabricksWorkflowJob, ResetsTheJobFoundByNameAndRefusesAmbiguousNames) {
  {
    Rig rig;
    notebook_platform(rig.db, {});
    rig.db.on("GET /api/2.1/jobs/list",
              {json_reply(200, Json{{"jobs", Json::array({{{"job_id", 5}}})}})});
    rig.db.on("POST /api/2.1/jobs/reset", {json_reply(200, Json::object())});
    rig.db.on("POST /api/2.1/jobs/run-now", {json_reply(200, Json{{"run_id", 455}})});
    auto payload = workflow_payload();
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    ASSERT_EQ(o.status, FinalStatus::kSucceeded) << o.message;
    EXPECT_EQ(Json::parse(rig.db.sent("POST /api/2.1/jobs/reset")[0].body)["job_id"], 5);
    EXPECT_EQ(rig.db.sent("POST /api/2.1/jobs/create").size(), 0u);
  }
  {
    Rig rig;
    notebook_platform(rig.db, {});
    rig.db.on("GET /api/2.1/jobs/list",
              {json_reply(200, Json{{"jobs", Json::array({{{"job_id", 5}}, {{"job_id", 6}}})}})});
    auto payload = workflow_payload();
    auto e = make_execution(payload, rig.options(), rig.clients(), rig.observer);
    const Outcome& o = drive(*e, rig.clock);
    EXPECT_EQ(o.status, FinalStatus::kFailed);
    EXPECT_EQ(o.code, "DBTPY503");
    EXPECT_NE(o.message.find("several jobs are named 'nightly'"), std::string::npos) << o.message;
    EXPECT_EQ(rig.db.sent("POST /api/2.1/jobs/run-now").size(), 0u);
  }
}

}  // namespace
}  // namespace dbtpy::submitters
