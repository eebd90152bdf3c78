// What the transport and auth layers cost per call, against a local TLS server (so network
// latency is out of the picture and what remains is ours): a GET on a kept-alive connection,
// the same with a new client (full TLS handshake) each time, concurrent GETs through one
// client, the retry loop's overhead, minting a Snowflake key-pair JWT, a cached token lookup
// and parsing a Google error body.
// Reproduce: cmake --build build --target http_bench && build/bench/http_bench
#include <benchmark/benchmark.h>

#include <filesystem>

#include "profiles/auth/bearer_token_provider.h"
#include "profiles/auth/snowflake_key.h"
#include "submitters/http/curl_http_client.h"
#include "submitters/http/error_body.h"
#include "submitters/http/retry_loop.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "util/jwt.h"

namespace {

using namespace dbtpy;
namespace http = dbtpy::submitters::http;

struct Fixture {
  testing::TestCa ca;
  testing::TempDir dir;
  std::string ca_file;
  testing::TestServer server{ca};
  Fixture() {
    ca_file = (dir.path() / "ca.pem").string();
    ca.write_cert_pem(ca_file);
    server.server().Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"ok":true})", "application/json");
    });
    server.start();
  }
  http::ClientOptions options() const {
    http::ClientOptions o;
    o.ca_file = ca_file;
    return o;
  }
  http::HttpRequest ping() const {
    http::HttpRequest r;
    r.url = server.base_url() + "/ping";
    return r;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_GetKeptAlive(benchmark::State& state) {
  http::CurlHttpClient client(fixture().options());
  auto req = fixture().ping();
  for (auto _ : state)
    benchmark::DoNotOptimize(client.send(req));
}
BENCHMARK(BM_GetKeptAlive)->Unit(benchmark::kMicrosecond);

void BM_GetNewClientEachTime(benchmark::State& state) {
  auto req = fixture().ping();
  for (auto _ : state) {
    http::CurlHttpClient client(fixture().options());
    benchmark::DoNotOptimize(client.send(req));
  }
}
BENCHMARK(BM_GetNewClientEachTime)->Unit(benchmark::kMicrosecond);

http::CurlHttpClient& shared_client() {
  static http::CurlHttpClient client(fixture().options());
  return client;
}

void BM_GetConcurrentSharedClient(benchmark::State& state) {
  auto req = fixture().ping();
  for (auto _ : state)
    benchmark::DoNotOptimize(shared_client().send(req));
}
// The test server has 8 workers, each held by one kept-alive connection.
BENCHMARK(BM_GetConcurrentSharedClient)->Threads(4)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_GetThroughRetryLoop(benchmark::State& state) {
  http::CurlHttpClient client(fixture().options());
  SystemClock clock;
  http::RealSleeper sleeper;
  http::DefaultRandomSource random;
  auto loop = http::RetryLoop::with_settings({}, clock, sleeper, random);
  auto req = fixture().ping();
  for (auto _ : state)
    benchmark::DoNotOptimize(loop.send(client, req));
}
BENCHMARK(BM_GetThroughRetryLoop)->Unit(benchmark::kMicrosecond);

void BM_MintSnowflakeKeypairJwt(benchmark::State& state) {
  PkeyPtr key = testing::generate_rsa_key();
  std::string fp = profiles::auth::public_key_fingerprint(key.get());
  for (auto _ : state) {
    Json claims = profiles::auth::snowflake_jwt_claims(
        "MYORG-ACCT", "dbt", fp, std::chrono::system_clock::now(), std::chrono::seconds(3540));
    benchmark::DoNotOptimize(jwt_encode_rs256(claims, key.get()));
  }
}
BENCHMARK(BM_MintSnowflakeKeypairJwt)->Unit(benchmark::kMicrosecond);

void BM_CachedTokenHeaders(benchmark::State& state) {
  SystemClock clock;
  profiles::auth::BearerTokenProvider provider("bench", clock, [&] {
    return profiles::auth::AccessToken{"token", clock.now() + std::chrono::hours(1)};
  });
  for (auto _ : state)
    benchmark::DoNotOptimize(provider.headers());
}
BENCHMARK(BM_CachedTokenHeaders);

void BM_ParseGoogleErrorBody(benchmark::State& state) {
  std::string body =
      R"({"error":{"code":403,"status":"PERMISSION_DENIED","message":"Caller does not have storage.buckets.get access to the Google Cloud Storage bucket.","errors":[{"reason":"forbidden","domain":"global"}],"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED"}]}})";
  for (auto _ : state)
    benchmark::DoNotOptimize(http::parse_error_body(body));
}
BENCHMARK(BM_ParseGoogleErrorBody);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("reproduce",
                              "cmake --build build --target http_bench && build/bench/http_bench");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
