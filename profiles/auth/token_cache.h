#pragma once
// One cached access token with single-flight refresh: while the token has more than a margin
// of its life left it is returned as is; otherwise the first caller fetches a new one while
// the others wait on the same lock and then share it (dozens of threads must not each hit
// the token endpoint). invalidate() drops the token only if it is still the one a 401
// rejected, so a token another thread already refreshed survives. Thread-safe.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "profiles/auth/token_response.h"
#include "util/clock.h"

namespace dbtpy::profiles::auth {

class TokenCache {
 public:
  using Fetch = std::function<AccessToken()>;

  // Refreshes `margin` before expiry, or at half-life for tokens living less than 2 margins.
  TokenCache(const Clock& clock, Fetch fetch,
             std::chrono::seconds margin = std::chrono::seconds(300));

  std::string get();
  void invalidate(std::string_view rejected);
  // The current token, if any (for `dbtpy debug`: when does it expire).
  std::optional<AccessToken> peek() const;
  int fetches() const;

 private:
  const Clock& clock_;
  Fetch fetch_;
  std::chrono::seconds margin_;
  mutable std::mutex mu_;
  std::optional<AccessToken> token_;
  std::chrono::system_clock::time_point refresh_at_;
  int fetches_ = 0;
};

}  // namespace dbtpy::profiles::auth
