#pragma once
// Retry-After (RFC 9110 §10.2.3): either delta-seconds or an HTTP-date. Servers use it with
// 429 and 503 to say when to come back; honouring it is both polite and the fastest way
// through a rate limit. Pure functions.
#include <chrono>
#include <optional>
#include <string_view>

namespace dbtpy::submitters::http {

// The delay the header value asks for, measured from `now` for dates (a date in the past
// means no delay). nullopt when the value is neither form. Absurd values are clamped to a day.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace dbtpy::submitters::http
