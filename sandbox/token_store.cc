#include "sandbox/token_store.h"

namespace dbtpy::sandbox {

void TokenStore::add(const std::string& token, IssuedToken info) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[token] = std::move(info);
}

TokenStore::Status TokenStore::lookup(const std::string& token, IssuedToken* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return Status::kUnknown;
  if (out) *out = it->second;
  return clock_.now() >= it->second.expires ? Status::kExpired : Status::kValid;
}

}  // namespace dbtpy::sandbox
