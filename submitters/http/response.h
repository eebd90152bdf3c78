#pragma once
// One HTTP response, whatever its status, plus the transport facts logs and tests look at.
// A value type.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "submitters/http/request.h"

namespace dbtpy::submitters::http {

struct HttpResponse {
  int status = 0;
  std::vector<Header> headers;  // of the final response only (not of 100-continue or a proxy)
  std::string body;             // already decoded when the server sent gzip/br/zstd

  std::string http_version;  // "1.1", "2"
  bool reused_connection = false;
  std::chrono::milliseconds elapsed{0};

  // Filled by the retry loop: how many attempts it took, and when the loop gave up on a
  // retryable status, why (e.g. "not retried: POST without an idempotency key").
  int attempts = 1;
  std::string retry_note;

  std::optional<std::string> header(std::string_view name) const {
    return find_header(headers, name);
  }
  bool ok() const { return status >= 200 && status < 300; }
};

}  // namespace dbtpy::submitters::http
