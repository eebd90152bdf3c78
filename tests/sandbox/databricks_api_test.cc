// Contract tests of the Databricks stand-in: auth, OIDC, clusters and libraries, the 1.2
// command API, the workspace, one-time runs (state machine, output, idempotency, cancel,
// serverless rules) and persistent jobs.
#include <gtest/gtest.h>

#include "tests/sandbox/sandbox_fixture.h"
#include "util/base64.h"

namespace dbtpy::sandbox::testing {
namespace {

httplib::Headers pat() {
  return bearer(kDatabricksPat);
}

httplib::Result post(Harness& h, const std::string& path, const Json& body,
                     const httplib::Headers& headers = pat()) {
  return h.client().Post(path.c_str(), headers, body.dump(), "application/json");
}

httplib::Result get(Harness& h, const std::string& path, const httplib::Headers& headers = pat()) {
  return h.client().Get(path.c_str(), headers);
}

void import_notebook(Harness& h, const std::string& path, const std::string& source) {
  auto dir = path.substr(0, path.rfind('/'));
  ASSERT_EQ(post(h, "/api/2.0/workspace/mkdirs", {{"path", dir}})->status, 200);
  auto r = post(h, "/api/2.0/workspace/import",
                {{"path", path},
                 {"format", "SOURCE"},
                 {"language", "PYTHON"},
                 {"overwrite", true},
                 {"content", base64_encode(source)}});
  ASSERT_EQ(r->status, 200) << r->body;
}

Json run_state(Harness& h, long long run_id) {
  return json_of(get(h, "/api/2.1/jobs/runs/get?run_id=" + std::to_string(run_id)));
}

Json wait_run(Harness& h, long long run_id) {
  Json j;
  eventually([&] {
    j = run_state(h, run_id);
    std::string life = j["state"].value("life_cycle_state", "");
    return life == "TERMINATED" || life == "INTERNAL_ERROR" || life == "SKIPPED";
  });
  return j;
}

Json notebook_task(const std::string& path, const Json& extra = Json::object()) {
  Json t = {{"task_key", "inner_notebook"}, {"notebook_task", {{"notebook_path", path}}}};
  t.update(extra);
  return t;
}

const std::string kModelPath = "/Users/dbtpy@example.com/dbt_python_models/main/analytics/orders";

TEST(DatabricksAuth, MissingAndUnknownTokensAreRejected) {
  Harness h;
  auto none = h.client().Get("/api/2.0/preview/scim/v2/Me");
  EXPECT_EQ(none->status, 401);
  auto bad = get(h, "/api/2.0/preview/scim/v2/Me", bearer("dapi-nope"));
  EXPECT_EQ(bad->status, 403);
  EXPECT_EQ(json_of(bad)["message"], "Invalid access token.");
  auto me = get(h, "/api/2.0/preview/scim/v2/Me");
  ASSERT_EQ(me->status, 200);
  EXPECT_EQ(json_of(me)["userName"], "dbtpy@example.com");
}

TEST(DatabricksAuth, OidcClientCredentialsIssueUsableTokens) {
  Harness h(test_config("tokens: {expire_after: 1s}\n"));
  Json discovery = json_of(h.client().Get("/oidc/.well-known/oauth-authorization-server"));
  EXPECT_EQ(discovery["token_endpoint"], h.url() + "/oidc/v1/token");
  httplib::Headers basic = {{"Authorization", "Basic " + base64_encode("sp-client:dose-secret")}};
  auto r = h.client().Post("/oidc/v1/token", basic, "grant_type=client_credentials&scope=all-apis",
                           "application/x-www-form-urlencoded");
  ASSERT_EQ(r->status, 200) << r->body;
  Json tok = json_of(r);
  EXPECT_EQ(tok["token_type"], "Bearer");
  EXPECT_EQ(tok["scope"], "all-apis");
  EXPECT_EQ(get(h, "/api/2.0/preview/scim/v2/Me", bearer(tok["access_token"]))->status, 200);
  // tokens.expire_after makes it lapse.
  EXPECT_TRUE(eventually(
      [&] {
        return get(h, "/api/2.0/preview/scim/v2/Me", bearer(tok["access_token"]))->status == 403;
      },
      5));
  httplib::Headers wrong = {{"Authorization", "Basic " + base64_encode("sp-client:nope")}};
  auto denied =
      h.client().Post("/oidc/v1/token", wrong, "grant_type=client_credentials&scope=all-apis",
                      "application/x-www-form-urlencoded");
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(json_of(denied)["error"], "invalid_client");
  auto grant = h.client().Post("/oidc/v1/token", basic, "grant_type=password",
                               "application/x-www-form-urlencoded");
  EXPECT_EQ(json_of(grant)["error"], "unsupported_grant_type");
}

TEST(DatabricksClusters, StartMovesTerminatedToPendingToRunning) {
  Harness h;
  const std::string q = std::string("/api/2.0/clusters/get?cluster_id=") + kTerminatedCluster;
  EXPECT_EQ(json_of(get(h, q))["state"], "TERMINATED");
  ASSERT_EQ(post(h, "/api/2.0/clusters/start", {{"cluster_id", kTerminatedCluster}})->status, 200);
  EXPECT_EQ(json_of(get(h, q))["state"], "PENDING");
  EXPECT_TRUE(eventually([&] { return json_of(get(h, q))["state"] == "RUNNING"; }));
  auto again = post(h, "/api/2.1/clusters/start", {{"cluster_id", kTerminatedCluster}});
  EXPECT_EQ(again->status, 400);
  EXPECT_EQ(json_of(again)["error_code"], "INVALID_STATE");
  auto missing = get(h, "/api/2.0/clusters/get?cluster_id=nope");
  EXPECT_EQ(json_of(missing)["error_code"], "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(post(h, "/api/2.0/clusters/start", {{"cluster_id", 12}})->status, 400);
  EXPECT_EQ(post(h, "/api/2.0/clusters/start", Json::object())->status, 400);
}

TEST(DatabricksLibraries, InstallGoesPendingInstallingInstalled) {
  Harness h;
  const std::string q =
      std::string("/api/2.0/libraries/cluster-status?cluster_id=") + kRunningCluster;
  Json before = json_of(get(h, q));
  ASSERT_EQ(before["library_statuses"].size(), 1u);
  EXPECT_EQ(before["library_statuses"][0]["status"], "INSTALLED");
  auto r =
      post(h, "/api/2.0/libraries/install",
           {{"cluster_id", kRunningCluster}, {"libraries", {{{"pypi", {{"package", "chispa"}}}}}}});
  ASSERT_EQ(r->status, 200) << r->body;
  std::set<std::string> seen;
  EXPECT_TRUE(eventually([&] {
    std::string s = json_of(get(h, q))["library_statuses"][1]["status"];
    seen.insert(s);
    return s == "INSTALLED";
  }));
  EXPECT_TRUE(seen.count("INSTALLING") || seen.count("PENDING"));
  EXPECT_EQ(post(h, "/api/2.0/libraries/install",
                 {{"cluster_id", kRunningCluster}, {"libraries", {{{"pypi", {{"pkg", "x"}}}}}}})
                ->status,
            400);
  EXPECT_EQ(
      post(h, "/api/2.0/libraries/install",
           {{"cluster_id", kRunningCluster}, {"libraries", {{{"whl", "a.whl"}, {"jar", "b.jar"}}}}})
          ->status,
      400);
}

TEST(DatabricksCommands, ContextsAndCommandsRunAModel) {
  Harness h(test_config(
      "rules:\n  - match: model.jaffle.orders\n    duration: 1s\n    stdout: [rows 42]\n"));
  auto refused = post(h, "/api/1.2/contexts/create",
                      {{"clusterId", kTerminatedCluster}, {"language", "python"}});
  EXPECT_EQ(refused->status, 400);
  auto c =
      post(h, "/api/1.2/contexts/create", {{"clusterId", kRunningCluster}, {"language", "python"}});
  ASSERT_EQ(c->status, 200) << c->body;
  std::string ctx = json_of(c)["id"];
  const std::string status_q =
      std::string("/api/1.2/contexts/status?clusterId=") + kRunningCluster + "&contextId=" + ctx;
  EXPECT_EQ(json_of(get(h, status_q))["status"], "Pending");
  EXPECT_TRUE(eventually([&] { return json_of(get(h, status_q))["status"] == "Running"; }));
  // Databricks accepts IPython magics and # COMMAND separators in command text.
  std::string code = "%pip install -q chispa\n\n# COMMAND ----------\n\n" +
                     model_source("model.jaffle.orders", "main.analytics.orders", "databricks");
  auto e = post(h, "/api/1.2/commands/execute",
                {{"clusterId", kRunningCluster},
                 {"contextId", ctx},
                 {"language", "python"},
                 {"command", code}});
  ASSERT_EQ(e->status, 200) << e->body;
  std::string cmd = json_of(e)["id"];
  const std::string cq = std::string("/api/1.2/commands/status?clusterId=") + kRunningCluster +
                         "&contextId=" + ctx + "&commandId=" + cmd;
  Json first = json_of(get(h, cq));
  EXPECT_TRUE(first["status"] == "Queued" || first["status"] == "Running") << first.dump();
  Json done;
  EXPECT_TRUE(eventually([&] {
    done = json_of(get(h, cq));
    return done["status"] == "Finished";
  }));
  EXPECT_EQ(done["results"]["resultType"], "text");
  EXPECT_EQ(done["results"]["data"], "rows 42");
  EXPECT_TRUE(h.relations()["databricks"].contains("main.analytics.orders"));
  EXPECT_EQ(
      post(h, "/api/1.2/contexts/destroy", {{"clusterId", kRunningCluster}, {"contextId", ctx}})
          ->status,
      200);
  EXPECT_EQ(get(h, status_q)->status, 404);
  EXPECT_EQ(get(h, "/api/1.2/commands/status?clusterId=x&contextId=y")->status, 400);
}

TEST(DatabricksCommands, PythonFailureIsFinishedWithAnErrorResult) {
  Harness h(
      test_config("rules:\n  - match: '*.bad'\n    fail: true\n    message: 'ZeroDivisionError: "
                  "division by zero'\n"));
  std::string ctx = json_of(post(h, "/api/1.2/contexts/create",
                                 {{"clusterId", kRunningCluster}, {"language", "python"}}))["id"];
  eventually([&] {
    return json_of(get(h, std::string("/api/1.2/contexts/status?clusterId=") + kRunningCluster +
                              "&contextId=" + ctx))["status"] == "Running";
  });
  auto run = [&](const std::string& code) {
    std::string cmd = json_of(post(h, "/api/1.2/commands/execute",
                                   {{"clusterId", kRunningCluster},
                                    {"contextId", ctx},
                                    {"language", "python"},
                                    {"command", code}}))["id"];
    Json j;
    eventually([&] {
      j = json_of(get(h, std::string("/api/1.2/commands/status?clusterId=") + kRunningCluster +
                             "&contextId=" + ctx + "&commandId=" + cmd));
      return j["status"] == "Finished" || j["status"] == "Error" || j["status"] == "Cancelled";
    });
    return j;
  };
  Json failed = run(model_source("model.p.bad", "main.s.bad", "databricks"));
  EXPECT_EQ(failed["status"], "Finished");
  EXPECT_EQ(failed["results"]["resultType"], "error");
  EXPECT_NE(failed["results"]["summary"].get<std::string>().find("ZeroDivisionError"),
            std::string::npos);
  EXPECT_NE(failed["results"]["cause"].get<std::string>().find("division by zero"),
            std::string::npos);
  Json syntax = run(model_source("model.p.ok", "main.s.ok", "databricks") + "def broken(:\n");
  // Helper cells (no model, no metadata) run like any Databricks command, uncounted.
  Json helper = run("%pip install -q pandas==2.1.4\ndbtpy_params = {'run_id': 'r'}\n");
  EXPECT_EQ(helper["status"], "Finished");
  EXPECT_EQ(helper["results"]["resultType"], "text");
  Json half = run("def model(dbt, session):\n    return None\n");
  EXPECT_NE(half["results"]["summary"].get<std::string>().find("not a dbtpy payload"),
            std::string::npos);
  EXPECT_EQ(h.stats()["executions"]["databricks"], 3);
  EXPECT_EQ(syntax["results"]["resultType"], "error");
  EXPECT_NE(syntax["results"]["summary"].get<std::string>().find("SyntaxError"), std::string::npos);
}

TEST(DatabricksCommands, CancelEndsCancelled) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 5s\n"));
  std::string ctx = json_of(post(h, "/api/1.2/contexts/create",
                                 {{"clusterId", kRunningCluster}, {"language", "python"}}))["id"];
  eventually([&] {
    return json_of(get(h, std::string("/api/1.2/contexts/status?clusterId=") + kRunningCluster +
                              "&contextId=" + ctx))["status"] == "Running";
  });
  std::string cmd =
      json_of(post(h, "/api/1.2/commands/execute",
                   {{"clusterId", kRunningCluster},
                    {"contextId", ctx},
                    {"language", "python"},
                    {"command", model_source("model.p.s", "main.s.slow", "databricks")}}))["id"];
  ASSERT_EQ(post(h, "/api/1.2/commands/cancel",
                 {{"clusterId", kRunningCluster}, {"contextId", ctx}, {"commandId", cmd}})
                ->status,
            200);
  const std::string cq = std::string("/api/1.2/commands/status?clusterId=") + kRunningCluster +
                         "&contextId=" + ctx + "&commandId=" + cmd;
  EXPECT_TRUE(eventually([&] { return json_of(get(h, cq))["status"] == "Cancelled"; }));
  EXPECT_FALSE(h.relations().value("databricks", Json::object()).contains("main.s.slow"));
}

TEST(DatabricksCommands, DestroyingTheContextEndsItsCommandInError) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 5s\n"));
  std::string ctx = json_of(post(h, "/api/1.2/contexts/create",
                                 {{"clusterId", kRunningCluster}, {"language", "python"}}))["id"];
  eventually([&] {
    return json_of(get(h, std::string("/api/1.2/contexts/status?clusterId=") + kRunningCluster +
                              "&contextId=" + ctx))["status"] == "Running";
  });
  std::string cmd =
      json_of(post(h, "/api/1.2/commands/execute",
                   {{"clusterId", kRunningCluster},
                    {"contextId", ctx},
                    {"language", "python"},
                    {"command", model_source("model.p.s", "main.s.gone", "databricks")}}))["id"];
  ASSERT_EQ(
      post(h, "/api/1.2/contexts/destroy", {{"clusterId", kRunningCluster}, {"contextId", ctx}})
          ->status,
      200);
  const std::string cq = std::string("/api/1.2/commands/status?clusterId=") + kRunningCluster +
                         "&contextId=" + ctx + "&commandId=" + cmd;
  Json j;
  EXPECT_TRUE(eventually([&] {
    j = json_of(get(h, cq));
    return j["status"] == "Error";
  }));
  EXPECT_EQ(j["results"]["resultType"], "error");
  EXPECT_FALSE(h.relations().value("databricks", Json::object()).contains("main.s.gone"));
}

TEST(DatabricksWorkspace, ImportRulesMatchTheDocumentation) {
  Harness h;
  const std::string dir = "/Users/dbtpy@example.com/models";
  auto orphan = post(h, "/api/2.0/workspace/import",
                     {{"path", dir + "/m"},
                      {"format", "SOURCE"},
                      {"language", "PYTHON"},
                      {"content", base64_encode("x = 1\n")}});
  EXPECT_EQ(orphan->status, 404);
  EXPECT_EQ(json_of(orphan)["error_code"], "RESOURCE_DOES_NOT_EXIST");
  ASSERT_EQ(post(h, "/api/2.0/workspace/mkdirs", {{"path", dir}})->status, 200);
  Json body = {{"path", dir + "/m"},
               {"format", "SOURCE"},
               {"language", "PYTHON"},
               {"content", base64_encode("x = 1\n")}};
  ASSERT_EQ(post(h, "/api/2.0/workspace/import", body)->status, 200);
  auto exists = post(h, "/api/2.0/workspace/import", body);
  EXPECT_EQ(exists->status, 400);
  EXPECT_EQ(json_of(exists)["error_code"], "RESOURCE_ALREADY_EXISTS");
  body["overwrite"] = true;
  EXPECT_EQ(post(h, "/api/2.0/workspace/import", body)->status, 200);
  body["overwrite"] = "true";  // a string is not a boolean
  EXPECT_EQ(post(h, "/api/2.0/workspace/import", body)->status, 400);
  body["overwrite"] = true;
  body.erase("language");
  EXPECT_EQ(post(h, "/api/2.0/workspace/import", body)->status, 400);
  body["language"] = "PYTHON";
  body["format"] = "PDF";
  EXPECT_EQ(post(h, "/api/2.0/workspace/import", body)->status, 400);
  body["format"] = "SOURCE";
  body["content"] = base64_encode(std::string(1024 * 1024 + 1, 'x'));
  auto big = post(h, "/api/2.0/workspace/import", body);
  EXPECT_EQ(json_of(big)["error_code"], "MAX_NOTEBOOK_SIZE_EXCEEDED");
  EXPECT_EQ(post(h, "/api/2.0/workspace/mkdirs", {{"path", "relative/path"}})->status, 400);

  Json st = json_of(get(h, "/api/2.0/workspace/get-status?path=/Workspace" + dir + "/m"));
  EXPECT_EQ(st["object_type"], "NOTEBOOK");
  EXPECT_EQ(st["language"], "PYTHON");
  EXPECT_TRUE(st["object_id"].is_number_integer());
  auto not_empty = post(h, "/api/2.0/workspace/delete", {{"path", dir}});
  EXPECT_EQ(json_of(not_empty)["error_code"], "DIRECTORY_NOT_EMPTY");
  EXPECT_EQ(post(h, "/api/2.0/workspace/delete", {{"path", dir}, {"recursive", true}})->status,
            200);
  EXPECT_EQ(get(h, "/api/2.0/workspace/get-status?path=" + dir + "/m")->status, 404);
}

TEST(DatabricksRuns, SubmitRunsTheNotebookThroughItsStates) {
  Harness h(test_config(
      "rules:\n  - match: model.jaffle.orders\n    startup_delay: 1s\n    duration: 1s\n"));
  import_notebook(h, kModelPath,
                  "# Databricks notebook source\n" +
                      model_source("model.jaffle.orders", "main.analytics.orders", "databricks"));
  auto r =
      post(h, "/api/2.1/jobs/runs/submit",
           {{"run_name", "main-analytics-orders"},
            {"tasks", {notebook_task(kModelPath, {{"existing_cluster_id", kRunningCluster}})}}});
  ASSERT_EQ(r->status, 200) << r->body;
  long long run_id = json_of(r)["run_id"];
  std::set<std::string> lifecycle;
  Json j;
  eventually([&] {
    j = run_state(h, run_id);
    lifecycle.insert(j["state"]["life_cycle_state"].get<std::string>());
    return j["state"]["life_cycle_state"] == "TERMINATED";
  });
  EXPECT_TRUE(lifecycle.count("PENDING"));
  EXPECT_TRUE(lifecycle.count("RUNNING"));
  EXPECT_EQ(j["state"]["result_state"], "SUCCESS");
  EXPECT_EQ(j["status"]["state"], "TERMINATED");
  EXPECT_EQ(j["status"]["termination_details"]["code"], "SUCCESS");
  EXPECT_NE(j["run_page_url"].get<std::string>().find("/run/" + std::to_string(run_id)),
            std::string::npos);
  ASSERT_EQ(j["tasks"].size(), 1u);
  EXPECT_TRUE(j["tasks"][0]["run_id"].is_number_integer());
  EXPECT_NE(j["tasks"][0]["run_id"], run_id);
  EXPECT_TRUE(h.relations()["databricks"].contains("main.analytics.orders"));
  // Output is per task run; the parent run has several tasks' worth of nothing.
  auto parent = get(h, "/api/2.1/jobs/runs/get-output?run_id=" + std::to_string(run_id));
  EXPECT_EQ(parent->status, 400);
  auto out = get(h, "/api/2.1/jobs/runs/get-output?run_id=" +
                        std::to_string(j["tasks"][0]["run_id"].get<long long>()));
  ASSERT_EQ(out->status, 200);
  EXPECT_TRUE(json_of(out).contains("notebook_output"));
  EXPECT_FALSE(json_of(out).contains("error"));
}

TEST(DatabricksRuns, FailedTaskReportsErrorAndTraceInTheTaskOutput) {
  Harness h(
      test_config("rules:\n  - match: '*'\n    fail: true\n    message: 'KeyError: customer_id'\n"
                  "    traceback: |\n      Traceback (most recent call last):\n"
                  "        File \"<command-1>\", line 7, in model\n"));
  import_notebook(h, kModelPath, model_source("model.j.o", "main.analytics.orders", "databricks"));
  long long run_id =
      json_of(post(h, "/api/2.2/jobs/runs/submit",
                   {{"run_name", "x"}, {"tasks", {notebook_task(kModelPath)}}}))["run_id"];
  Json j = wait_run(h, run_id);
  EXPECT_EQ(j["state"]["life_cycle_state"], "TERMINATED");
  EXPECT_EQ(j["state"]["result_state"], "FAILED");
  EXPECT_EQ(j["status"]["termination_details"]["code"], "RUN_EXECUTION_ERROR");
  Json out = json_of(get(h, "/api/2.1/jobs/runs/get-output?run_id=" +
                                std::to_string(j["tasks"][0]["run_id"].get<long long>())));
  EXPECT_EQ(out["error"], "KeyError: customer_id");
  EXPECT_NE(out["error_trace"].get<std::string>().find("line 7, in model"), std::string::npos);
  EXPECT_FALSE(h.relations().value("databricks", Json::object()).contains("main.analytics.orders"));
}

TEST(DatabricksRuns, MissingNotebookIsAnInternalError) {
  Harness h;
  long long run_id = json_of(post(h, "/api/2.1/jobs/runs/submit",
                                  {{"tasks", {notebook_task("/Users/nobody/none")}}}))["run_id"];
  Json j = wait_run(h, run_id);
  EXPECT_EQ(j["state"]["life_cycle_state"], "INTERNAL_ERROR");
  EXPECT_EQ(j["state"]["result_state"], "FAILED");
  EXPECT_NE(j["state"]["state_message"].get<std::string>().find("Notebook not found"),
            std::string::npos);
  Json out = json_of(get(h, "/api/2.1/jobs/runs/get-output?run_id=" +
                                std::to_string(j["tasks"][0]["run_id"].get<long long>())));
  EXPECT_NE(out["error"].get<std::string>().find("Notebook not found"), std::string::npos);
}

TEST(DatabricksRuns, IdempotencyTokenReturnsTheSameRunWithoutASecondExecution) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 300ms\n"));
  import_notebook(h, kModelPath, model_source("model.j.o", "main.analytics.orders", "databricks"));
  Json body = {{"run_name", "r"},
               {"idempotency_token", "dbtpy-abc-123"},
               {"tasks", {notebook_task(kModelPath)}}};
  long long first = json_of(post(h, "/api/2.1/jobs/runs/submit", body))["run_id"];
  long long second = json_of(post(h, "/api/2.1/jobs/runs/submit", body))["run_id"];
  EXPECT_EQ(first, second);
  wait_run(h, first);
  Json stats = h.stats();
  EXPECT_EQ(stats["executions"]["databricks"], 1);
  EXPECT_EQ(stats["idempotent_replays"]["databricks"], 1);
  body["idempotency_token"] = std::string(65, 'x');
  EXPECT_EQ(post(h, "/api/2.1/jobs/runs/submit", body)->status, 400);
}

TEST(DatabricksRuns, ServerlessTasksTakeEnvironmentsNotLibraries) {
  Harness h;
  import_notebook(h, kModelPath, model_source("model.j.o", "main.analytics.orders", "databricks"));
  auto libs = post(
      h, "/api/2.1/jobs/runs/submit",
      {{"tasks", {notebook_task(kModelPath, {{"libraries", {{{"pypi", {{"package", "x"}}}}}}})}}});
  ASSERT_EQ(libs->status, 400);
  EXPECT_EQ(json_of(libs)["message"],
            "Libraries field is not supported for serverless task, please specify libraries in "
            "environment.");
  auto env = post(h, "/api/2.1/jobs/runs/submit",
                  {{"tasks", {notebook_task(kModelPath, {{"environment_key", "default"}})}},
                   {"environments",
                    {{{"environment_key", "default"},
                      {"spec", {{"environment_version", "4"}, {"dependencies", {"chispa"}}}}}}}});
  EXPECT_EQ(env->status, 200) << env->body;
  auto undefined = post(h, "/api/2.1/jobs/runs/submit",
                        {{"tasks", {notebook_task(kModelPath, {{"environment_key", "nope"}})}}});
  EXPECT_EQ(undefined->status, 400);
  auto with_cluster =
      post(h, "/api/2.1/jobs/runs/submit",
           {{"tasks", {notebook_task(kModelPath, {{"existing_cluster_id", "no-such"}})}}});
  EXPECT_EQ(with_cluster->status, 400);
  EXPECT_EQ(post(h, "/api/2.1/jobs/runs/submit", {{"tasks", Json::array()}})->status, 400);
  // Task kinds the sandbox does not simulate are accepted and succeed without a model run.
  eventually([&] { return h.stats()["runs"].value("databricks", Json::object()).size() > 0; });
  const Json before = h.stats()["executions"];
  auto sql = post(h, "/api/2.1/jobs/runs/submit",
                  {{"tasks", {{{"task_key", "q"}, {"sql_task", {{"warehouse_id", "w"}}}}}}});
  ASSERT_EQ(sql->status, 200) << sql->body;
  EXPECT_EQ(wait_run(h, json_of(sql)["run_id"])["state"]["result_state"], "SUCCESS");
  EXPECT_EQ(h.stats()["executions"], before);
  EXPECT_EQ(
      post(h, "/api/2.1/jobs/runs/submit", {{"tasks", {{{"task_key", "q"}, {"sql_task", 1}}}}})
          ->status,
      400);
  EXPECT_EQ(post(h, "/api/2.1/jobs/runs/submit",
                 {{"tasks", {{{"notebook_task", {{"notebook_path", "/x"}}}}}}})
                ->status,
            400);
  EXPECT_EQ(get(h, "/api/2.1/jobs/runs/get?run_id=abc")->status, 400);
  EXPECT_EQ(get(h, "/api/2.1/jobs/runs/get?run_id=1")->status, 400);
}

TEST(DatabricksRuns, DependentTasksRunInOrderAndSkipAfterAFailure) {
  Harness h(test_config(
      "rules:\n  - match: model.j.first\n    fail: true\n    message: 'RuntimeError: no'\n"));
  import_notebook(h, "/Shared/a", model_source("model.j.first", "main.s.first", "databricks"));
  import_notebook(h, "/Shared/b", model_source("model.j.second", "main.s.second", "databricks"));
  Json tasks = {{{"task_key", "a"}, {"notebook_task", {{"notebook_path", "/Shared/a"}}}},
                {{"task_key", "b"},
                 {"depends_on", {{{"task_key", "a"}}}},
                 {"notebook_task", {{"notebook_path", "/Shared/b"}}}}};
  long long run_id = json_of(post(h, "/api/2.1/jobs/runs/submit", {{"tasks", tasks}}))["run_id"];
  Json j = wait_run(h, run_id);
  EXPECT_EQ(j["state"]["result_state"], "FAILED");
  EXPECT_EQ(j["tasks"][1]["state"]["result_state"], "UPSTREAM_FAILED");
  EXPECT_EQ(h.stats()["executions"]["databricks"], 1);
}

TEST(DatabricksRuns, CancelEndsCanceledAndLeavesNothing) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 5s\n"));
  import_notebook(h, kModelPath, model_source("model.j.o", "main.analytics.slow", "databricks"));
  long long run_id = json_of(
      post(h, "/api/2.1/jobs/runs/submit", {{"tasks", {notebook_task(kModelPath)}}}))["run_id"];
  ASSERT_EQ(post(h, "/api/2.1/jobs/runs/cancel", {{"run_id", run_id}})->status, 200);
  Json j = wait_run(h, run_id);
  EXPECT_EQ(j["state"]["result_state"], "CANCELED");
  EXPECT_EQ(j["state"]["user_cancelled_or_timedout"], true);
  EXPECT_FALSE(h.relations().value("databricks", Json::object()).contains("main.analytics.slow"));
  EXPECT_EQ(post(h, "/api/2.1/jobs/runs/cancel", {{"run_id", "x"}})->status, 400);
  EXPECT_EQ(h.stats()["cancels"]["databricks"], 1);
}

TEST(DatabricksRuns, TimeoutEndsTimedOut) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 5s\n"));
  import_notebook(h, kModelPath, model_source("model.j.o", "main.analytics.slow", "databricks"));
  long long run_id =
      json_of(post(h, "/api/2.1/jobs/runs/submit",
                   {{"timeout_seconds", 1}, {"tasks", {notebook_task(kModelPath)}}}))["run_id"];
  Json j = wait_run(h, run_id);
  EXPECT_EQ(j["state"]["result_state"], "TIMEDOUT");
}

TEST(DatabricksJobs, CreateListResetAndRunNow) {
  Harness h;
  import_notebook(h, kModelPath, model_source("model.j.o", "main.analytics.orders", "databricks"));
  Json settings = {
      {"name", "dbt__main-analytics-orders"},
      {"tasks", {notebook_task(kModelPath, {{"existing_cluster_id", kRunningCluster}})}}};
  auto c = post(h, "/api/2.1/jobs/create", settings);
  ASSERT_EQ(c->status, 200) << c->body;
  long long job_id = json_of(c)["job_id"];
  Json list = json_of(get(h, "/api/2.1/jobs/list?name=DBT__MAIN-ANALYTICS-ORDERS"));
  ASSERT_EQ(list["jobs"].size(), 1u);
  EXPECT_EQ(list["jobs"][0]["job_id"], job_id);
  EXPECT_FALSE(list["jobs"][0]["settings"].contains("tasks"));
  EXPECT_FALSE(json_of(get(h, "/api/2.1/jobs/list?name=other")).contains("jobs"));
  settings["max_concurrent_runs"] = 2;
  EXPECT_EQ(
      post(h, "/api/2.1/jobs/reset", {{"job_id", job_id}, {"new_settings", settings}})->status,
      200);
  EXPECT_EQ(post(h, "/api/2.1/jobs/reset", {{"job_id", 1}, {"new_settings", settings}})->status,
            400);
  auto now = post(h, "/api/2.1/jobs/run-now", {{"job_id", job_id}, {"queue", {{"enabled", true}}}});
  ASSERT_EQ(now->status, 200) << now->body;
  Json j = wait_run(h, json_of(now)["run_id"]);
  EXPECT_EQ(j["job_id"], job_id);
  EXPECT_EQ(j["run_type"], "JOB_RUN");
  EXPECT_EQ(j["state"]["result_state"], "SUCCESS");
  EXPECT_EQ(json_of(get(h, "/api/2.1/jobs/get?job_id=" +
                               std::to_string(job_id)))["settings"]["max_concurrent_runs"],
            2);
}

TEST(DatabricksJobs, RunsBeyondMaxConcurrentRunsAreSkippedUnlessQueued) {
  Harness h(test_config("rules:\n  - match: '*'\n    duration: 2s\n"));
  import_notebook(h, kModelPath, model_source("model.j.o", "main.analytics.orders", "databricks"));
  long long job_id =
      json_of(post(h, "/api/2.1/jobs/create",
                   {{"name", "j"}, {"tasks", {notebook_task(kModelPath)}}}))["job_id"];
  long long first = json_of(post(h, "/api/2.1/jobs/run-now", {{"job_id", job_id}}))["run_id"];
  long long second = json_of(post(h, "/api/2.1/jobs/run-now", {{"job_id", job_id}}))["run_id"];
  Json skipped = run_state(h, second);
  EXPECT_EQ(skipped["state"]["life_cycle_state"], "SKIPPED");
  EXPECT_NE(skipped["state"]["state_message"].get<std::string>().find("maximum concurrent runs"),
            std::string::npos);
  Json queued =
      run_state(h, json_of(post(h, "/api/2.1/jobs/run-now",
                                {{"job_id", job_id}, {"queue", {{"enabled", true}}}}))["run_id"]);
  EXPECT_NE(queued["state"]["life_cycle_state"], "SKIPPED");
  EXPECT_NE(run_state(h, first)["state"]["life_cycle_state"], "SKIPPED");
  EXPECT_EQ(post(h, "/api/2.1/jobs/run-now", {{"job_id", "x"}})->status, 400);
}

TEST(DatabricksErrors, UnknownEndpointsAndMalformedBodies) {
  Harness h;
  auto r = get(h, "/api/2.0/nothing/here");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json_of(r)["error_code"], "ENDPOINT_NOT_FOUND");
  auto bad = h.client().Post("/api/2.0/workspace/mkdirs", pat(), "{nope", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json_of(bad)["error_code"], "MALFORMED_REQUEST");
}

}  // namespace
}  // namespace dbtpy::sandbox::testing
