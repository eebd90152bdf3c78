#include "submitters/http/error_body.h"

#include <gtest/gtest.h>

namespace dbtpy::submitters::http {
namespace {

TEST(ErrorBody, Snowflake) {
  auto e =
      parse_error_body(R"({"code":"390144","message":"JWT token is invalid.","sqlState":"08001",)"
                       R"("statementHandle":"01b2-3"})");
  EXPECT_EQ(e.kind, "snowflake");
  EXPECT_EQ(e.code, "390144");
  EXPECT_EQ(e.sql_state, "08001");
  EXPECT_EQ(e.statement_handle, "01b2-3");
  EXPECT_EQ(e.summary(), "Snowflake error 390144 (SQL state 08001): JWT token is invalid.");
}

TEST(ErrorBody, Databricks) {
  auto e = parse_error_body(
      R"({"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster 123 does not exist"})");
  EXPECT_EQ(e.kind, "databricks");
  EXPECT_EQ(e.code, "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(e.summary(), "Databricks INVALID_PARAMETER_VALUE: Cluster 123 does not exist");
}

TEST(ErrorBody, GoogleWithDetails) {
  auto e = parse_error_body(R"({"error": {"code": 403, "status": "PERMISSION_DENIED",
    "message": "Caller does not have storage.buckets.get access.",
    "errors": [{"reason": "forbidden", "domain": "global", "message": "x"}],
    "details": [
      {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED"},
      {"@type": "type.googleapis.com/google.rpc.BadRequest",
       "fieldViolations": [{"field": "batch_id", "description": "must match [a-z0-9-]{4,63}"}]},
      {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "req-77"},
      {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"url": "https://x.test/h"}]}
    ]}})");
  EXPECT_EQ(e.kind, "google");
  EXPECT_EQ(e.code, "403");
  EXPECT_EQ(e.status, "PERMISSION_DENIED");
  EXPECT_EQ(e.request_id, "req-77");
  EXPECT_NE(e.details.find("reason forbidden"), std::string::npos) << e.details;
  EXPECT_NE(e.details.find("reason IAM_PERMISSION_DENIED"), std::string::npos);
  EXPECT_NE(e.details.find("batch_id: must match"), std::string::npos);
  EXPECT_NE(e.details.find("see https://x.test/h"), std::string::npos);
  EXPECT_EQ(e.summary().rfind("Google PERMISSION_DENIED: Caller does not", 0), 0u) << e.summary();
}

TEST(ErrorBody, OAuth) {
  auto e =
      parse_error_body(R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  EXPECT_EQ(e.kind, "oauth");
  EXPECT_EQ(e.code, "invalid_grant");
  EXPECT_EQ(e.message, "Invalid JWT Signature.");
  EXPECT_EQ(e.summary(), "OAuth error invalid_grant: Invalid JWT Signature.");
}

TEST(ErrorBody, HtmlAndTextBecomeShortExcerpts) {
  auto e = parse_error_body(
      "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>\n"
      "<p>The proxy received an invalid response.</p></body></html>");
  EXPECT_EQ(e.kind, "text");
  EXPECT_EQ(e.message, "502 Bad Gateway Bad Gateway The proxy received an invalid response.");
  auto long_text = parse_error_body(std::string(5000, 'x'));
  EXPECT_LE(long_text.message.size(), 310u);
  EXPECT_TRUE(parse_error_body("").empty());
  EXPECT_TRUE(parse_error_body("   \n").empty());
}

TEST(ErrorBody, MalformedJsonNeverThrows) {
  for (const char* body : {"{", "{\"error\":", "{\"error\": 5}", "{\"code\": {}}", "[1,2]", "null",
                           "{\"error\":{\"details\":[1,{\"@type\":5}],\"errors\":7}}"}) {
    EXPECT_NO_THROW(parse_error_body(body)) << body;
  }
}

}  // namespace
}  // namespace dbtpy::submitters::http
