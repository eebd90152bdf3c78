// URL helpers see URLs built from profile fields and servers' answers: never crash, and the
// redacted form never keeps a value of a parameter named like a secret.
#include <cstddef>
#include <cstdint>
#include <string>

#include "submitters/http/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = dbtpy::submitters::http;
  std::string s(reinterpret_cast<const char*>(data), size);
  (void)http::parse_url(s);
  (void)http::redact_url(s);
  (void)http::query_param(s, "requestId");
  (void)http::with_query_param(s, "retry", "true");
  (void)http::url_decode(s);
  auto fields = http::form_decode(s);
  (void)http::form_encode(fields);
  (void)http::is_loopback_host(s);
  return 0;
}
