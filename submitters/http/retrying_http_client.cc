#include "submitters/http/retrying_http_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "submitters/http/retry_after.h"
#include "submitters/http/url.h"

namespace dbtpy::submitters::http {

HttpResponse RetryingHttpClient::send(const HttpRequest& request) {
  HttpResponse response = loop_.send(inner_, request);
  if (idempotency_.is_idempotent(request)) return response;  // the loop already retried
  std::chrono::milliseconds wait{1'000};
  for (int resend = 1; resend <= throttled_resends_ && response.status == 429; ++resend) {
    std::chrono::milliseconds delay = wait;
    if (auto ra = response.header("Retry-After")) {
      if (auto asked = parse_retry_after(*ra, clock_.now())) delay = *asked;
    }
    delay = std::min(delay, std::chrono::milliseconds(60'000));
    spdlog::info("{} {} was throttled (HTTP 429) before taking effect; sending it again in {} ms",
                 request.method, redact_url(request.url), delay.count());
    sleeper_.sleep_for(delay);
    wait = std::min(wait * 2, std::chrono::milliseconds(16'000));
    const int earlier = response.attempts;
    response = loop_.send(inner_, request);
    response.attempts += earlier;
  }
  return response;
}

}  // namespace dbtpy::submitters::http
