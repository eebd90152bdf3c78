#include "submitters/http/curl_http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "submitters/http/http_error.h"
#include "submitters/http/retry_loop.h"
#include "submitters/http/url.h"
#include "tests/support/connect_proxy.h"
#include "tests/support/fakes.h"
#include "tests/support/fault_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "util/version.h"

namespace dbtpy::submitters::http {
namespace {

using namespace std::chrono;
using testing::Fault;
using testing::FaultServer;
using testing::FaultStep;

// One CA per test binary: generating keys is the slow part.
const testing::TestCa& ca() {
  static testing::TestCa instance;
  return instance;
}

class CurlClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_file_ = (dir_.path() / "ca.pem").string();
    ca().write_cert_pem(ca_file_);
    server_.server().Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(R"({"ua":")" + req.get_header_value("User-Agent") + R"("})",
                      "application/json");
    });
    server_.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"pad\":\"" + std::string(64 * 1024, 'a') + "\"}", "application/json");
    });
    server_.server().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/json");
    });
    server_.server().Post("/content-type", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.get_header_value("Content-Type"), "text/plain");
    });
    server_.start();
  }

  ClientOptions trusted() const {
    ClientOptions o;
    o.ca_file = ca_file_;
    return o;
  }
  HttpRequest get(const std::string& path) const {
    HttpRequest r;
    r.url = server_.base_url() + path;
    return r;
  }

  testing::TempDir dir_;
  std::string ca_file_;
  testing::TestServer server_{ca()};
};

TEST_F(CurlClientTest, HttpsWithTheProfileCaSendsOurUserAgent) {
  CurlHttpClient client(trusted());
  auto r = client.send(get("/hello"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"ua":"dbtpy/)" + std::string(kVersion) + R"("})");
  EXPECT_EQ(r.header("content-type"), "application/json");
}

TEST_F(CurlClientTest, ServerSignedByAnUnknownCaIsRefused) {
  testing::TestCa other("some other CA");
  std::string other_file = (dir_.path() / "other.pem").string();
  other.write_cert_pem(other_file);
  ClientOptions o;
  o.ca_file = other_file;
  CurlHttpClient client(o);
  try {
    client.send(get("/hello"));
    FAIL() << "an untrusted certificate must fail";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.failure(), TransportFailure::kTlsVerify) << e.what();
    EXPECT_FALSE(e.may_have_been_sent());
  }
  EXPECT_EQ(server_.hits("/hello"), 0);
  // The system store does not know our test CA either.
  CurlHttpClient system_trust{ClientOptions{}};
  EXPECT_THROW(system_trust.send(get("/hello")), TransportError);
}

TEST_F(CurlClientTest, SslCertFileFromTheEnvironmentIsTrusted) {
  testing::FakeEnv env({{"SSL_CERT_FILE", ca_file_}});
  CurlHttpClient client(ClientOptions::from_env(env.lookup()));
  EXPECT_EQ(client.send(get("/hello")).status, 200);
}

TEST_F(CurlClientTest, PlainHttpToARemoteHostIsRefusedBeforeAnyIo) {
  CurlHttpClient client(trusted());
  HttpRequest r;
  r.url = "http://api.example.com/token?access_token=s3cr3t";
  try {
    client.send(r);
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.failure(), TransportFailure::kInsecureUrl);
    EXPECT_FALSE(e.may_have_been_sent());
    HttpError he = transport_error(r, e, 1);
    EXPECT_EQ(he.diagnostics()[0].code, "DBTPY412");
    std::string text = he.what();
    EXPECT_NE(text.find("plain http to 'api.example.com' is refused"), std::string::npos) << text;
    EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << "query secrets never reach messages";
  }
}

TEST_F(CurlClientTest, CertificateMustNameTheHostAsked) {
  // Pinned resolution sends both names to 127.0.0.1; only the certificate differs.
  testing::TestServer named(ca(), {"acct.snowflakecomputing.test"});
  named.server().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  named.start();
  ClientOptions o = trusted();
  std::string port = std::to_string(named.port());
  o.resolve = {"acct.snowflakecomputing.test:" + port + ":127.0.0.1",
               "other.snowflakecomputing.test:" + port + ":127.0.0.1"};
  CurlHttpClient client(o);
  HttpRequest ok;
  ok.url = "https://acct.snowflakecomputing.test:" + port + "/hello";
  EXPECT_EQ(client.send(ok).status, 200);
  HttpRequest wrong;
  wrong.url = "https://other.snowflakecomputing.test:" + port + "/hello";
  try {
    client.send(wrong);
    FAIL() << "a certificate for another name must be refused";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.failure(), TransportFailure::kTlsVerify) << e.what();
  }
}

TEST_F(CurlClientTest, ProxyPasswordsAreKnownSecrets) {
  ClientOptions o;
  o.https_proxy = "http://me:pr0xy%21pass@proxy.corp:3128";
  o.http_proxy = "proxy.corp:3128";
  EXPECT_EQ(proxy_secrets(o), std::vector<std::string>{"pr0xy!pass"});
}

TEST_F(CurlClientTest, KeepAliveReusesTheConnection) {
  CurlHttpClient client(trusted());
  auto first = client.send(get("/hello"));
  auto second = client.send(get("/hello"));
  EXPECT_FALSE(first.reused_connection);
  EXPECT_TRUE(second.reused_connection);
}

TEST_F(CurlClientTest, PostsNeverReuseAConnection) {
  // libcurl silently resends a request whose reused connection died before any answer; for a
  // POST that may have been acted on, only the retry loop may decide to resend.
  // POST connections are also closed after use (they would pile up idle in the cache), so
  // the GET that follows reuses the first GET's connection.
  CurlHttpClient client(trusted());
  EXPECT_FALSE(client.send(get("/hello")).reused_connection);
  HttpRequest r = get("/echo");
  r.method = "POST";
  r.body = "{}";
  r.set_header("Content-Type", "application/json");
  EXPECT_FALSE(client.send(r).reused_connection);
  EXPECT_FALSE(client.send(r).reused_connection);
  EXPECT_TRUE(client.send(get("/hello")).reused_connection);  // GETs still reuse
}

TEST_F(CurlClientTest, BodylessPostCarriesNoFormContentType) {
  CurlHttpClient client(trusted());
  HttpRequest r = get("/content-type");
  r.method = "POST";
  EXPECT_EQ(client.send(r).body, "");  // not application/x-www-form-urlencoded
  r.set_header("Content-Type", "application/json");
  EXPECT_EQ(client.send(r).body, "application/json");
}

TEST_F(CurlClientTest, CompressedResponsesAreDecoded) {
  CurlHttpClient client(trusted());
  auto r = client.send(get("/big"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 64u * 1024 + 10);
  auto enc = r.header("Content-Encoding");
  ASSERT_TRUE(enc) << "the server compresses when asked";
  EXPECT_TRUE(*enc == "gzip" || *enc == "br") << *enc;
}

TEST_F(CurlClientTest, PostBodyArrivesIntact) {
  CurlHttpClient client(trusted());
  HttpRequest r = get("/echo");
  r.method = "POST";
  r.body = std::string(5000, 'x') + "{\"k\":\"\xc3\xa9\"}";
  r.set_header("Content-Type", "application/json");
  auto resp = client.send(r);
  EXPECT_EQ(resp.body, r.body);
}

TEST_F(CurlClientTest, HttpsProxyIsUsedUnlessNoProxyListsTheHost) {
  testing::ConnectProxy proxy;
  ClientOptions o = trusted();
  o.https_proxy = proxy.url();
  {
    CurlHttpClient client(o);
    EXPECT_EQ(client.send(get("/hello")).status, 200);
  }
  EXPECT_EQ(proxy.tunnels(), 1);
  ASSERT_EQ(proxy.targets().size(), 1u);
  EXPECT_EQ(proxy.targets()[0], "127.0.0.1:" + std::to_string(server_.port()));

  testing::FakeEnv env({{"HTTPS_PROXY", proxy.url()},
                        {"NO_PROXY", "localhost,127.0.0.1"},
                        {"SSL_CERT_FILE", ca_file_}});
  CurlHttpClient bypass(ClientOptions::from_env(env.lookup()));
  EXPECT_EQ(bypass.send(get("/hello")).status, 200);
  EXPECT_EQ(proxy.tunnels(), 1) << "NO_PROXY sends loopback traffic direct";
}

TEST_F(CurlClientTest, ManyThreadsShareOneClient) {
  CurlHttpClient client(trusted());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  // Fewer threads than the test server's 8 workers: each kept-alive connection holds one.
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (client.send(get("/hello")).status == 200) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 120);
  EXPECT_EQ(server_.hits("/hello"), 120);
}

TEST_F(CurlClientTest, OversizedResponseIsCutOff) {
  ClientOptions o = trusted();
  o.max_response_bytes = 1024;
  CurlHttpClient client(o);
  try {
    client.send(get("/big"));
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.failure(), TransportFailure::kTooLarge);
  }
}

TEST_F(CurlClientTest, CancelledRunAbortsBeforeSending) {
  ClientOptions o = trusted();
  auto flag = std::make_shared<std::atomic<bool>>(true);
  o.cancelled = flag;
  CurlHttpClient client(o);
  try {
    client.send(get("/hello"));
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.failure(), TransportFailure::kCancelled);
  }
  EXPECT_EQ(server_.hits("/hello"), 0);
}

int unused_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);  // nothing listens there any more
  return ntohs(addr.sin_port);
}

// Counts attempts on the way to a real client.
class CountingClient final : public HttpClient {
 public:
  explicit CountingClient(HttpClient& inner) : inner_(inner) {}
  HttpResponse send(const HttpRequest& r) override {
    ++count;
    return inner_.send(r);
  }
  std::atomic<int> count{0};

 private:
  HttpClient& inner_;
};

class TransportFaultTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  testing::RecordingSleeper sleeper_{&clock_};
  testing::FixedRandom random_{0.5};
  CurlHttpClient client_{ClientOptions{}};

  RetryLoop loop(int attempts) {
    RetrySettings s;
    s.max_attempts = attempts;
    return RetryLoop::with_settings(s, clock_, sleeper_, random_);
  }
  static HttpRequest request(std::string method, std::string url, std::string body = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.url = std::move(url);
    r.body = std::move(body);
    r.set_header("Content-Type", "application/json");
    r.timeout = milliseconds(2000);
    return r;
  }
};

TEST_F(TransportFaultTest, ConnectionRefusedMeansNothingWasSent) {
  try {
    client_.send(request("POST", "http://127.0.0.1:" + std::to_string(unused_port()) + "/x"));
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.failure(), TransportFailure::kConnect) << e.what();
    EXPECT_FALSE(e.may_have_been_sent());
  }
}

TEST_F(TransportFaultTest, RefusedPlainPostIsRetriedBecauseItNeverLeft) {
  CountingClient counting(client_);
  try {
    loop(3).send(counting,
                 request("POST", "http://127.0.0.1:" + std::to_string(unused_port()) + "/runs"));
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY410");
    EXPECT_NE(std::string(e.what()).find("gave up after 3 attempts"), std::string::npos);
  }
  EXPECT_EQ(counting.count.load(), 3);
}

TEST_F(TransportFaultTest, ResetDuringTlsHandshakeMeansNothingWasSent) {
  FaultServer server({{Fault::kResetOnAccept}});
  std::string url =
      "https://127.0.0.1:" + std::to_string(server.port()) + "/api/2.1/jobs/runs/submit";
  try {
    client_.send(request("POST", url, R"({"run_name":"x"})"));
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_been_sent()) << failure_name(e.failure()) << ": " << e.what();
  }
  // So the retry loop may resend even a plain POST: exactly max_attempts connections.
  FaultServer again({{Fault::kResetOnAccept}});
  url = "https://127.0.0.1:" + std::to_string(again.port()) + "/api/2.1/jobs/runs/submit";
  EXPECT_THROW(loop(3).send(client_, request("POST", url, R"({"run_name":"x"})")), HttpError);
  EXPECT_EQ(again.connections(), 3);
}

TEST_F(TransportFaultTest, ResetAfterTheRequestWasReadMayHaveBeenSent) {
  FaultServer server({{Fault::kResetAfterRead}});
  try {
    client_.send(request("POST", server.url("/runs"), R"({"run_name":"x"})"));
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.failure(), TransportFailure::kConnectionLost) << e.what();
    EXPECT_TRUE(e.may_have_been_sent());
  }
}

TEST_F(TransportFaultTest, PlainPostResetAfterSendingIsNotResent) {
  FaultServer server({{Fault::kResetAfterRead}, {Fault::kRespond, 200}});
  try {
    loop(5).send(client_,
                 request("POST", server.url("/api/2.1/jobs/runs/submit"), R"({"run_name":"x"})"));
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY414") << e.what();
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.request_lines().size(), 1u);
}

TEST_F(TransportFaultTest, IdempotentRequestsSurviveResetsAndEmptyReplies) {
  FaultServer server(
      {{Fault::kResetAfterRead}, {Fault::kCloseAfterRead}, {Fault::kRespond, 200, R"({"ok":1})"}});
  auto r = loop(5).send(client_, request("GET", server.url("/api/2.1/jobs/runs/get?run_id=1")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(server.connections(), 3);
}

TEST_F(TransportFaultTest, SnowflakeStatementIsResubmittedWithRetryTrue) {
  FaultServer server({{Fault::kResetAfterRead}, {Fault::kRespond, 200, R"({"data":[["1"]]})"}});
  auto r = loop(5).send(client_, request("POST", server.url("/api/v2/statements?requestId=abc"),
                                         R"({"statement":"select 1"})"));
  EXPECT_EQ(r.status, 200);
  auto lines = server.request_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "POST /api/v2/statements?requestId=abc HTTP/1.1");
  EXPECT_EQ(lines[1], "POST /api/v2/statements?requestId=abc&retry=true HTTP/1.1");
  EXPECT_EQ(server.request_bodies()[1], R"({"statement":"select 1"})");
}

TEST_F(TransportFaultTest, SlowResponsesTimeOutPerAttempt) {
  FaultServer server({{Fault::kStall, 200, "{}", {}, seconds(30)}});
  HttpRequest get = request("GET", server.url("/slow"));
  get.timeout = milliseconds(150);
  try {
    loop(3).send(client_, get);
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY413");
    EXPECT_EQ(e.info().attempts, 3);
  }
  EXPECT_EQ(server.connections(), 3);

  FaultServer once({{Fault::kStall, 200, "{}", {}, seconds(30)}});
  HttpRequest post = request("POST", once.url("/runs"), R"({"run_name":"x"})");
  post.timeout = milliseconds(150);
  try {
    loop(3).send(client_, post);
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY414") << "a timed-out POST may have run";
  }
  EXPECT_EQ(once.connections(), 1);
}

}  // namespace
}  // namespace dbtpy::submitters::http
