// Contract tests of the Google Cloud stand-in: the OAuth token endpoint, Cloud Storage
// uploads and reads, Dataproc batches/operations/jobs, BigQuery jobs and tables.
#include <gtest/gtest.h>

#include "sandbox/google/gcs_store.h"
#include "sandbox/http/params.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "util/base64.h"

namespace dbtpy::sandbox::testing {
namespace {

httplib::Result token_request(Harness& h, const std::string& form) {
  return h.client().Post("/token", form, "application/x-www-form-urlencoded");
}

std::string jwt_grant(const std::string& assertion) {
  return "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion;
}

void upload(Harness& h, const std::string& token, const std::string& name,
            const std::string& data) {
  auto r = h.client().Post(
      ("/upload/storage/v1/b/" + std::string(kBucket) + "/o?uploadType=media&name=" + name).c_str(),
      bearer(token), data, "text/x-python");
  ASSERT_EQ(r->status, 200) << r->body;
}

const std::string kBatches =
    std::string("/v1/projects/") + kProject + "/locations/" + kRegion + "/batches";
const std::string kRegionPath = std::string("/v1/projects/") + kProject + "/regions/" + kRegion;

Json batch_body(const std::string& main) {
  return {{"pysparkBatch", {{"mainPythonFileUri", "gs://" + std::string(kBucket) + "/" + main}}},
          {"runtimeConfig", {{"version", "2.2"}}},
          {"labels", {{"dbt_model", "orders"}}}};
}

TEST(GoogleOAuth, ServiceAccountAssertionIsExchangedForAToken) {
  Harness h;
  auto r = token_request(h, jwt_grant(google_assertion(h.url() + "/token")));
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = json_of(r);
  EXPECT_EQ(j["token_type"], "Bearer");
  EXPECT_TRUE(j["expires_in"].is_number_integer());
  EXPECT_EQ(j["access_token"].get<std::string>().rfind("ya29.", 0), 0u);
}

TEST(GoogleOAuth, BadAssertionsGetGooglesErrors) {
  Harness h;
  const std::string aud = h.url() + "/token";
  auto sig = token_request(h, jwt_grant(google_assertion(aud, {}, keys().snowflake.get())));
  EXPECT_EQ(sig->status, 400);
  EXPECT_EQ(json_of(sig)["error"], "invalid_grant");
  EXPECT_EQ(json_of(sig)["error_description"], "Invalid JWT Signature.");
  auto wrong_aud =
      token_request(h, jwt_grant(google_assertion("https://oauth2.googleapis.com/token")));
  EXPECT_NE(json_of(wrong_aud)["error_description"].get<std::string>().find("audience"),
            std::string::npos);
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  auto long_lived =
      token_request(h, jwt_grant(google_assertion(aud, {{"iat", now}, {"exp", now + 7200}})));
  EXPECT_NE(json_of(long_lived)["error_description"].get<std::string>().find("short-lived"),
            std::string::npos);
  auto no_scope = token_request(h, jwt_grant(google_assertion(aud, {{"scope", ""}})));
  EXPECT_EQ(json_of(no_scope)["error"], "invalid_scope");
  auto stranger =
      token_request(h, jwt_grant(google_assertion(aud, {{"iss", "x@y.iam.gserviceaccount.com"}})));
  EXPECT_EQ(json_of(stranger)["error"], "invalid_grant");
  auto grant = token_request(h, "grant_type=password");
  EXPECT_EQ(json_of(grant)["error"], "unsupported_grant_type");
  auto json = h.client().Post("/token", "{}", "application/json");
  EXPECT_EQ(json->status, 400);
}

TEST(GoogleOAuth, RefreshTokenGrant) {
  Harness h;
  auto ok = token_request(h,
                          "grant_type=refresh_token&client_id=user-client&client_secret=user-"
                          "secret&refresh_token=rt-1");
  ASSERT_EQ(ok->status, 200) << ok->body;
  auto bad = token_request(h,
                           "grant_type=refresh_token&client_id=user-client&client_secret=user-"
                           "secret&refresh_token=rt-2");
  EXPECT_EQ(json_of(bad)["error"], "invalid_grant");
  auto client =
      token_request(h, "grant_type=refresh_token&client_id=x&client_secret=y&refresh_token=rt-1");
  EXPECT_EQ(client->status, 401);
  EXPECT_EQ(json_of(client)["error"], "invalid_client");
}

TEST(GoogleApis, RequireAValidTokenWithTheRightScope) {
  Harness h;
  auto none = h.client().Get((std::string("/storage/v1/b/") + kBucket).c_str());
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json_of(none)["error"]["errors"][0]["reason"], "authError");
  auto dp = h.client().Get((kBatches + "/x").c_str(), bearer("ya29.unknown"));
  EXPECT_EQ(dp->status, 401);
  EXPECT_EQ(json_of(dp)["error"]["status"], "UNAUTHENTICATED");
  // A token scoped for BigQuery alone cannot use Dataproc.
  auto r = token_request(
      h, jwt_grant(google_assertion(h.url() + "/token",
                                    {{"scope", "https://www.googleapis.com/auth/bigquery"}})));
  std::string bq_only = json_of(r)["access_token"];
  auto denied = h.client().Get((kBatches + "/x").c_str(), bearer(bq_only));
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(json_of(denied)["error"]["details"][0]["reason"], "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
}

TEST(GoogleStorage, MediaUploadAndReadBack) {
  Harness h;
  std::string token = h.google_token();
  const std::string data = "print('hello')\n";
  auto r = h.client().Post(
      ("/upload/storage/v1/b/" + std::string(kBucket) + "/o?uploadType=media&name=models%2Fm.py")
          .c_str(),
      bearer(token), data, "text/x-python");
  ASSERT_EQ(r->status, 200) << r->body;
  Json o = json_of(r);
  EXPECT_EQ(o["kind"], "storage#object");
  EXPECT_EQ(o["name"], "models/m.py");
  EXPECT_EQ(o["size"], std::to_string(data.size()));
  EXPECT_TRUE(o["generation"].is_string());
  EXPECT_EQ(o["md5Hash"], google::md5_base64(data));
  EXPECT_EQ(o["crc32c"], google::crc32c_base64(data));
  auto meta = h.client().Get(("/storage/v1/b/" + std::string(kBucket) + "/o/models%2Fm.py").c_str(),
                             bearer(token));
  EXPECT_EQ(json_of(meta)["contentType"], "text/x-python");
  auto media = h.client().Get(
      ("/storage/v1/b/" + std::string(kBucket) + "/o/models%2Fm.py?alt=media").c_str(),
      bearer(token));
  EXPECT_EQ(media->body, data);
  EXPECT_NE(media->get_header_value("x-goog-hash").find("crc32c="), std::string::npos);
  auto missing =
      h.client().Get(("/storage/v1/b/" + std::string(kBucket) + "/o/none").c_str(), bearer(token));
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json_of(missing)["error"]["errors"][0]["reason"], "notFound");
  auto nobucket = h.client().Get("/storage/v1/b/no-such-bucket", bearer(token));
  EXPECT_EQ(nobucket->status, 404);
  EXPECT_EQ(json_of(h.client().Get(("/storage/v1/b/" + std::string(kBucket)).c_str(),
                                   bearer(token)))["name"],
            kBucket);
  // ifGenerationMatch=0: create only if absent.
  auto again = h.client().Post(("/upload/storage/v1/b/" + std::string(kBucket) +
                                "/o?uploadType=media&name=models%2Fm.py&ifGenerationMatch=0")
                                   .c_str(),
                               bearer(token), data, "text/x-python");
  EXPECT_EQ(again->status, 412);
  auto del = h.client().Delete(
      ("/storage/v1/b/" + std::string(kBucket) + "/o/models%2Fm.py").c_str(), bearer(token));
  EXPECT_EQ(del->status, 204);
  EXPECT_EQ(
      h.client()
          .Post(("/upload/storage/v1/b/" + std::string(kBucket) + "/o?uploadType=media").c_str(),
                bearer(token), data, "text/x-python")
          ->status,
      400);
}

TEST(GoogleStorage, CrcMatchesTheKnownVector) {
  // RFC 3720 B.4: CRC32C of 32 zero bytes is 0x8A9136AA.
  EXPECT_EQ(google::crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(google::crc32c("123456789"), 0xE3069283u);
}

TEST(GoogleStorage, MultipartUpload) {
  Harness h;
  std::string token = h.google_token();
  std::string body =
      "--b0undary\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
      R"({"name":"models/multi.py","metadata":{"dbt":"yes"}})"
      "\r\n--b0undary\r\nContent-Type: text/x-python\r\n\r\nx = 1\n\r\n--b0undary--\r\n";
  auto r = h.client().Post(
      ("/upload/storage/v1/b/" + std::string(kBucket) + "/o?uploadType=multipart").c_str(),
      bearer(token), body, "multipart/related; boundary=b0undary");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["name"], "models/multi.py");
  EXPECT_EQ(json_of(r)["size"], "6");
  EXPECT_EQ(json_of(r)["metadata"]["dbt"], "yes");
}

TEST(GoogleStorage, ResumableSessionAnswers308UntilComplete) {
  Harness h;
  std::string token = h.google_token();
  auto init = h.client().Post(
      ("/upload/storage/v1/b/" + std::string(kBucket) + "/o?uploadType=resumable").c_str(),
      bearer(token), R"({"name":"big/file.py"})", "application/json");
  ASSERT_EQ(init->status, 200) << init->body;
  std::string location = init->get_header_value("Location");
  ASSERT_EQ(location.rfind(h.url(), 0), 0u);
  std::string session = location.substr(h.url().size());
  std::string data(1000, 'a');
  auto put = [&](const std::string& range, const std::string& chunk) {
    httplib::Headers hd = bearer(token);
    hd.emplace("Content-Range", range);
    return h.client().Put(session.c_str(), hd, chunk, "application/octet-stream");
  };
  auto part = put("bytes 0-399/*", data.substr(0, 400));
  ASSERT_EQ(part->status, 308);
  EXPECT_EQ(part->get_header_value("Range"), "bytes=0-399");
  EXPECT_FALSE(part->has_header("Location"));
  auto status = put("bytes */*", "");
  EXPECT_EQ(status->status, 308);
  auto gap = put("bytes 500-599/1000", data.substr(500, 100));
  EXPECT_EQ(gap->status, 400);
  // A resent chunk overlapping persisted bytes is accepted.
  auto overlap = put("bytes 300-699/1000", data.substr(300, 400));
  EXPECT_EQ(overlap->status, 308);
  EXPECT_EQ(overlap->get_header_value("Range"), "bytes=0-699");
  auto last = put("bytes 700-999/1000", data.substr(700));
  ASSERT_EQ(last->status, 200) << last->body;
  EXPECT_EQ(json_of(last)["size"], "1000");
  EXPECT_EQ(json_of(last)["md5Hash"], google::md5_base64(data));
  EXPECT_EQ(put("bytes */1000", "")->status, 200);
  httplib::Headers hd = bearer(token);
  EXPECT_EQ(h.client()
                .Put(("/upload/storage/v1/b/" + std::string(kBucket) +
                      "/o?uploadType=resumable&upload_id=nope")
                         .c_str(),
                     hd, "x", "application/octet-stream")
                ->status,
            404);
}

TEST(Dataproc, BatchRunsFromPendingToSucceededAndWritesDriverOutput) {
  Harness h(
      test_config("rules:\n  - match: model.jaffle.orders\n    startup_delay: 1s\n"
                  "    duration: 1s\n    stdout: [wrote 12 rows]\n"
                  "    columns: [{name: id, type: INT64}]\n"));
  std::string token = h.google_token();
  upload(h, token, "models/orders.py",
         model_source("model.jaffle.orders", "test-project.analytics.orders", "bigquery"));
  auto r =
      h.client().Post((kBatches + "?batchId=dbt-orders-1&requestId=req-1").c_str(), bearer(token),
                      batch_body("models/orders.py").dump(), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  Json op = json_of(r);
  EXPECT_EQ(op["done"], false);
  EXPECT_EQ(op["metadata"]["@type"],
            "type.googleapis.com/google.cloud.dataproc.v1.BatchOperationMetadata");
  EXPECT_EQ(op["name"].get<std::string>().rfind(
                std::string("projects/") + kProject + "/regions/" + kRegion + "/operations/", 0),
            0u);
  std::set<std::string> states;
  Json batch;
  eventually([&] {
    batch = json_of(h.client().Get((kBatches + "/dbt-orders-1").c_str(), bearer(token)));
    states.insert(batch["state"].get<std::string>());
    return batch["state"] == "SUCCEEDED";
  });
  EXPECT_TRUE(states.count("PENDING"));
  EXPECT_TRUE(states.count("RUNNING"));
  std::string out_uri = batch["runtimeInfo"]["outputUri"];
  ASSERT_EQ(out_uri.rfind("gs://", 0), 0u);
  std::string bucket = out_uri.substr(5, out_uri.find('/', 5) - 5);
  std::string object = out_uri.substr(out_uri.find('/', 5) + 1) + ".000000000";
  auto media = h.client().Get(
      ("/storage/v1/b/" + bucket + "/o/" + url_encode(object) + "?alt=media").c_str(),
      bearer(token));
  ASSERT_EQ(media->status, 200) << media->body;
  EXPECT_NE(media->body.find("wrote 12 rows"), std::string::npos);
  Json done =
      json_of(h.client().Get(("/v1/" + op["name"].get<std::string>()).c_str(), bearer(token)));
  EXPECT_EQ(done["done"], true);
  EXPECT_EQ(done["response"]["@type"], "type.googleapis.com/google.cloud.dataproc.v1.Batch");
  // The relation is visible to BigQuery.
  auto table = h.client().Get(
      (std::string("/bigquery/v2/projects/") + kProject + "/datasets/analytics/tables/orders")
          .c_str(),
      bearer(token));
  ASSERT_EQ(table->status, 200) << table->body;
  EXPECT_EQ(json_of(table)["schema"]["fields"][0]["name"], "id");
}

TEST(Dataproc, RequestIdReplaysAndBatchIdConflicts) {
  Harness h;
  std::string token = h.google_token();
  upload(h, token, "m.py", model_source("model.j.m", "test-project.a.m", "bigquery"));
  std::string body = batch_body("m.py").dump();
  auto first = h.client().Post((kBatches + "?batchId=dbt-m-1&requestId=same-request").c_str(),
                               bearer(token), body, "application/json");
  auto replay = h.client().Post((kBatches + "?batchId=dbt-m-1&requestId=same-request").c_str(),
                                bearer(token), body, "application/json");
  ASSERT_EQ(replay->status, 200);
  EXPECT_EQ(json_of(replay)["name"], json_of(first)["name"]);
  auto conflict = h.client().Post((kBatches + "?batchId=dbt-m-1&requestId=other").c_str(),
                                  bearer(token), body, "application/json");
  EXPECT_EQ(conflict->status, 409);
  EXPECT_EQ(json_of(conflict)["error"]["status"], "ALREADY_EXISTS");
  EXPECT_EQ(h.stats()["executions"]["dataproc"], 1);
  EXPECT_EQ(
      h.client()
          .Post((kBatches + "?batchId=Bad_ID").c_str(), bearer(token), body, "application/json")
          ->status,
      400);
  EXPECT_EQ(h.client()
                .Post((kBatches + "?batchId=abc").c_str(), bearer(token), body, "application/json")
                ->status,
            400);
  Json unknown = batch_body("m.py");
  unknown["pysparkBatch"]["mainPythonFile"] = "gs://x/y.py";
  auto u = h.client().Post((kBatches + "?batchId=dbt-m-2").c_str(), bearer(token), unknown.dump(),
                           "application/json");
  EXPECT_EQ(u->status, 400);
  EXPECT_NE(
      json_of(u)["error"]["message"].get<std::string>().find("Unknown name \"mainPythonFile\""),
      std::string::npos);
  Json staging = batch_body("m.py");
  staging["environmentConfig"] = {{"executionConfig", {{"stagingBucket", "gs://bucket"}}}};
  EXPECT_EQ(h.client()
                .Post((kBatches + "?batchId=dbt-m-3").c_str(), bearer(token), staging.dump(),
                      "application/json")
                ->status,
            400);
  EXPECT_EQ(h.client()
                .Post((std::string("/v1/projects/other/locations/") + kRegion + "/batches").c_str(),
                      bearer(token), body, "application/json")
                ->status,
            403);
}

TEST(Dataproc, FailedAndCancelledBatches) {
  Harness h(test_config(
      "rules:\n  - match: model.j.bad\n    fail: true\n    message: 'ValueError: bad rows'\n"
      "  - match: model.j.slow\n    duration: 5s\n"));
  std::string token = h.google_token();
  upload(h, token, "bad.py", model_source("model.j.bad", "test-project.a.bad", "bigquery"));
  upload(h, token, "slow.py", model_source("model.j.slow", "test-project.a.slow", "bigquery"));
  h.client().Post((kBatches + "?batchId=dbt-bad-1").c_str(), bearer(token),
                  batch_body("bad.py").dump(), "application/json");
  Json bad;
  eventually([&] {
    bad = json_of(h.client().Get((kBatches + "/dbt-bad-1").c_str(), bearer(token)));
    return bad["state"] == "FAILED";
  });
  EXPECT_NE(bad["stateMessage"].get<std::string>().find("ValueError: bad rows"), std::string::npos);
  auto op = json_of(h.client().Post((kBatches + "?batchId=dbt-slow-1").c_str(), bearer(token),
                                    batch_body("slow.py").dump(), "application/json"));
  auto cancel = h.client().Post(("/v1/" + op["name"].get<std::string>() + ":cancel").c_str(),
                                bearer(token), "{}", "application/json");
  ASSERT_EQ(cancel->status, 200) << cancel->body;
  Json slow;
  eventually([&] {
    slow = json_of(h.client().Get((kBatches + "/dbt-slow-1").c_str(), bearer(token)));
    return slow["state"] == "CANCELLED";
  });
  EXPECT_EQ(slow["state"], "CANCELLED");
  EXPECT_FALSE(h.relations().value("bigquery", Json::object()).contains("test-project.a.slow"));
  EXPECT_EQ(h.client()
                .Post(("/v1/" + op["name"].get<std::string>() + ":cancel").c_str(), bearer(token),
                      "{}", "application/json")
                ->status,
            400);
  // A main file that is not in Cloud Storage fails the batch.
  h.client().Post((kBatches + "?batchId=dbt-gone-1").c_str(), bearer(token),
                  batch_body("gone.py").dump(), "application/json");
  Json gone;
  eventually([&] {
    gone = json_of(h.client().Get((kBatches + "/dbt-gone-1").c_str(), bearer(token)));
    return gone["state"] == "FAILED";
  });
  EXPECT_NE(gone["stateMessage"].get<std::string>().find("does not exist"), std::string::npos);
}

TEST(Dataproc, ClusterJobsSubmitGetAndCancel) {
  Harness h(test_config("rules:\n  - match: model.j.slow\n    duration: 5s\n"));
  std::string token = h.google_token();
  upload(h, token, "fast.py", model_source("model.j.fast", "test-project.a.fast", "bigquery"));
  upload(h, token, "slow.py", model_source("model.j.slow", "test-project.a.slow", "bigquery"));
  auto job = [&](const std::string& id, const std::string& file, const std::string& request) {
    Json body = {
        {"job",
         {{"reference", {{"jobId", id}}},
          {"placement", {{"clusterName", "sandbox-cluster"}}},
          {"pysparkJob", {{"mainPythonFileUri", "gs://" + std::string(kBucket) + "/" + file}}}}},
        {"requestId", request}};
    return h.client().Post((kRegionPath + "/jobs:submit").c_str(), bearer(token), body.dump(),
                           "application/json");
  };
  auto r = job("dbt-fast-1", "fast.py", "r-fast");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["status"]["state"], "PENDING") << r->body;
  EXPECT_EQ(json_of(job("dbt-fast-1", "fast.py", "r-fast"))["jobUuid"], json_of(r)["jobUuid"]);
  EXPECT_EQ(job("dbt-fast-1", "fast.py", "r-other")->status, 409);
  Json done;
  eventually([&] {
    done = json_of(h.client().Get((kRegionPath + "/jobs/dbt-fast-1").c_str(), bearer(token)));
    return done["status"]["state"] == "DONE";
  });
  EXPECT_EQ(done["done"], true);
  EXPECT_GE(done["statusHistory"].size(), 2u);
  EXPECT_EQ(done["statusHistory"][0]["state"], "PENDING");
  EXPECT_NE(
      done["driverOutputResourceUri"].get<std::string>().find("/jobs/dbt-fast-1/driveroutput"),
      std::string::npos);
  ASSERT_EQ(job("dbt-slow-1", "slow.py", "r-slow")->status, 200);
  auto c = h.client().Post((kRegionPath + "/jobs/dbt-slow-1:cancel").c_str(), bearer(token), "{}",
                           "application/json");
  ASSERT_EQ(c->status, 200);
  EXPECT_EQ(json_of(c)["status"]["state"], "CANCEL_PENDING");
  EXPECT_TRUE(eventually([&] {
    return json_of(h.client().Get((kRegionPath + "/jobs/dbt-slow-1").c_str(),
                                  bearer(token)))["status"]["state"] == "CANCELLED";
  }));
  Json no_cluster = {{"job",
                      {{"placement", {{"clusterName", "nope"}}},
                       {"pysparkJob", {{"mainPythonFileUri", "gs://b/x.py"}}}}}};
  EXPECT_EQ(h.client()
                .Post((kRegionPath + "/jobs:submit").c_str(), bearer(token), no_cluster.dump(),
                      "application/json")
                ->status,
            404);
}

TEST(BigQuery, MergeJobsFollowTheCatalog) {
  Harness h;
  std::string token = h.google_token();
  const std::string jobs = std::string("/bigquery/v2/projects/") + kProject + "/jobs";
  auto insert = [&](const std::string& id, const std::string& sql, bool legacy = false) {
    Json body = {{"jobReference", {{"projectId", kProject}, {"jobId", id}, {"location", "US"}}},
                 {"configuration", {{"query", {{"query", sql}}}}}};
    if (!legacy) body["configuration"]["query"]["useLegacySql"] = false;
    return h.client().Post(jobs.c_str(), bearer(token), body.dump(), "application/json");
  };
  auto wait_job = [&](const std::string& id) {
    Json j;
    eventually([&] {
      j = json_of(h.client().Get((jobs + "/" + id + "?location=US").c_str(), bearer(token)));
      return j["status"]["state"] == "DONE";
    });
    return j;
  };
  const std::string merge =
      "MERGE INTO `test-project.analytics.orders` T USING "
      "`test-project.analytics.orders__dbt_tmp` S ON T.id = S.id "
      "WHEN NOT MATCHED THEN INSERT ROW";
  ASSERT_EQ(insert("merge-1", merge)->status, 200);
  Json missing = wait_job("merge-1");
  EXPECT_EQ(missing["status"]["errorResult"]["reason"], "notFound");
  // Once the staging table exists, the merge succeeds and the script's DROP removes it.
  ASSERT_EQ(
      insert("stage-1", "CREATE TABLE `test-project.analytics.orders__dbt_tmp` AS SELECT 1 AS id")
          ->status,
      200);
  EXPECT_FALSE(wait_job("stage-1")["status"].contains("errorResult"));
  auto r = insert("merge-2",
                  merge + ";\nDROP TABLE IF EXISTS `test-project.analytics.orders__dbt_tmp`;");
  ASSERT_EQ(r->status, 200) << r->body;
  Json first = json_of(r);
  EXPECT_TRUE(first["status"]["state"] == "RUNNING" || first["status"]["state"] == "PENDING");
  EXPECT_EQ(first["id"], std::string(kProject) + ":US.merge-2");
  Json done = wait_job("merge-2");
  EXPECT_FALSE(done["status"].contains("errorResult")) << done.dump();
  EXPECT_EQ(done["statistics"]["query"]["statementType"], "SCRIPT");
  Json rel = h.relations()["bigquery"];
  EXPECT_TRUE(rel.contains("test-project.analytics.orders"));
  EXPECT_FALSE(rel.contains("test-project.analytics.orders__dbt_tmp"));
  auto dup = insert("merge-2", merge);
  EXPECT_EQ(dup->status, 409);
  EXPECT_EQ(json_of(dup)["error"]["errors"][0]["reason"], "duplicate");
  // jobs.insert defaults to legacy SQL, where a MERGE does not parse.
  insert("legacy-1", merge, true);
  EXPECT_EQ(wait_job("legacy-1")["status"]["errorResult"]["reason"], "invalidQuery");
  EXPECT_EQ(h.client().Get((jobs + "/nope?location=US").c_str(), bearer(token))->status, 404);
  auto table = h.client().Get(
      (std::string("/bigquery/v2/projects/") + kProject + "/datasets/analytics/tables/none")
          .c_str(),
      bearer(token));
  EXPECT_EQ(table->status, 404);
  EXPECT_EQ(json_of(table)["error"]["errors"][0]["reason"], "notFound");
  Json no_config = {{"jobReference", {{"jobId", "x1"}}}};
  EXPECT_EQ(
      h.client().Post(jobs.c_str(), bearer(token), no_config.dump(), "application/json")->status,
      400);
}

TEST(BigQuery, CancelStopsAJob) {
  Harness h(test_config("rules:\n  - match: '*'\n    platform: bigquery\n    duration: 5s\n"));
  std::string token = h.google_token();
  const std::string jobs = std::string("/bigquery/v2/projects/") + kProject + "/jobs";
  Json body = {
      {"jobReference", {{"jobId", "slow-1"}}},
      {"configuration",
       {{"query",
         {{"query", "CREATE TABLE `test-project.a.t` AS SELECT 1"}, {"useLegacySql", false}}}}}};
  ASSERT_EQ(h.client().Post(jobs.c_str(), bearer(token), body.dump(), "application/json")->status,
            200);
  auto c =
      h.client().Post((jobs + "/slow-1/cancel").c_str(), bearer(token), "", "application/json");
  ASSERT_EQ(c->status, 200);
  EXPECT_EQ(json_of(c)["kind"], "bigquery#jobCancelResponse");
  Json j;
  eventually([&] {
    j = json_of(h.client().Get((jobs + "/slow-1").c_str(), bearer(token)));
    return j["status"]["state"] == "DONE";
  });
  EXPECT_EQ(j["status"]["errorResult"]["reason"], "stopped");
  EXPECT_FALSE(h.relations().value("bigquery", Json::object()).contains("test-project.a.t"));
}

TEST(GoogleErrors, UnknownUrlsGetGooglesHtml404) {
  Harness h;
  auto r = h.client().Get("/v1/projects/p/nothing");
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/html"), std::string::npos);
}

}  // namespace
}  // namespace dbtpy::sandbox::testing
