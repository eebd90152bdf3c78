// Building the exact request of a payload step, its ledger record and the record's replay.
#include "submitters/step_request.h"

#include <gtest/gtest.h>

namespace dbtpy::submitters {
namespace {

codegen::Payload payload_with_file() {
  codegen::Payload p;
  p.unique_id = "model.jaffle.orders";
  p.files = {{"model.py", "print('hi')\n", "text/x-python"}};
  return p;
}

TEST(BuildRequest, SubstitutesUrlHeadersAndBodyKeepingTypes) {
  codegen::Payload p = payload_with_file();
  codegen::RequestStep s;
  s.name = "submit_run";
  s.method = "post";
  s.url = "https://h/api/2.1/jobs/runs/submit?x=${RUN_ID}";
  s.headers = {{"Accept", "application/json"}, {"X-Run", "${RUN_ID}"}};
  s.json_body = Json{{"run_id", "${JOB_ID}"},
                     {"code", "${FILE_TEXT:model.py}"},
                     {"idempotency_token", "${REQUEST_ID}"},
                     {"literal", "$${NOT_A_PLACEHOLDER}"}};
  s.idempotency = {"body:/idempotency_token", "${REQUEST_ID}"};
  codegen::PlaceholderValues v;
  v.payload = &p;
  v.values = {{"RUN_ID", "r 1"}, {"JOB_ID", 42}, {"REQUEST_ID", "req"}};
  http::HttpRequest r = build_request(s, v);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://h/api/2.1/jobs/runs/submit?x=r%201");
  EXPECT_EQ(r.header("X-Run").value_or(""), "r 1");
  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json");
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["run_id"], 42);  // a whole-string placeholder keeps the value's type
  EXPECT_EQ(body["code"], "print('hi')\n");
  EXPECT_EQ(body["literal"], "${NOT_A_PLACEHOLDER}");
  EXPECT_EQ(r.idempotency, http::Idempotency::kIdempotent);
}

TEST(BuildRequest, RawBodyFileAndIdempotencyOfEachLocation) {
  codegen::Payload p = payload_with_file();
  codegen::RequestStep s;
  s.method = "POST";
  s.url = "https://storage/upload/storage/v1/b/b/o?uploadType=media&name=x";
  s.body_file = "model.py";
  s.content_type = "text/x-python";
  s.idempotency = {"natural", ""};
  codegen::PlaceholderValues v;
  v.payload = &p;
  http::HttpRequest r = build_request(s, v);
  EXPECT_EQ(r.body, "print('hi')\n");
  EXPECT_EQ(r.header("Content-Type").value_or(""), "text/x-python");
  EXPECT_EQ(r.idempotency, http::Idempotency::kIdempotent);
  s.idempotency = {"none", ""};
  EXPECT_EQ(build_request(s, v).idempotency, http::Idempotency::kNonIdempotent);
  s.idempotency = {"query:requestId", "${REQUEST_ID}"};
  EXPECT_EQ(build_request(s, v).idempotency, http::Idempotency::kIdempotent);
}

TEST(BuildRequest, MissingValueNamesThePlaceholder) {
  codegen::RequestStep s;
  s.method = "POST";
  s.url = "https://h/x";
  s.json_body = Json{{"contextId", "${CONTEXT_ID}"}};
  codegen::PlaceholderValues v;
  try {
    build_request(s, v);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("CONTEXT_ID"), std::string::npos);
  }
}

TEST(RequestRecord, RoundTripsForReplayWithoutRawUploads) {
  http::HttpRequest r;
  r.method = "POST";
  r.url = "https://h/api/1.2/contexts/destroy";
  r.set_header("Accept", "application/json");
  r.body = R"({"clusterId":"c","contextId":"7"})";
  r.idempotency = http::Idempotency::kIdempotent;
  Json rec = request_record(r, codegen::Credential::kDatabricks);
  EXPECT_EQ(rec["credential"], "databricks");
  EXPECT_EQ(rec["body"]["contextId"], "7");
  EXPECT_EQ(record_credential(rec), codegen::Credential::kDatabricks);
  auto back = request_from_record(rec);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->url, r.url);
  EXPECT_EQ(Json::parse(back->body), Json::parse(r.body));
  EXPECT_EQ(back->idempotency, http::Idempotency::kIdempotent);

  r.body = "raw bytes of a file";
  Json raw = request_record(r, codegen::Credential::kGoogle);
  EXPECT_FALSE(raw.contains("body"));
  EXPECT_EQ(raw["body_bytes"], r.body.size());
  EXPECT_FALSE(request_from_record(Json{{"url", "x"}}));
}

TEST(CancelRequest, SubstitutesTheHandleVerbatim) {
  codegen::Follow f;
  f.cancel_url = "https://dataproc/v1/${HANDLE}:cancel";
  f.cancel_body = Json::object();
  codegen::PlaceholderValues v;
  v.values["HANDLE"] = "projects/p/regions/r/operations/o-1";
  auto r = build_cancel_request(f, v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url, "https://dataproc/v1/projects/p/regions/r/operations/o-1:cancel");
  EXPECT_EQ(r->body, "{}");
  f.cancel_url.clear();
  EXPECT_FALSE(build_cancel_request(f, v));
}

TEST(CancelRequest, BodylessCancelStillSaysJson) {
  // The Snowflake SQL API refuses a cancel labelled as a form (415); the statement would run on.
  codegen::Follow f;
  f.cancel_url = "https://acct.snowflakecomputing.com/api/v2/statements/${HANDLE}/cancel";
  codegen::PlaceholderValues v;
  v.values["HANDLE"] = "01b0-handle";
  auto r = build_cancel_request(f, v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(r->header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(r->idempotency, http::Idempotency::kIdempotent);
}

TEST(StepFiles, NamesEveryFileAStepSends) {
  codegen::RequestStep s;
  s.json_body = Json{{"a", "${FILE_TEXT:procedure.sql}"}, {"b", "${FILE_BASE64:notebook.py}"}};
  s.body_file = "main.py";
  EXPECT_EQ(step_files(s), (std::vector<std::string>{"procedure.sql", "notebook.py", "main.py"}));
  EXPECT_EQ(url_origin("https://h:8443/a/b?c"), "https://h:8443");
  EXPECT_EQ(url_origin("https://h/a"), "https://h");
}

}  // namespace
}  // namespace dbtpy::submitters
