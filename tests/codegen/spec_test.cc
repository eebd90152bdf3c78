// Every request of every golden payload (main and cleanup steps, status and cancel calls),
// with placeholders substituted, validates against the vendor's API description in
// ../shared/specs (or, where none is usable, the documented wire fields); and one
// deliberately wrong request per endpoint must FAIL, proving the check really runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "golden_cases.h"

namespace dbtpy::codegen::testing {
namespace {

namespace fs = std::filesystem;

Json handle_for(const std::string& kind) {
  if (kind == "snowflake_statement") return "01b2c3d4-0000-1111-2222-333344445555";
  if (kind == "databricks_run") return 455644833;
  if (kind == "databricks_context") return "8394856275012346789";
  if (kind == "databricks_command") return "c0ffee00d00d4e5a9c3b2a1908f7e6d5";
  if (kind == "databricks_cluster") return "0123-456789-abcdefgh";
  if (kind == "dataproc_batch")
    return "projects/acme-analytics/regions/us-central1/operations/op-1";
  if (kind == "dataproc_job") return "orders-1a2b3c4d-0f4e2b6a";
  return "dbtpy_merge_orders_0f4e2b6a";
}

Json request(const std::string& name, const std::string& method, const std::string& url,
             const Json& body, bool expect_valid) {
  return {{"name", name},
          {"method", method},
          {"url", url},
          {"body", body},
          {"expect_valid", expect_valid}};
}

// The concrete requests a submitter would send for one payload.
void add_payload_requests(const std::string& prefix, const Payload& p, Json& out) {
  PlaceholderValues v = sample_values(p);
  for (const auto& s : p.steps) {
    Json body = s.json_body ? substitute_json(*s.json_body, v) : Json();
    out.push_back(request(prefix + "/" + s.name, s.method, substitute_url(s.url, v), body, true));
    if (s.follow.kind.empty()) continue;
    PlaceholderValues fv = v;
    fv.values["HANDLE"] = handle_for(s.follow.kind);
    out.push_back(request(prefix + "/" + s.name + "#status", "GET",
                          substitute_url(s.follow.status_url, fv), Json(), true));
    if (!s.follow.cancel_url.empty()) {
      Json cbody = s.follow.cancel_body ? substitute_json(*s.follow.cancel_body, fv) : Json();
      out.push_back(request(prefix + "/" + s.name + "#cancel", s.follow.cancel_method,
                            substitute_url(s.follow.cancel_url, fv), cbody, true));
    }
  }
}

// One wrong request per endpoint: each must be rejected.
void add_canaries(Json& out) {
  const std::string sf = "https://acct.snowflakecomputing.com/api/v2/statements";
  const std::string db = "https://dbc.cloud.databricks.com";
  const std::string dp = "https://us-central1-dataproc.googleapis.com/v1/projects/p";
  const std::string bq = "https://bigquery.googleapis.com/bigquery/v2/projects/p/jobs";
  out.push_back(request("canary/snowflake_body", "POST",
                        sf + "?requestId=" + request_id("r", "m", "s"),
                        {{"statement", 5}, {"timeout", -1}}, false));
  out.push_back(request("canary/snowflake_request_id", "POST", sf + "?requestId=not-a-uuid",
                        {{"statement", "select 1"}}, false));
  out.push_back(request("canary/runs_submit", "POST", db + "/api/2.1/jobs/runs/submit",
                        {{"run_name", 5}, {"tasks", {{{"notebook_task", {{"notebook_path", 7}}}}}}},
                        false));
  out.push_back(request("canary/runs_cancel", "POST", db + "/api/2.1/jobs/runs/cancel",
                        {{"run_id", "not-a-number"}}, false));
  out.push_back(request("canary/jobs_create", "POST", db + "/api/2.1/jobs/create",
                        {{"name", 5}, {"tasks", "x"}}, false));
  out.push_back(request("canary/jobs_reset", "POST", db + "/api/2.1/jobs/reset",
                        {{"new_settings", Json::object()}}, false));
  out.push_back(
      request("canary/run_now", "POST", db + "/api/2.1/jobs/run-now", {{"job_id", "abc"}}, false));
  out.push_back(
      request("canary/jobs_list", "GET", db + "/api/2.1/jobs/list?limit=x", Json(), false));
  out.push_back(
      request("canary/runs_get", "GET", db + "/api/2.1/jobs/runs/get?run_id=abc", Json(), false));
  out.push_back(request("canary/contexts_create", "POST", db + "/api/1.2/contexts/create",
                        {{"clusterId", 5}, {"language", "python"}}, false));
  out.push_back(request("canary/contexts_destroy", "POST", db + "/api/1.2/contexts/destroy",
                        {{"clusterId", "c"}}, false));
  out.push_back(request("canary/contexts_status", "GET",
                        db + "/api/1.2/contexts/status?clusterId=c", Json(), false));
  out.push_back(request("canary/commands_execute", "POST", db + "/api/1.2/commands/execute",
                        {{"clusterId", "c"}, {"contextId", "x"}, {"language", "Python"}}, false));
  out.push_back(request("canary/commands_status", "GET",
                        db + "/api/1.2/commands/status?clusterId=c&contextId=x", Json(), false));
  out.push_back(request("canary/commands_cancel", "POST", db + "/api/1.2/commands/cancel",
                        {{"clusterId", "c"}, {"contextId", "x"}, {"command_id", "y"}}, false));
  out.push_back(
      request("canary/mkdirs", "POST", db + "/api/2.0/workspace/mkdirs", {{"path", 42}}, false));
  out.push_back(request("canary/import", "POST", db + "/api/2.0/workspace/import",
                        {{"path", "/x"},
                         {"content", "!!"},
                         {"format", "SOURCE"},
                         {"language", "PYTHON"},
                         {"overwrite", "true"}},
                        false));
  out.push_back(request("canary/workspace_delete", "POST", db + "/api/2.0/workspace/delete",
                        {{"path", "/x"}, {"recursive", "no"}}, false));
  out.push_back(request("canary/clusters_get", "GET", db + "/api/2.0/clusters/get", Json(), false));
  out.push_back(request("canary/batches_create", "POST",
                        dp + "/locations/us-central1/batches?batchId=b-1",
                        {{"pysparkBatch", {{"mainPythonFileUri", 123}}}, {"labels", "x"}}, false));
  out.push_back(request("canary/batches_get", "GET",
                        dp + "/locations/us-central1/batches/b?alt=xml", Json(), false));
  out.push_back(request("canary/operations_cancel", "POST",
                        dp + "/regions/us-central1/operations/op-1:cancel?alt=xml", Json::object(),
                        false));
  out.push_back(request("canary/jobs_submit", "POST", dp + "/regions/us-central1/jobs:submit",
                        {{"job",
                          {{"placement", {{"clusterName", 7}}},
                           {"pysparkJob", {{"mainPythonFileUri", 1}, {"args", "x"}}}}}},
                        false));
  out.push_back(
      request("canary/jobs_get", "GET", dp + "/regions/us-central1/jobs/j?alt=xml", Json(), false));
  out.push_back(request("canary/bigquery_insert", "POST", bq,
                        {{"configuration", {{"labels", "x"}, {"query", {{"query", 5}}}}}}, false));
  out.push_back(request("canary/bigquery_get", "GET", bq + "/j?alt=xml", Json(), false));
  out.push_back(request("canary/gcs_upload", "POST",
                        "https://storage.googleapis.com/upload/storage/v1/b/bkt/o?uploadType=stream"
                        "&name=x.py",
                        Json(), false));
  out.push_back(request("canary/gcs_delete", "DELETE",
                        "https://storage.googleapis.com/storage/v1/b/bkt/o/x.py?prettyPrint=maybe",
                        Json(), false));
}

TEST(VendorSpecs, EveryRequestValidatesAndEveryCanaryFails) {
  std::string py = python3();
  if (py.empty()) GTEST_SKIP() << "/usr/bin/python3 not found";
  if (!fs::exists(fs::path(DBTPY_SHARED_DIR) / "specs"))
    GTEST_SKIP() << "vendor descriptions not found under " << DBTPY_SHARED_DIR;
  Json requests = Json::array();
  for (const auto& c : golden_cases())
    add_payload_requests(c.name, c.make().generate(), requests);
  size_t real = requests.size();
  add_canaries(requests);
  fs::path in = fs::path(DBTPY_BINARY_DIR) / "tests" / "codegen" / "spec_requests.json";
  write_text(in.string(), requests.dump(1));
  std::string output;
  int rc = run_command(py + " '" + DBTPY_SOURCE_DIR + "/tests/codegen/tools/spec_check.py' '" +
                           in.string() + "' '" + DBTPY_SHARED_DIR + "/specs' 2>/dev/null",
                       output);
  ASSERT_EQ(rc, 0) << output;
  Json results = Json::parse(output);
  ASSERT_EQ(results.size(), requests.size());
  std::map<std::string, int> endpoints;
  for (size_t i = 0; i < results.size(); ++i) {
    const Json& r = results[i];
    bool expect = requests[i]["expect_valid"].get<bool>();
    EXPECT_EQ(r["valid"].get<bool>(), expect)
        << r["name"] << " (" << requests[i]["method"] << " " << requests[i]["url"] << ")\n"
        << r.dump(1);
    if (i < real && !r["checked_by"].is_null()) endpoints[r["checked_by"].get<std::string>()]++;
  }
  // Every endpoint family is exercised by real requests.
  EXPECT_GE(endpoints.size(), 20u);
  for (const auto& [e, n] : endpoints)
    std::cout << "  " << n << " x " << e << "\n";
}

}  // namespace
}  // namespace dbtpy::codegen::testing
