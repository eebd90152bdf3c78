#pragma once
// Snowflake SQL API authentication: key-pair JWTs (RS256 signature with the user's registered
// public key; iss = ACCOUNT.USER.SHA256:<base64 SHA-256 of the key's DER>, sub = ACCOUNT.USER,
// upper-case; iat/exp present, exp in the future and at most one hour after iat), OAuth
// tokens and programmatic access tokens, each only when X-Snowflake-Authorization-Token-Type
// names that kind (absent = OAUTH, as Snowflake assumes). Failures answer 401 with
// Snowflake's body; the precise reason goes to the stats, as SYSTEM$GET_LOGIN_FAILURE_DETAILS
// would show it. Keys are loaded once; thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "sandbox/config.h"
#include "sandbox/http/exchange.h"
#include "sandbox/random.h"
#include "sandbox/stats.h"
#include "util/clock.h"
#include "util/rsa_key.h"

namespace dbtpy::sandbox::snowflake {

// "SHA256:<base64 of SHA-256(DER SubjectPublicKeyInfo)>", as Snowflake's DESC USER shows it.
std::string public_key_fingerprint(EVP_PKEY* key);

class Auth {
 public:
  Auth(const SnowflakeConfig& config, const Clock& clock, Random& random, Stats& stats);

  // nullopt when the request is authenticated (the user's name in `user`); else the reply.
  std::optional<Reply> check(const Exchange& ex, std::string& user);

 private:
  struct Key {
    std::string fingerprint;
    PkeyPtr key;
  };
  struct User {
    std::string name;
    std::vector<Key> keys;
    std::vector<std::string> oauth_tokens;
    std::vector<std::string> pats;
  };

  Reply reject(const std::string& code, const std::string& message, const std::string& reason);
  std::optional<Reply> check_jwt(const std::string& token, std::string& user);

  const SnowflakeConfig& config_;
  const Clock& clock_;
  Random& random_;
  Stats& stats_;
  std::vector<User> users_;
};

}  // namespace dbtpy::sandbox::snowflake
