#include "submitters/http/url.h"

#include <gtest/gtest.h>

#include "submitters/http/client_options.h"

namespace dbtpy::submitters::http {
namespace {

TEST(Url, ParsesSchemeHostPortPathAndQuery) {
  auto p =
      parse_url("HTTPS://Acct.SnowflakeComputing.com/api/v2/statements?requestId=1&async=true");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->scheme, "https");
  EXPECT_EQ(p->host, "acct.snowflakecomputing.com");
  EXPECT_EQ(p->port, 443);
  EXPECT_EQ(p->path, "/api/v2/statements");
  EXPECT_EQ(p->query, "requestId=1&async=true");
  auto q = parse_url("http://127.0.0.1:8080");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->port, 8080);
  EXPECT_EQ(q->path, "/");
  EXPECT_FALSE(parse_url("acct.snowflakecomputing.com/api"));
  EXPECT_FALSE(parse_url(""));
}

TEST(Url, LoopbackHostsAreExactlyTheLoopbackRanges) {
  for (const char* h : {"127.0.0.1", "127.3.4.5", "localhost", "LOCALHOST", "api.localhost", "::1",
                        "[::1]", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(h)) << h;
  }
  for (const char* h : {"128.0.0.1", "10.0.0.1", "localhost.example.com", "example.com", "::2",
                        "0.0.0.0", "169.254.169.254", "127.0.0.1.nip.io"}) {
    EXPECT_FALSE(is_loopback_host(h)) << h;
  }
}

TEST(Url, PlainHttpOnlyToLoopbackAndTheMetadataServer) {
  ClientOptions o;
  EXPECT_FALSE(url_refusal("https://example.com/x", o));
  EXPECT_FALSE(url_refusal("http://127.0.0.1:9000/x", o));
  EXPECT_FALSE(url_refusal("http://localhost/x", o));
  EXPECT_FALSE(url_refusal("http://[::1]:80/", o));
  EXPECT_FALSE(url_refusal("http://metadata.google.internal/computeMetadata/v1/", o));
  EXPECT_FALSE(url_refusal("http://169.254.169.254/computeMetadata/v1/", o));
  auto refused = url_refusal("http://example.com/api", o);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("plain http to 'example.com' is refused"), std::string::npos);
  EXPECT_TRUE(url_refusal("ftp://127.0.0.1/", o));
  EXPECT_TRUE(url_refusal("file:///etc/passwd", o));
  EXPECT_TRUE(url_refusal("not a url", o));
}

TEST(Url, GceMetadataHostFromTheEnvironmentMayUsePlainHttp) {
  auto env = [](std::string_view n) -> std::optional<std::string> {
    if (n == "GCE_METADATA_HOST") return "metadata.internal.test:8080";
    return std::nullopt;
  };
  ClientOptions o = ClientOptions::from_env(env);
  EXPECT_FALSE(url_refusal("http://metadata.internal.test:8080/computeMetadata/v1/x", o));
  EXPECT_TRUE(url_refusal("http://other.internal.test/", o));
}

TEST(Url, RedactionDropsUserinfoAndSecretQueryValues) {
  std::string r = redact_url(
      "https://user:hunter2@storage.example.com/b/o?uploadType=media&access_token=abc123secret&"
      "X-Goog-Signature=deadbeef&requestId=r1&code=xyz#frag");
  EXPECT_EQ(r.find("hunter2"), std::string::npos) << r;
  EXPECT_EQ(r.find("user:"), std::string::npos) << r;
  EXPECT_EQ(r.find("abc123secret"), std::string::npos) << r;
  EXPECT_EQ(r.find("deadbeef"), std::string::npos) << r;
  EXPECT_EQ(r.find("xyz"), std::string::npos) << r;
  EXPECT_NE(r.find("uploadType=media"), std::string::npos) << r;
  EXPECT_NE(r.find("requestId=r1"), std::string::npos) << r;
  std::string bad = redact_url("no scheme user:pw@host?token=abc");
  EXPECT_EQ(bad.find("abc"), std::string::npos);
  EXPECT_EQ(bad.find("pw@"), std::string::npos);
}

TEST(Url, QueryParametersReadAndReplace) {
  std::string u = "https://h/api/v2/statements?requestId=abc%2D1&async=true";
  EXPECT_EQ(query_param(u, "requestId"), "abc-1");
  EXPECT_EQ(query_param(u, "retry"), std::nullopt);
  std::string v = with_query_param(u, "retry", "true");
  EXPECT_EQ(query_param(v, "retry"), "true");
  EXPECT_EQ(query_param(v, "requestId"), "abc-1");
  std::string w = with_query_param(v, "retry", "true");
  EXPECT_EQ(w, v) << "setting a parameter twice keeps one";
  EXPECT_EQ(query_param(with_query_param("https://h/x", "a b", "c&d"), "a b"), "c&d");
}

TEST(Url, FormEncodingRoundTrips) {
  std::string body = form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                  {"assertion", "a.b+c/d="},
                                  {"scope", "all-apis"}});
  EXPECT_EQ(body,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b%2Bc%"
            "2Fd%3D&scope=all-apis");
  auto fields = form_decode(body);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1].second, "a.b+c/d=");
  EXPECT_EQ(url_decode("a+b%20c"), "a b c");
  EXPECT_EQ(url_decode("%zz"), std::nullopt);
  EXPECT_EQ(url_decode("%4"), std::nullopt);
}

}  // namespace
}  // namespace dbtpy::submitters::http
