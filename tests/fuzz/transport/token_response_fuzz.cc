// Token endpoints' answers: any bytes parse or are refused, never crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "profiles/auth/token_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string why;
  (void)dbtpy::profiles::auth::parse_token_response(body, std::chrono::system_clock::now(), &why);
  return 0;
}
