#include "submitters/http/retry_after.h"

#include <string>

#include "submitters/http/curl_api.h"
#include "util/strings.h"

namespace dbtpy::submitters::http {

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  constexpr long long kMaxSeconds = 24 * 3600;
  std::string_view v = trim(value);
  if (v.empty()) return std::nullopt;
  bool digits = true;
  for (char c : v)
    digits = digits && c >= '0' && c <= '9';
  if (digits) {
    long long seconds = 0;
    for (char c : v) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kMaxSeconds) {
        seconds = kMaxSeconds;
        break;
      }
    }
    return std::chrono::seconds(seconds);
  }
  // HTTP-date in any of the three forms RFC 9110 allows (IMF-fixdate, RFC 850, asctime);
  // libcurl's date parser reads them all. Every form names a month, so a value without
  // letters (e.g. "-5" or "1.5") is malformed rather than a date.
  std::string s(v);
  bool letters = false;
  for (char c : s)
    letters = letters || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  if (!letters) return std::nullopt;
  time_t when = curl_api().getdate(s.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  auto target = std::chrono::system_clock::from_time_t(when);
  if (target <= now) return std::chrono::milliseconds(0);
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(target - now);
  return std::min<std::chrono::milliseconds>(delay, std::chrono::seconds(kMaxSeconds));
}

}  // namespace dbtpy::submitters::http
