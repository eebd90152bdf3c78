#pragma once
// The one AuthProvider every method uses: `Authorization: Bearer <token>` plus fixed extra
// headers (Snowflake's X-Snowflake-Authorization-Token-Type). The token either comes from a
// fetch function through a TokenCache (signed JWTs, OAuth grants, the metadata server) or is
// fixed (a PAT or access token from the profile; such a provider cannot refresh).
// Thread-safe.
#include <memory>
#include <optional>

#include "profiles/auth/auth_provider.h"
#include "profiles/auth/token_cache.h"

namespace dbtpy::profiles::auth {

class BearerTokenProvider final : public AuthProvider {
 public:
  BearerTokenProvider(std::string description, const Clock& clock, TokenCache::Fetch fetch,
                      std::vector<http::Header> extra_headers = {},
                      std::chrono::seconds margin = std::chrono::seconds(300));
  // A fixed token.
  BearerTokenProvider(std::string description, std::string token,
                      std::vector<http::Header> extra_headers = {});

  std::vector<http::Header> headers() override;
  bool refresh_after_rejection(const std::vector<http::Header>& rejected) override;
  std::string description() const override { return description_; }

  // The cached token (nullopt for fixed tokens and before the first fetch).
  std::optional<AccessToken> current() const;
  int fetches() const { return cache_ ? cache_->fetches() : 0; }

 private:
  std::string description_;
  std::vector<http::Header> extra_;
  std::unique_ptr<TokenCache> cache_;
  std::string fixed_;
};

// The token of an "Authorization: Bearer <token>" header among `headers` ("" when none).
std::string bearer_token(const std::vector<http::Header>& headers);

}  // namespace dbtpy::profiles::auth
