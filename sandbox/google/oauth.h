#pragma once
// Google's OAuth 2.0 token endpoint (POST /token): the JWT-bearer grant of service accounts
// (RS256 assertion verified against the registered public key: alg, kid, signature, iss, aud
// = the token URI, scope, iat/exp at most an hour apart) and the refresh-token grant of user
// clients; plus the bearer-token check every Google API handler runs, with each API's own 401
// body and the scope it needs. Thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "sandbox/config.h"
#include "sandbox/http/exchange.h"
#include "sandbox/random.h"
#include "sandbox/stats.h"
#include "sandbox/token_store.h"
#include "util/clock.h"
#include "util/rsa_key.h"

namespace dbtpy::sandbox::google {

enum class Api { kStorage, kDataproc, kBigQuery };

class OAuth {
 public:
  OAuth(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats);

  Reply token(Exchange& ex);
  // nullopt when the request carries a valid token with a scope the API accepts.
  std::optional<Reply> check(Exchange& ex, Api api, bool read_only = false);

 private:
  struct Account {
    std::string email;
    std::string key_id;
    PkeyPtr key;
  };
  Reply grant_error(int status, const std::string& error, const std::string& description,
                    const std::string& reason);
  Reply issue(const std::string& principal, const std::vector<std::string>& scopes);

  const SandboxConfig& config_;
  const Clock& clock_;
  Random& random_;
  Stats& stats_;
  TokenStore tokens_;
  std::vector<Account> accounts_;
};

}  // namespace dbtpy::sandbox::google
