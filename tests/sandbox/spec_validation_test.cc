// The sandbox's responses validate against the vendors' OpenAPI descriptions in
// ../shared/specs (see specs/README.md for the traps worked around here: missing base paths,
// Dataproc's multi-segment names, the broken stackql files). Each family also carries a
// deliberately wrong body that must fail, proving the checker checks.
#include <gtest/gtest.h>

#include "tests/sandbox/sandbox_fixture.h"
#include "util/base64.h"

namespace dbtpy::sandbox::testing {
namespace {

// A response kept for checking (httplib::Result is move-only and has no empty state).
struct Resp {
  int status = -1;
  Json body;
};

Resp keep(const httplib::Result& r) {
  return r ? Resp{r->status, json_of(r)} : Resp{};
}

struct Recorder {
  Json checks = Json::array();

  void add(const std::string& name, const std::string& spec, const std::string& method,
           const std::string& path, const httplib::Result& r, const std::string& prefix = "",
           const std::string& schema = "") {
    add(name, spec, method, path, keep(r), prefix, schema);
  }
  void add(const std::string& name, const std::string& spec, const std::string& method,
           const std::string& path, const Resp& r, const std::string& prefix = "",
           const std::string& schema = "") {
    ASSERT_GT(r.status, 0) << name;
    Json c = {{"name", name},       {"spec", spec},   {"method", method},    {"path", path},
              {"status", r.status}, {"body", r.body}, {"expect_valid", true}};
    if (!prefix.empty()) c["prefix"] = prefix;
    if (!schema.empty()) c["schema"] = schema;
    // Snowflake's documented responses carry relative statementStatusUrl values where
    // sqlapi.yaml says "uri"; the documentation wins.
    if (spec.rfind("snowflake/", 0) == 0) c["uri_references"] = true;
    checks.push_back(c);
  }
  void canary(const std::string& name, const std::string& spec, const std::string& method,
              const std::string& path, int status, const Json& body, const std::string& prefix = "",
              const std::string& schema = "") {
    Json c = {{"name", name},     {"spec", spec}, {"method", method},     {"path", path},
              {"status", status}, {"body", body}, {"expect_valid", false}};
    if (!prefix.empty()) c["prefix"] = prefix;
    if (!schema.empty()) c["schema"] = schema;
    checks.push_back(c);
  }
};

void expect_all(const Json& results) {
  ASSERT_TRUE(results.contains("results")) << results.dump();
  for (const auto& r : results["results"]) {
    EXPECT_EQ(r["valid"], r["expect_valid"]) << r["name"] << ": " << r["errors"].dump();
  }
}

TEST(SpecValidation, SnowflakeResponsesMatchSqlApiYaml) {
  Harness h(test_config("rules:\n  - match: '*slow*'\n    duration: 5s\n"));
  Recorder rec;
  const std::string spec = "snowflake/sqlapi.yaml";
  const std::string path = "/api/v2/statements";
  auto post = [&](const Json& body, const std::string& q = "") {
    return h.client().Post((path + q).c_str(), snowflake_headers(), body.dump(),
                           "application/json");
  };
  auto ok = post({{"statement", "select 1 as one, 'x' as two"}});
  rec.add("submit 200", spec, "post", path, ok);
  auto async = post({{"statement", "select 1"}}, "?async=true");
  rec.add("submit 202", spec, "post", path, async);
  std::string handle = json_of(async)["statementHandle"];
  Resp got;
  eventually([&] {
    got = keep(h.client().Get((path + "/" + handle).c_str(), snowflake_headers()));
    return got.status == 200;
  });
  rec.add("get 200", spec, "get", path + "/" + handle, got);
  auto bad = post({{"statement", "nonsense"}});
  rec.add("submit 422", spec, "post", path, bad);
  rec.add("get 422", spec, "get", path + "/" + std::string(json_of(bad)["statementHandle"]),
          h.client().Get((path + "/" + std::string(json_of(bad)["statementHandle"])).c_str(),
                         snowflake_headers()));
  Json session = {{"database", "D"}, {"schema", "S"}};
  Json create = session;
  create["statement"] =
      "CREATE PROCEDURE P() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11' "
      "PACKAGES = ('snowflake-snowpark-python') HANDLER = 'main' AS $$" +
      model_source("model.p.slow", "D.S.SLOW", "snowflake") + "$$";
  post(create);
  Json call = session;
  call["statement"] = "CALL P()";
  std::string running = json_of(post(call, "?async=true"))["statementHandle"];
  rec.add("cancel 200", spec, "post", path + "/" + running + "/cancel",
          h.client().Post((path + "/" + running + "/cancel").c_str(), snowflake_headers(), "",
                          "application/json"));
  rec.add("cancel 422", spec, "post", path + "/" + handle + "/cancel",
          h.client().Post((path + "/" + handle + "/cancel").c_str(), snowflake_headers(), "",
                          "application/json"));
  rec.canary("canary: cancel body without statementHandle", spec, "post",
             path + "/" + handle + "/cancel", 200, {{"message", 42}});
  rec.canary("canary: result set with a numeric cell", spec, "get", path + "/" + handle, 200,
             {{"statementHandle", handle}, {"data", {{1}}}});
  expect_all(run_spec_checks(rec.checks));
}

TEST(SpecValidation, DatabricksResponsesMatchJobsAndComputeDescriptions) {
  Harness h;
  Recorder rec;
  const std::string jobs = "databricks/jobs-2.1-aws.patched.yaml";
  const std::string compute = "databricks/stackql-third-party/compute.yaml";
  httplib::Headers pat = bearer(kDatabricksPat);
  h.client().Post(
      "/api/2.0/workspace/import", pat,
      Json{{"path", "/Shared/m"},
           {"format", "SOURCE"},
           {"language", "PYTHON"},
           {"content", base64_encode(model_source("model.p.m", "main.s.m", "databricks"))}}
          .dump(),
      "application/json");
  Json submit = {{"run_name", "spec"},
                 {"tasks",
                  {{{"task_key", "t"},
                    {"existing_cluster_id", kRunningCluster},
                    {"notebook_task", {{"notebook_path", "/Shared/m"}}}}}}};
  auto s = h.client().Post("/api/2.1/jobs/runs/submit", pat, submit.dump(), "application/json");
  rec.add("runs/submit", jobs, "post", "/api/2.1/jobs/runs/submit", s, "/api");
  long long run_id = json_of(s)["run_id"];
  rec.add("runs/get pending", jobs, "get", "/api/2.1/jobs/runs/get",
          h.client().Get(("/api/2.1/jobs/runs/get?run_id=" + std::to_string(run_id)).c_str(), pat),
          "/api");
  Resp done;
  eventually([&] {
    done = keep(
        h.client().Get(("/api/2.1/jobs/runs/get?run_id=" + std::to_string(run_id)).c_str(), pat));
    return done.body["state"]["life_cycle_state"] == "TERMINATED";
  });
  rec.add("runs/get terminated", jobs, "get", "/api/2.1/jobs/runs/get", done, "/api");
  long long task = done.body["tasks"][0]["run_id"];
  rec.add(
      "runs/get-output", jobs, "get", "/api/2.1/jobs/runs/get-output",
      h.client().Get(("/api/2.1/jobs/runs/get-output?run_id=" + std::to_string(task)).c_str(), pat),
      "/api");
  rec.add("runs/cancel", jobs, "post", "/api/2.1/jobs/runs/cancel",
          h.client().Post("/api/2.1/jobs/runs/cancel", pat, Json{{"run_id", run_id}}.dump(),
                          "application/json"),
          "/api");
  rec.canary("canary: run_id as a string", jobs, "get", "/api/2.1/jobs/runs/get", 200,
             {{"run_id", "455644833"}}, "/api");
  rec.canary("canary: bad life_cycle_state", jobs, "get", "/api/2.1/jobs/runs/get", 200,
             {{"state", {{"life_cycle_state", "DONE"}}}}, "/api");

  rec.add("clusters/get", compute, "get", "/api/2.1/clusters/get",
          h.client().Get(
              (std::string("/api/2.1/clusters/get?cluster_id=") + kRunningCluster).c_str(), pat));
  auto ctx = h.client().Post("/api/1.2/contexts/create", pat,
                             Json{{"clusterId", kRunningCluster}, {"language", "python"}}.dump(),
                             "application/json");
  rec.add("contexts/create", compute, "post", "/api/1.2/contexts/create", ctx);
  std::string cid = json_of(ctx)["id"];
  std::string sq =
      std::string("/api/1.2/contexts/status?clusterId=") + kRunningCluster + "&contextId=" + cid;
  eventually([&] { return json_of(h.client().Get(sq.c_str(), pat))["status"] == "Running"; });
  rec.add("contexts/status", compute, "get", "/api/1.2/contexts/status",
          h.client().Get(sq.c_str(), pat));
  auto cmd = h.client().Post("/api/1.2/commands/execute", pat,
                             Json{{"clusterId", kRunningCluster},
                                  {"contextId", cid},
                                  {"language", "python"},
                                  {"command", model_source("model.p.c", "main.s.c", "databricks")}}
                                 .dump(),
                             "application/json");
  rec.add("commands/execute", compute, "post", "/api/1.2/commands/execute", cmd);
  std::string cq = std::string("/api/1.2/commands/status?clusterId=") + kRunningCluster +
                   "&contextId=" + cid + "&commandId=" + std::string(json_of(cmd)["id"]);
  Resp finished;
  eventually([&] {
    finished = keep(h.client().Get(cq.c_str(), pat));
    return finished.body["status"] == "Finished";
  });
  rec.add("commands/status", compute, "get", "/api/1.2/commands/status", finished);
  rec.canary("canary: numeric command id", compute, "get", "/api/1.2/commands/status", 200,
             {{"id", 5}});
  expect_all(run_spec_checks(rec.checks));
}

TEST(SpecValidation, GoogleResponsesMatchDiscoveryDescriptions) {
  Harness h;
  Recorder rec;
  const std::string dataproc = "google/dataproc-v1.openapi.yaml";
  const std::string storage = "google/storage-v1.openapi.yaml";
  const std::string bigquery = "google/bigquery-v2.openapi.yaml";
  std::string token = h.google_token();
  httplib::Headers auth = bearer(token);
  const std::string b = kBucket;
  auto up =
      h.client().Post(("/upload/storage/v1/b/" + b + "/o?uploadType=media&name=m.py").c_str(), auth,
                      model_source("model.p.m", "test-project.d.m", "bigquery"), "text/x-python");
  rec.add("objects.insert media", storage, "post", "", up, "", "Object");
  rec.add("objects.get", storage, "get", "/storage/v1/b/" + b + "/o/m.py",
          h.client().Get(("/storage/v1/b/" + b + "/o/m.py").c_str(), auth), "/storage/v1");
  rec.add("buckets.get", storage, "get", "/storage/v1/b/" + b,
          h.client().Get(("/storage/v1/b/" + b).c_str(), auth), "/storage/v1");
  rec.add("objects.list", storage, "get", "/storage/v1/b/" + b + "/o",
          h.client().Get(("/storage/v1/b/" + b + "/o").c_str(), auth), "/storage/v1");
  rec.canary("canary: object size as a number", storage, "get", "", 200, {{"size", 5}}, "",
             "Object");

  const std::string batches =
      std::string("/v1/projects/") + kProject + "/locations/" + kRegion + "/batches";
  Json body = {{"pysparkBatch", {{"mainPythonFileUri", "gs://" + b + "/m.py"}}}};
  auto op = h.client().Post((batches + "?batchId=spec-batch-1").c_str(), auth, body.dump(),
                            "application/json");
  rec.add("batches.create", dataproc, "post", "", op, "", "Operation");
  Resp batch;
  eventually([&] {
    batch = keep(h.client().Get((batches + "/spec-batch-1").c_str(), auth));
    return batch.body["state"] == "SUCCEEDED";
  });
  rec.add("batches.get", dataproc, "get", "", batch, "", "Batch");
  rec.add("operations.get", dataproc, "get", "",
          h.client().Get(("/v1/" + std::string(json_of(op)["name"])).c_str(), auth), "",
          "Operation");
  rec.canary("canary: batch state outside the enum", dataproc, "get", "", 200, {{"state", "DONE"}},
             "", "Batch");
  const std::string region = std::string("/v1/projects/") + kProject + "/regions/" + kRegion;
  Json job = {{"job",
               {{"reference", {{"jobId", "spec-job-1"}}},
                {"placement", {{"clusterName", "sandbox-cluster"}}},
                {"pysparkJob", {{"mainPythonFileUri", "gs://" + b + "/m.py"}}}}}};
  rec.add("jobs.submit", dataproc, "post", region + "/jobs:submit",
          h.client().Post((region + "/jobs:submit").c_str(), auth, job.dump(), "application/json"));
  rec.add("jobs.cancel", dataproc, "post", region + "/jobs/spec-job-1:cancel",
          h.client().Post((region + "/jobs/spec-job-1:cancel").c_str(), auth, "{}",
                          "application/json"));
  Resp jd;
  eventually([&] {
    jd = keep(h.client().Get((region + "/jobs/spec-job-1").c_str(), auth));
    return jd.body["done"] == true;
  });
  rec.add("jobs.get", dataproc, "get", region + "/jobs/spec-job-1", jd);

  const std::string bq = std::string("/bigquery/v2/projects/") + kProject;
  Json q = {{"jobReference", {{"jobId", "spec-q-1"}}},
            {"configuration",
             {{"query",
               {{"query", "CREATE TABLE `test-project.d.t` AS SELECT 1 AS id"},
                {"useLegacySql", false}}}}}};
  rec.add("jobs.insert", bigquery, "post", bq + "/jobs",
          h.client().Post((bq + "/jobs").c_str(), auth, q.dump(), "application/json"),
          "/bigquery/v2");
  Resp qd;
  eventually([&] {
    qd = keep(h.client().Get((bq + "/jobs/spec-q-1").c_str(), auth));
    return qd.body["status"]["state"] == "DONE";
  });
  rec.add("jobs.get", bigquery, "get", bq + "/jobs/spec-q-1", qd, "/bigquery/v2");
  rec.add("jobs.cancel", bigquery, "post", bq + "/jobs/spec-q-1/cancel",
          h.client().Post((bq + "/jobs/spec-q-1/cancel").c_str(), auth, "", "application/json"),
          "/bigquery/v2");
  rec.add("tables.get", bigquery, "get", bq + "/datasets/d/tables/t",
          h.client().Get((bq + "/datasets/d/tables/t").c_str(), auth), "/bigquery/v2");
  rec.canary("canary: job state as a number", bigquery, "get", bq + "/jobs/x", 200,
             {{"status", {{"state", 1}}}}, "/bigquery/v2");
  expect_all(run_spec_checks(rec.checks));
}

}  // namespace
}  // namespace dbtpy::sandbox::testing
