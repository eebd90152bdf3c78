#pragma once
// Access tokens the sandbox itself issues (Google OAuth, Databricks OIDC), with their
// principal, scopes and expiry, so API calls can be checked against them and `tokens:
// expire_after` can make them lapse mid-run. Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "util/clock.h"

namespace dbtpy::sandbox {

struct IssuedToken {
  std::string principal;  // service account email, client id, user
  std::vector<std::string> scopes;
  std::chrono::system_clock::time_point expires;
};

class TokenStore {
 public:
  explicit TokenStore(const Clock& clock) : clock_(clock) {}

  void add(const std::string& token, IssuedToken info);
  enum class Status { kValid, kExpired, kUnknown };
  Status lookup(const std::string& token, IssuedToken* out) const;

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, IssuedToken> tokens_;
};

}  // namespace dbtpy::sandbox
