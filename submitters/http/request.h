#pragma once
// One HTTP request as the transport sees it: method, absolute URL, headers, body and the
// per-attempt limits. A value type: the retry loop copies it for each attempt, so callers may
// build it once and hand it over. Header names compare case-insensitively, as HTTP says.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy::submitters::http {

struct Header {
  std::string name;
  std::string value;
};

// Finds a header by name (case-insensitive); the first one wins.
std::optional<std::string> find_header(const std::vector<Header>& headers, std::string_view name);

// Whether sending the request again after it may have reached the server is safe.
// kDetect lets the IdempotencyPolicy decide from the method and the platform's idempotency
// keys; the explicit values are for calls whose safety the caller knows (a token exchange
// mints another token; a cancel of a cancelled run changes nothing).
enum class Idempotency { kDetect, kIdempotent, kNonIdempotent };

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute, http:// or https://
  std::vector<Header> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // one whole attempt, connect included
  Idempotency idempotency = Idempotency::kDetect;

  std::optional<std::string> header(std::string_view name) const;
  // Replaces every header of that name with one value.
  void set_header(std::string name, std::string value);
  void remove_header(std::string_view name);
};

}  // namespace dbtpy::submitters::http
