#include "submitters/http/retry_after.h"

#include <gtest/gtest.h>

namespace dbtpy::submitters::http {
namespace {

using namespace std::chrono;

system_clock::time_point at(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return system_clock::from_time_t(timegm(&tm));
}

TEST(RetryAfter, DeltaSeconds) {
  auto now = system_clock::now();
  EXPECT_EQ(parse_retry_after("7", now), seconds(7));
  EXPECT_EQ(parse_retry_after(" 0 ", now), seconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), hours(24)) << "clamped";
}

TEST(RetryAfter, HttpDateInAllThreeForms) {
  auto now = at(2026, 11, 21, 8, 49, 30);
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 08:49:37 GMT", now), seconds(7));
  EXPECT_EQ(parse_retry_after("Saturday, 21-Nov-26 08:49:40 GMT", now), seconds(10));
  EXPECT_EQ(parse_retry_after("Sat Nov 21 08:50:30 2026", now), seconds(60));
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 08:00:00 GMT", now), milliseconds(0))
      << "a date in the past means now";
}

TEST(RetryAfter, GarbageIsIgnored) {
  auto now = system_clock::now();
  for (const char* v : {"", "soon", "-5", "1.5", "12 seconds", "Sat, 99 Foo 2026"}) {
    EXPECT_EQ(parse_retry_after(v, now), std::nullopt) << v;
  }
}

}  // namespace
}  // namespace dbtpy::submitters::http
