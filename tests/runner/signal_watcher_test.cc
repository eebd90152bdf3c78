// SIGINT and SIGTERM reach the handler on an ordinary thread, counted, instead of killing the
// process.
#include "runner/signal_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace dbtpy::runner {
namespace {

using namespace std::chrono_literals;

TEST(SignalWatcher, DeliversSignalsInOrderWithTheirCount) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<int, int>> seen;
  {
    SignalWatcher watcher([&](int signal, int count) {
      std::lock_guard lock(mu);
      seen.emplace_back(signal, count);
      cv.notify_all();
    });
    auto wait_for = [&](size_t n) {
      std::unique_lock lock(mu);
      // A guard against hanging, not a timing assertion.
      return cv.wait_for(lock, 30s, [&] { return seen.size() >= n; });
    };
    ASSERT_EQ(::kill(::getpid(), SIGINT), 0);
    ASSERT_TRUE(wait_for(1));
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    ASSERT_TRUE(wait_for(2));
    EXPECT_EQ(watcher.received(), 2);
    EXPECT_EQ(watcher.first_signal(), SIGINT);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{SIGINT, 1}, {SIGTERM, 2}}));
}

TEST(SignalWatcher, ExitCodesFollowTheShellConvention) {
  EXPECT_EQ(exit_code_for_signal(SIGINT), 130);
  EXPECT_EQ(exit_code_for_signal(SIGTERM), 143);
}

}  // namespace
}  // namespace dbtpy::runner
