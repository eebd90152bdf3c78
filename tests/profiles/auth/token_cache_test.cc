#include "profiles/auth/token_cache.h"

#include <gtest/gtest.h>

#include <thread>

#include "profiles/auth/authorized_http_client.h"
#include "profiles/auth/bearer_token_provider.h"
#include "tests/submitters/http/scripted_client.h"
#include "tests/support/fakes.h"

namespace dbtpy::profiles::auth {
namespace {

using namespace std::chrono;
using testing::FakeClock;

TEST(TokenCache, CachesUntilTheMarginThenRefreshes) {
  FakeClock clock;
  int n = 0;
  TokenCache cache(
      clock,
      [&] {
        return AccessToken{"t" + std::to_string(++n), clock.now() + hours(1)};
      },
      seconds(300));
  EXPECT_EQ(cache.get(), "t1");
  clock.advance(minutes(54));
  EXPECT_EQ(cache.get(), "t1");
  clock.advance(minutes(2));  // 4 minutes left: inside the 5-minute margin
  EXPECT_EQ(cache.get(), "t2");
  EXPECT_EQ(cache.fetches(), 2);
}

TEST(TokenCache, InvalidateDropsOnlyTheRejectedToken) {
  FakeClock clock;
  int n = 0;
  TokenCache cache(clock, [&] {
    return AccessToken{"t" + std::to_string(++n), clock.now() + hours(1)};
  });
  EXPECT_EQ(cache.get(), "t1");
  cache.invalidate("t0");  // a stale rejection from another thread
  EXPECT_EQ(cache.get(), "t1");
  cache.invalidate("t1");
  EXPECT_EQ(cache.get(), "t2");
}

TEST(TokenCache, ConcurrentCallersShareOneFetch) {
  FakeClock clock;
  std::atomic<int> fetches{0};
  TokenCache cache(clock, [&] {
    fetches.fetch_add(1);
    std::this_thread::sleep_for(milliseconds(20));
    return AccessToken{"shared", clock.now() + hours(1)};
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] { EXPECT_EQ(cache.get(), "shared"); });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(fetches.load(), 1);
}

TEST(AuthorizedHttpClient, RefreshesOnceOn401ThenGivesUp) {
  using submitters::http::reply;
  using submitters::http::ScriptedClient;
  FakeClock clock;
  int n = 0;
  auto auth = std::make_shared<BearerTokenProvider>("test", clock, [&] {
    return AccessToken{"tok" + std::to_string(++n), clock.now() + hours(1)};
  });
  ScriptedClient inner({reply(401), reply(200)});
  AuthorizedHttpClient client(inner, auth);
  submitters::http::HttpRequest r;
  r.method = "POST";
  r.url = "https://h/x";
  EXPECT_EQ(client.send(r).status, 200);
  auto sent = inner.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].header("Authorization"), "Bearer tok1");
  EXPECT_EQ(sent[1].header("Authorization"), "Bearer tok2");

  ScriptedClient always({reply(401)});
  AuthorizedHttpClient stubborn(always, auth);
  EXPECT_EQ(stubborn.send(r).status, 401);
  EXPECT_EQ(always.attempts(), 2) << "one refresh, not a loop";

  auto fixed = std::make_shared<BearerTokenProvider>("pat", "dapi-1");
  ScriptedClient once({reply(401)});
  AuthorizedHttpClient fixed_client(once, fixed);
  EXPECT_EQ(fixed_client.send(r).status, 401);
  EXPECT_EQ(once.attempts(), 1) << "a fixed token cannot be refreshed";

  ScriptedClient databricks(
      {reply(403, R"({"error_code":"403","message":"Invalid access token."})"), reply(200)});
  AuthorizedHttpClient dbx(databricks, auth);
  EXPECT_EQ(dbx.send(r).status, 200);
}

}  // namespace
}  // namespace dbtpy::profiles::auth
