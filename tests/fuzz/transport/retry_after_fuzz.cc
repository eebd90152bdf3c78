// Retry-After values are server-controlled: never crash, never ask for more than a day.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "submitters/http/retry_after.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view v(reinterpret_cast<const char*>(data), size);
  auto now = std::chrono::system_clock::from_time_t(1795250970);
  auto d = dbtpy::submitters::http::parse_retry_after(v, now);
  if (d && (d->count() < 0 || *d > std::chrono::hours(24))) std::abort();
  return 0;
}
