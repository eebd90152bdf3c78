#include "sandbox/snowflake/auth.h"

#include "util/base64.h"
#include "util/hash.h"
#include "util/jwt.h"
#include "util/strings.h"

namespace dbtpy::sandbox::snowflake {
namespace {

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

bool is_upper_identifier(const std::string& s) {
  return s == to_upper(s);
}

}  // namespace

std::string public_key_fingerprint(EVP_PKEY* key) {
  return "SHA256:" + base64_encode(hex_to_bytes(sha256_hex(public_key_der(key))));
}

Auth::Auth(const SnowflakeConfig& config, const Clock& clock, Random& random, Stats& stats)
    : config_(config), clock_(clock), random_(random), stats_(stats) {
  for (const auto& u : config.users) {
    User user;
    user.name = u.name;
    for (const auto& pem : u.public_keys) {
      auto key = load_public_key_pem(pem);
      std::string fp = public_key_fingerprint(key.get());
      user.keys.push_back({fp, std::move(key)});
    }
    user.oauth_tokens = u.oauth_tokens;
    user.pats = u.programmatic_access_tokens;
    users_.push_back(std::move(user));
  }
}

Reply Auth::reject(const std::string& code, const std::string& message, const std::string& reason) {
  // Snowflake appends an incident id that an administrator can look up; the sandbox keeps
  // the detailed reason under the same id in /_sandbox/stats.
  std::string id = random_.uuid4();
  stats_.auth_failure("snowflake", id, reason);
  return Reply::json(401, {{"code", code}, {"message", message + " [" + id + "]"}});
}

std::optional<Reply> Auth::check(const Exchange& ex, std::string& user) {
  std::string authz = ex.header("Authorization");
  if (authz.empty()) {
    std::string id = random_.uuid4();
    stats_.auth_failure("snowflake", id, "no Authorization header");
    return Reply::json(401, {{"code", "390101"},
                             {"message", "Authorization header not found in the request data."}});
  }
  if (authz.size() < 7 || !iequals(authz.substr(0, 7), "Bearer ")) {
    return reject("390101", "Authorization header is not a Bearer token.",
                  "Authorization scheme is not Bearer");
  }
  std::string token(trim(std::string_view(authz).substr(7)));
  std::string type = to_upper(trim(ex.header("X-Snowflake-Authorization-Token-Type")));
  if (type.empty()) type = "OAUTH";  // Snowflake assumes OAuth when the header is absent
  if (type == "KEYPAIR_JWT") return check_jwt(token, user);
  if (type == "OAUTH") {
    for (const auto& u : users_) {
      for (const auto& t : u.oauth_tokens) {
        if (t == token) {
          user = u.name;
          return std::nullopt;
        }
      }
    }
    std::string why = "OAuth token not registered";
    if (jwt_decode(token)) {
      why +=
          " (it looks like a key-pair JWT: send X-Snowflake-Authorization-Token-Type: "
          "KEYPAIR_JWT)";
    }
    return reject("390303", "Invalid OAuth access token.", why);
  }
  if (type == "PROGRAMMATIC_ACCESS_TOKEN") {
    for (const auto& u : users_) {
      for (const auto& t : u.pats) {
        if (t == token) {
          user = u.name;
          return std::nullopt;
        }
      }
    }
    return reject("394400", "Programmatic access token is invalid.",
                  "programmatic access token not registered");
  }
  return reject("390101", "Unsupported authorization token type '" + type + "'.",
                "X-Snowflake-Authorization-Token-Type must be KEYPAIR_JWT, OAUTH or "
                "PROGRAMMATIC_ACCESS_TOKEN");
}

std::optional<Reply> Auth::check_jwt(const std::string& token, std::string& user) {
  const std::string invalid = "JWT token is invalid.";
  auto jwt = jwt_decode(token);
  if (!jwt) return reject("390144", invalid, "JWT_TOKEN_INVALID: not a compact JWS");
  if (jwt->header.value("alg", "") != "RS256") {
    return reject("390144", invalid, "JWT_TOKEN_INVALID_ALGORITHM: alg must be RS256");
  }
  const Json& c = jwt->claims;
  if (!c.contains("iat") || !c.contains("exp") || !c["iat"].is_number() || !c["exp"].is_number()) {
    return reject("390144", invalid,
                  "JWT_TOKEN_MISSING_ISSUE_OR_EXPIRATION_TIME: iat and exp must be numbers");
  }
  const double now = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
  const double iat = c["iat"].get<double>();
  const double exp = c["exp"].get<double>();
  if (iat > now + config_.clock_skew_seconds) {
    return reject("390144", invalid, "JWT_TOKEN_INVALID_ISSUE_TIME: iat is in the future");
  }
  if (exp <= now) return reject("390144", invalid, "JWT_TOKEN_EXPIRED: exp has passed");
  if (exp - iat > config_.max_jwt_lifetime) {
    return reject("390144", invalid,
                  "JWT_TOKEN_INVALID_EXPIRATION_TIME: exp is more than one hour after iat");
  }
  std::string iss = c.value("iss", "");
  std::string sub = c.value("sub", "");
  size_t fp_at = iss.rfind(".SHA256:");
  if (fp_at == std::string::npos) {
    return reject("390144", invalid,
                  "JWT_TOKEN_INVALID_ISSUER: iss must be ACCOUNT.USER.SHA256:<fingerprint>");
  }
  std::string principal = iss.substr(0, fp_at);
  std::string fingerprint = iss.substr(fp_at + 1);
  size_t dot = principal.find('.');
  if (dot == std::string::npos) {
    return reject("390144", invalid, "JWT_TOKEN_INVALID_ISSUER: iss has no ACCOUNT.USER part");
  }
  std::string account = principal.substr(0, dot);
  std::string user_name = principal.substr(dot + 1);
  if (!is_upper_identifier(account) || !is_upper_identifier(user_name)) {
    return reject("390144", invalid,
                  "JWT_TOKEN_INVALID_ISSUER: account and user in iss must be upper-case (got " +
                      principal + ")");
  }
  if (account != config_.account) {
    return reject("390144", invalid,
                  "JWT_TOKEN_INVALID_ISSUER: account " + account + " is not this account (" +
                      config_.account +
                      "; drop any region or cloud suffix from the account locator)");
  }
  if (sub != principal) {
    return reject("390144", invalid, "JWT_TOKEN_INVALID_SUBJECT: sub must be " + principal);
  }
  const User* u = nullptr;
  for (const auto& cand : users_) {
    if (cand.name == user_name) u = &cand;
  }
  if (!u) {
    return reject("390144", invalid, "JWT_TOKEN_INVALID_USER_IN_ISSUER: no user " + user_name);
  }
  const Key* key = nullptr;
  for (const auto& k : u->keys) {
    if (k.fingerprint == fingerprint) key = &k;
  }
  if (!key) {
    return reject("390144", invalid,
                  "JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH: " + fingerprint +
                      " is not a registered key of " + user_name);
  }
  if (!jwt_verify_rs256(*jwt, key->key.get())) {
    return reject("390144", invalid, "JWT_TOKEN_INVALID_SIGNATURE");
  }
  user = u->name;
  return std::nullopt;
}

}  // namespace dbtpy::sandbox::snowflake
