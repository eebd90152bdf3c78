#include <gtest/gtest.h>

#include "submitters/http/backoff_policy.h"
#include "submitters/http/idempotency.h"
#include "submitters/http/retry_policy.h"
#include "tests/support/fakes.h"

namespace dbtpy::submitters::http {
namespace {

using namespace std::chrono;
using testing::FakeClock;
using testing::FixedRandom;

TEST(RetryPolicy, RetryableStatusesAreTheDocumentedOnes) {
  for (int s : {408, 429, 500, 502, 503, 504})
    EXPECT_TRUE(is_retryable_status(s)) << s;
  for (int s : {200, 400, 401, 403, 404, 409, 422, 501, 505})
    EXPECT_FALSE(is_retryable_status(s));
}

TEST(RetryPolicy, CountsAttemptsAndStopsAtTheLimit) {
  FakeClock clock;
  LimitedAttemptsRetryPolicy proto(3, seconds(0), clock);
  auto p = proto.clone();
  AttemptOutcome busy{503, std::nullopt};
  EXPECT_TRUE(p->on_failure(busy));   // after attempt 1
  EXPECT_TRUE(p->on_failure(busy));   // after attempt 2
  EXPECT_FALSE(p->on_failure(busy));  // after attempt 3: budget spent
  EXPECT_TRUE(p->is_exhausted());
  auto fresh = proto.clone();
  EXPECT_FALSE(fresh->is_exhausted()) << "each clone starts with a full budget";
}

TEST(RetryPolicy, DeadlineEndsRetryingWhateverTheCount) {
  FakeClock clock;
  LimitedAttemptsRetryPolicy proto(100, seconds(10), clock);
  auto p = proto.clone();
  ASSERT_TRUE(p->deadline());
  EXPECT_TRUE(p->on_failure({std::nullopt, TransportFailure::kConnect}));
  clock.advance(seconds(11));
  EXPECT_FALSE(p->on_failure({std::nullopt, TransportFailure::kConnect}));
}

TEST(RetryPolicy, PermanentFailuresAreNotRetried) {
  FakeClock clock;
  auto p = LimitedAttemptsRetryPolicy(5, seconds(0), clock).clone();
  EXPECT_TRUE(p->is_permanent_failure({404, std::nullopt}));
  EXPECT_TRUE(p->is_permanent_failure({std::nullopt, TransportFailure::kTlsVerify}));
  EXPECT_TRUE(p->is_permanent_failure({std::nullopt, TransportFailure::kInsecureUrl}));
  EXPECT_FALSE(p->is_permanent_failure({std::nullopt, TransportFailure::kConnectionLost}));
  EXPECT_FALSE(p->on_failure({401, std::nullopt}));
}

TEST(BackoffPolicy, CappedExponentialWithFullJitter) {
  FixedRandom top(0.999999);
  ExponentialBackoffPolicy proto(milliseconds(1000), milliseconds(8000), 2.0, top);
  auto b = proto.clone();
  std::vector<long long> got;
  for (int i = 0; i < 6; ++i)
    got.push_back(b->on_completion().count());
  EXPECT_EQ(got, (std::vector<long long>{999, 1999, 3999, 7999, 7999, 7999}));
  FixedRandom half(0.5);
  auto h = ExponentialBackoffPolicy(milliseconds(1000), milliseconds(8000), 2.0, half).clone();
  EXPECT_EQ(h->on_completion(), milliseconds(500));
  EXPECT_EQ(h->on_completion(), milliseconds(1000));
  FixedRandom zero(0.0);
  EXPECT_EQ(ExponentialBackoffPolicy(milliseconds(1000), milliseconds(8000), 2.0, zero)
                .clone()
                ->on_completion(),
            milliseconds(0))
      << "full jitter draws from zero";
}

HttpRequest post(std::string url, std::string body = {}) {
  HttpRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.body = std::move(body);
  return r;
}

TEST(Idempotency, MethodsAndPlatformKeys) {
  PlatformIdempotencyPolicy p;
  HttpRequest get;
  get.url = "https://h/x";
  EXPECT_TRUE(p.is_idempotent(get));
  for (const char* m : {"HEAD", "PUT", "DELETE", "OPTIONS"}) {
    HttpRequest r = get;
    r.method = m;
    EXPECT_TRUE(p.is_idempotent(r)) << m;
  }
  HttpRequest patch = get;
  patch.method = "PATCH";
  EXPECT_FALSE(p.is_idempotent(patch));

  EXPECT_FALSE(p.is_idempotent(
      post("https://a.snowflakecomputing.com/api/v2/statements", R"({"statement":"select 1"})")));
  EXPECT_TRUE(p.is_idempotent(
      post("https://a.snowflakecomputing.com/api/v2/statements?requestId=0b1c", "{}")));
  EXPECT_FALSE(p.is_idempotent(post("https://d/api/2.1/jobs/runs/submit", R"({"run_name":"x"})")));
  EXPECT_TRUE(p.is_idempotent(
      post("https://d/api/2.1/jobs/runs/submit", R"({"run_name":"x","idempotency_token":"t1"})")));
  EXPECT_FALSE(
      p.is_idempotent(post("https://d/api/2.1/jobs/runs/submit", R"({"idempotency_token":""})")));
  EXPECT_TRUE(p.is_idempotent(post(
      "https://r-dataproc.googleapis.com/v1/projects/p/locations/r/batches?batchId=b-1", "{}")));
  EXPECT_TRUE(
      p.is_idempotent(post("https://r-dataproc.googleapis.com/v1/projects/p/regions/r/jobs:submit",
                           R"({"job":{},"requestId":"abc"})")));
  EXPECT_TRUE(p.is_idempotent(post("https://bigquery.googleapis.com/bigquery/v2/projects/p/jobs",
                                   R"({"jobReference":{"jobId":"dbtpy_1"}})")));
  EXPECT_TRUE(p.is_idempotent(
      post("https://storage.googleapis.com/upload/storage/v1/b/b/o?uploadType=media&name=x&"
           "ifGenerationMatch=0")));
  EXPECT_FALSE(p.is_idempotent(post("https://h/x", "not json {")));

  HttpRequest forced = post("https://h/oauth/token", "grant_type=x");
  forced.idempotency = Idempotency::kIdempotent;
  EXPECT_TRUE(p.is_idempotent(forced));
  HttpRequest refused = get;
  refused.idempotency = Idempotency::kNonIdempotent;
  EXPECT_FALSE(p.is_idempotent(refused));
}

TEST(Idempotency, SnowflakeResubmissionsCarryRetryTrue) {
  PlatformIdempotencyPolicy p;
  HttpRequest r = post("https://a.snowflakecomputing.com/api/v2/statements?requestId=abc", "{}");
  p.prepare_resend(r);
  EXPECT_NE(r.url.find("requestId=abc"), std::string::npos);
  EXPECT_NE(r.url.find("retry=true"), std::string::npos);
  HttpRequest other = post("https://d/api/2.1/jobs/runs/submit?requestId=abc", "{}");
  p.prepare_resend(other);
  EXPECT_EQ(other.url.find("retry=true"), std::string::npos) << "only Snowflake wants it";
}

}  // namespace
}  // namespace dbtpy::submitters::http
