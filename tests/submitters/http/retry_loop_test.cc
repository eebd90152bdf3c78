#include "submitters/http/retry_loop.h"

#include <gtest/gtest.h>

#include "submitters/http/http_error.h"
#include "submitters/http/url.h"
#include "tests/submitters/http/scripted_client.h"
#include "tests/support/fakes.h"

namespace dbtpy::submitters::http {
namespace {

using namespace std::chrono;
using testing::FakeClock;
using testing::FixedRandom;
using testing::RecordingSleeper;

class RetryLoopTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  RecordingSleeper sleeper_{&clock_};
  FixedRandom random_{0.5};

  RetryLoop loop(int attempts = 5, milliseconds deadline = minutes(5)) {
    RetrySettings s;
    s.max_attempts = attempts;
    s.max_duration = deadline;
    s.initial_backoff = seconds(1);
    s.max_backoff = seconds(32);
    return RetryLoop::with_settings(s, clock_, sleeper_, random_);
  }
  static HttpRequest get(std::string url = "https://h.example.com/api/x") {
    HttpRequest r;
    r.url = std::move(url);
    return r;
  }
  static HttpRequest post(std::string url, std::string body = "{}") {
    HttpRequest r;
    r.method = "POST";
    r.url = std::move(url);
    r.body = std::move(body);
    return r;
  }
};

TEST_F(RetryLoopTest, SuccessNeedsOneAttempt) {
  ScriptedClient c({reply(200)});
  auto r = loop().send(c, get());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(c.attempts(), 1);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(RetryLoopTest, TooManyRequestsHonoursRetryAfterSeconds) {
  ScriptedClient c({reply(429, "{}", {{"Retry-After", "7"}}), reply(200)});
  auto r = loop().send(c, get());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(c.attempts(), 2);
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{seconds(7)}));
}

TEST_F(RetryLoopTest, TooManyRequestsHonoursRetryAfterHttpDate) {
  clock_.set(system_clock::from_time_t(1795250970));  // Sat, 21 Nov 2026 08:49:30 GMT
  ScriptedClient c({reply(429, "{}", {{"retry-after", "Sat, 21 Nov 2026 08:49:42 GMT"}}),
                    reply(503, "{}", {{"Retry-After", "Sat, 21 Nov 2026 08:49:44 GMT"}}),
                    reply(200)});
  auto r = loop().send(c, get());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(c.attempts(), 3);
  // 12 s after the first answer; the clock moved 12 s, so the second date is 2 s ahead.
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{seconds(12), seconds(2)}));
}

TEST_F(RetryLoopTest, ServiceUnavailableBurstBacksOffExponentially) {
  ScriptedClient c({reply(503), reply(503), reply(503), reply(200)});
  auto r = loop().send(c, get());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(c.attempts(), 4);
  // Full jitter with a fixed draw of 0.5: half of 1 s, 2 s, 4 s.
  EXPECT_EQ(sleeper_.sleeps(),
            (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(2000)}));
}

TEST_F(RetryLoopTest, EndlessOutageStopsAtTheAttemptLimit) {
  ScriptedClient c({reply(503, R"({"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"})")});
  HttpRequest req = get();
  auto r = loop(4).send(c, req);
  EXPECT_EQ(c.attempts(), 4);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(r.retry_note, "gave up after 4 attempts");
  try {
    ensure_success(req, r);
    FAIL() << "503 must raise";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY405");
    EXPECT_EQ(e.info().attempts, 4);
    EXPECT_NE(std::string(e.what()).find("Databricks TEMPORARILY_UNAVAILABLE: busy"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("after 4 attempts"), std::string::npos);
  }
}

TEST_F(RetryLoopTest, DefaultsRideOutBurstsButNotAnUnknownHost) {
  // The default budget: ten attempts for a server that keeps answering 503 (a burst of transient
  // faults must not fail a model), five for a host name that does not resolve.
  RetryLoop defaults = RetryLoop::with_settings(RetrySettings{}, clock_, sleeper_, random_);
  ScriptedClient busy({reply(503)});
  EXPECT_EQ(defaults.send(busy, get()).attempts, 10);
  EXPECT_EQ(busy.attempts(), 10);
  ScriptedClient unknown({fail(TransportFailure::kResolve, SentState::kNotSent)});
  EXPECT_THROW(defaults.send(unknown, get()), HttpError);
  EXPECT_EQ(unknown.attempts(), 5);
}

TEST_F(RetryLoopTest, NonRetryableStatusReturnsAtOnce) {
  for (int status : {400, 401, 403, 404, 409, 422}) {
    ScriptedClient c({reply(status), reply(200)});
    EXPECT_EQ(loop().send(c, get()).status, status);
    EXPECT_EQ(c.attempts(), 1) << status;
  }
}

TEST_F(RetryLoopTest, PlainPostIsNeverResentAfterAServerAnswer) {
  ScriptedClient c({reply(503), reply(200)});
  auto r = loop().send(c, post("https://d.example.com/api/2.1/jobs/runs/submit"));
  EXPECT_EQ(c.attempts(), 1);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.retry_note.find("not resent"), std::string::npos);
}

TEST_F(RetryLoopTest, PlainPostLostAfterSendingIsReportedNotResent) {
  ScriptedClient c({fail(TransportFailure::kConnectionLost, SentState::kMaybeSent), reply(200)});
  HttpRequest req = post("https://d.example.com/api/2.1/jobs/runs/submit", R"({"run_name":"x"})");
  try {
    loop().send(c, req);
    FAIL() << "must throw";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY414");
    EXPECT_TRUE(e.info().may_have_been_sent);
    EXPECT_NE(std::string(e.what()).find("may already have taken effect"), std::string::npos);
  }
  EXPECT_EQ(c.attempts(), 1);
}

TEST_F(RetryLoopTest, PlainPostThatNeverLeftIsRetried) {
  ScriptedClient c({fail(TransportFailure::kConnect, SentState::kNotSent),
                    fail(TransportFailure::kTls, SentState::kNotSent), reply(200)});
  auto r = loop().send(c, post("https://d.example.com/api/2.1/jobs/runs/submit"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(c.attempts(), 3);
}

TEST_F(RetryLoopTest, PostWithIdempotencyKeyIsRetriedAfterConnectionLoss) {
  ScriptedClient c(
      {fail(TransportFailure::kConnectionLost, SentState::kMaybeSent), reply(502), reply(200)});
  auto r = loop().send(c, post("https://d.example.com/api/2.1/jobs/runs/submit",
                               R"({"idempotency_token":"dbtpy-123"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(c.attempts(), 3);
}

TEST_F(RetryLoopTest, SnowflakeResubmissionAddsRetryTrue) {
  ScriptedClient c({fail(TransportFailure::kTimeout, SentState::kMaybeSent), reply(200)});
  loop().send(c, post("https://a.snowflakecomputing.com/api/v2/statements?requestId=r-1"));
  auto reqs = c.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(query_param(reqs[0].url, "retry"), std::nullopt);
  EXPECT_EQ(query_param(reqs[1].url, "retry"), "true");
  EXPECT_EQ(query_param(reqs[1].url, "requestId"), "r-1");
}

TEST_F(RetryLoopTest, UntrustedCertificateIsNotRetried) {
  ScriptedClient c({fail(TransportFailure::kTlsVerify, SentState::kNotSent), reply(200)});
  try {
    loop().send(c, get());
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY411");
  }
  EXPECT_EQ(c.attempts(), 1);
}

TEST_F(RetryLoopTest, DeadlineCapsAttemptTimeoutsAndEndsTheLoop) {
  // Each attempt "takes" its whole timeout on the fake clock.
  class SlowClient final : public HttpClient {
   public:
    explicit SlowClient(FakeClock& clock) : clock_(clock) {}
    HttpResponse send(const HttpRequest& r) override {
      timeouts.push_back(r.timeout);
      clock_.advance(r.timeout);
      throw TransportError(TransportFailure::kTimeout, SentState::kMaybeSent, "timed out");
    }
    std::vector<milliseconds> timeouts;

   private:
    FakeClock& clock_;
  } slow(clock_);
  HttpRequest req = get();
  req.timeout = seconds(4);
  try {
    loop(100, seconds(10)).send(slow, req);
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY413");
    EXPECT_NE(std::string(e.what()).find("retry deadline reached after 3 attempts"),
              std::string::npos)
        << e.what();
  }
  // 4 s, wait 0.5 s, 4 s, wait 1 s: 9.5 s used; the third attempt gets the last 0.5 s.
  EXPECT_EQ(slow.timeouts, (std::vector<milliseconds>{seconds(4), seconds(4), milliseconds(500)}));
}

TEST_F(RetryLoopTest, RetryAfterBeyondTheDeadlineStopsAtOnce) {
  ScriptedClient c({reply(429, "{}", {{"Retry-After", "600"}}), reply(200)});
  auto r = loop(5, seconds(60)).send(c, get());
  EXPECT_EQ(c.attempts(), 1);
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.retry_note.find("asked to retry after 600.0 s"), std::string::npos) << r.retry_note;
}

}  // namespace
}  // namespace dbtpy::submitters::http
