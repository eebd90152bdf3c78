// Any bytes a server sends as an error body must parse without crashing, and the summary
// must stay short (it goes into one-line error messages).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "submitters/http/error_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto e = dbtpy::submitters::http::parse_error_body(body);
  std::string s = e.summary();
  if (e.message.size() > 320 || e.details.size() > 320) std::abort();
  return 0;
}
