#include "profiles/auth/bearer_token_provider.h"

#include "util/strings.h"

namespace dbtpy::profiles::auth {

BearerTokenProvider::BearerTokenProvider(std::string description, const Clock& clock,
                                         TokenCache::Fetch fetch,
                                         std::vector<http::Header> extra_headers,
                                         std::chrono::seconds margin)
    : description_(std::move(description)),
      extra_(std::move(extra_headers)),
      cache_(std::make_unique<TokenCache>(clock, std::move(fetch), margin)) {}

BearerTokenProvider::BearerTokenProvider(std::string description, std::string token,
                                         std::vector<http::Header> extra_headers)
    : description_(std::move(description)),
      extra_(std::move(extra_headers)),
      fixed_(std::move(token)) {}

std::vector<http::Header> BearerTokenProvider::headers() {
  std::vector<http::Header> out;
  out.push_back({"Authorization", "Bearer " + (cache_ ? cache_->get() : fixed_)});
  out.insert(out.end(), extra_.begin(), extra_.end());
  return out;
}

bool BearerTokenProvider::refresh_after_rejection(const std::vector<http::Header>& rejected) {
  if (!cache_) return false;
  cache_->invalidate(bearer_token(rejected));
  return true;
}

std::optional<AccessToken> BearerTokenProvider::current() const {
  return cache_ ? cache_->peek() : std::nullopt;
}

std::string bearer_token(const std::vector<http::Header>& headers) {
  for (const auto& h : headers) {
    if (!iequals(h.name, "Authorization")) continue;
    std::string_view v = trim(h.value);
    if (v.size() > 7 && iequals(v.substr(0, 7), "Bearer ")) return std::string(trim(v.substr(7)));
  }
  return {};
}

}  // namespace dbtpy::profiles::auth
