#include "profiles/auth/token_cache.h"

namespace dbtpy::profiles::auth {

TokenCache::TokenCache(const Clock& clock, Fetch fetch, std::chrono::seconds margin)
    : clock_(clock), fetch_(std::move(fetch)), margin_(margin) {}

std::string TokenCache::get() {
  std::lock_guard lock(mu_);
  auto now = clock_.now();
  if (token_ && now < refresh_at_) return token_->value;
  AccessToken fresh = fetch_();
  ++fetches_;
  auto life = fresh.expires_at - now;
  auto margin = std::min<std::chrono::system_clock::duration>(margin_, life / 2);
  refresh_at_ = fresh.expires_at - margin;
  token_ = std::move(fresh);
  return token_->value;
}

void TokenCache::invalidate(std::string_view rejected) {
  std::lock_guard lock(mu_);
  if (token_ && token_->value == rejected) token_.reset();
}

std::optional<AccessToken> TokenCache::peek() const {
  std::lock_guard lock(mu_);
  return token_;
}

int TokenCache::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace dbtpy::profiles::auth
