// The retrying decorator: idempotent requests are retried by the loop, a 429 on a plain POST
// is sent again after the server's Retry-After, other failures of a plain POST never are.
#include "submitters/http/retrying_http_client.h"

#include <gtest/gtest.h>

#include "submitters/http/http_error.h"
#include "tests/submitters/http/scripted_client.h"
#include "tests/support/fakes.h"

namespace dbtpy::submitters::http {
namespace {

using dbtpy::testing::FakeClock;
using dbtpy::testing::FixedRandom;
using dbtpy::testing::RecordingSleeper;

struct Rig {
  FakeClock clock;
  RecordingSleeper sleeper{&clock};
  FixedRandom random{0.5};
  RetryLoop loop = RetryLoop::with_settings(RetrySettings{}, clock, sleeper, random);
};

HttpRequest plain_post() {
  HttpRequest r;
  r.method = "POST";
  r.url = "https://h/api/1.2/commands/execute";
  r.body = "{}";
  return r;
}

TEST(RetryingHttpClient, ThrottledPlainPostIsSentAgainAfterRetryAfter) {
  Rig rig;
  ScriptedClient inner({reply(429, "{}", {{"Retry-After", "3"}}), reply(200, R"({"id":"c1"})")});
  RetryingHttpClient client(inner, rig.loop, rig.clock, rig.sleeper);
  HttpResponse r = client.send(plain_post());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(inner.attempts(), 2);
  ASSERT_EQ(rig.sleeper.sleeps().size(), 1u);
  EXPECT_EQ(rig.sleeper.sleeps()[0], std::chrono::milliseconds(3000));
}

TEST(RetryingHttpClient, PlainPostIsNotResentAfter503OrADroppedConnection) {
  Rig rig;
  ScriptedClient inner({reply(503), reply(200)});
  RetryingHttpClient client(inner, rig.loop, rig.clock, rig.sleeper);
  EXPECT_EQ(client.send(plain_post()).status, 503);
  EXPECT_EQ(inner.attempts(), 1);

  ScriptedClient dropping(
      {fail(TransportFailure::kConnectionLost, SentState::kMaybeSent), reply(200)});
  RetryingHttpClient client2(dropping, rig.loop, rig.clock, rig.sleeper);
  try {
    client2.send(plain_post());
    FAIL() << "expected HttpError";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.diagnostics().front().code, "DBTPY414");
    EXPECT_TRUE(e.info().may_have_been_sent);
  }
  EXPECT_EQ(dropping.attempts(), 1);
}

TEST(RetryingHttpClient, KeyedPostIsResentWithTheSameKey) {
  Rig rig;
  ScriptedClient inner({fail(TransportFailure::kConnectionLost, SentState::kMaybeSent),
                        reply(202, R"({"statementHandle":"h"})")});
  RetryingHttpClient client(inner, rig.loop, rig.clock, rig.sleeper);
  HttpRequest r = plain_post();
  r.url = "https://acct.snowflakecomputing.com/api/v2/statements?requestId=abc";
  EXPECT_EQ(client.send(r).status, 202);
  ASSERT_EQ(inner.attempts(), 2);
  EXPECT_EQ(inner.requests()[1].url,
            "https://acct.snowflakecomputing.com/api/v2/statements?requestId=abc&retry=true");
}

TEST(RetryingHttpClient, GivesUpOnEndlessThrottling) {
  Rig rig;
  ScriptedClient inner({reply(429)});
  RetryingHttpClient client(inner, rig.loop, rig.clock, rig.sleeper, 2);
  EXPECT_EQ(client.send(plain_post()).status, 429);
  EXPECT_EQ(inner.attempts(), 3);
}

}  // namespace
}  // namespace dbtpy::submitters::http
