#include "sandbox/google/oauth.h"

#include "sandbox/google/errors.h"
#include "sandbox/http/params.h"
#include "util/jwt.h"
#include "util/strings.h"

namespace dbtpy::sandbox::google {
namespace {

const char* const kCloudPlatform = "https://www.googleapis.com/auth/cloud-platform";

bool has_scope(const std::vector<std::string>& scopes, Api api, bool read_only) {
  for (const auto& s : scopes) {
    if (s == kCloudPlatform) return true;
    switch (api) {
      case Api::kStorage:
        if (s == "https://www.googleapis.com/auth/devstorage.full_control" ||
            s == "https://www.googleapis.com/auth/devstorage.read_write") {
          return true;
        }
        if (read_only && s == "https://www.googleapis.com/auth/devstorage.read_only") return true;
        if (read_only && s == "https://www.googleapis.com/auth/cloud-platform.read-only") {
          return true;
        }
        break;
      case Api::kBigQuery:
        if (s == "https://www.googleapis.com/auth/bigquery") return true;
        break;
      case Api::kDataproc:
        break;
    }
  }
  return false;
}

}  // namespace

OAuth::OAuth(const SandboxConfig& config, const Clock& clock, Random& random, Stats& stats)
    : config_(config), clock_(clock), random_(random), stats_(stats), tokens_(clock) {
  for (const auto& sa : config.google.service_accounts) {
    accounts_.push_back({sa.client_email, sa.key_id, load_public_key_pem(sa.public_key)});
  }
}

Reply OAuth::grant_error(int status, const std::string& error, const std::string& description,
                         const std::string& reason) {
  stats_.auth_failure("google", random_.uuid4(), reason);
  return Reply::json(status, {{"error", error}, {"error_description", description}});
}

Reply OAuth::issue(const std::string& principal, const std::vector<std::string>& scopes) {
  double lifetime = config_.token_expire_after.value_or(3599);
  std::string token = "ya29.c." + random_.alnum(120);
  tokens_.add(token,
              {principal, scopes,
               clock_.now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  std::chrono::duration<double>(lifetime))});
  return Reply::json(200, {{"access_token", token},
                           {"expires_in", static_cast<long long>(lifetime)},
                           {"token_type", "Bearer"}});
}

Reply OAuth::token(Exchange& ex) {
  if (ex.content_type() != "application/x-www-form-urlencoded") {
    return Reply::json(
        400, {{"error", "invalid_request"},
              {"error_description", "Content-Type must be application/x-www-form-urlencoded"}});
  }
  auto form = parse_form(ex.req.body);
  const std::string grant = form["grant_type"];
  if (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer") {
    auto jwt = jwt_decode(form["assertion"]);
    const std::string bad_sig = "Invalid JWT Signature.";
    if (!jwt)
      return grant_error(400, "invalid_grant", "Invalid JWT: malformed assertion",
                         "malformed assertion");
    if (jwt->header.value("alg", "") != "RS256") {
      return grant_error(400, "invalid_grant", bad_sig, "alg is not RS256");
    }
    const Json& c = jwt->claims;
    std::string iss = c.value("iss", "");
    ex.log_keys["iss"] = iss;
    const Account* account = nullptr;
    for (const auto& a : accounts_) {
      if (a.email == iss) account = &a;
    }
    if (!account) {
      return grant_error(400, "invalid_grant", "Invalid grant: account not found",
                         "no service account " + iss);
    }
    std::string kid = jwt->header.value("kid", "");
    if (!kid.empty() && !account->key_id.empty() && kid != account->key_id) {
      return grant_error(400, "invalid_grant", bad_sig, "kid " + kid + " is not the key's id");
    }
    if (!jwt_verify_rs256(*jwt, account->key.get())) {
      return grant_error(400, "invalid_grant", bad_sig, "signature does not verify");
    }
    std::string aud = c.value("aud", "");
    std::string own = ex.base_url + "/token";
    bool aud_ok = aud == own;
    for (const auto& a : config_.google.token_audiences)
      aud_ok = aud_ok || a == aud;
    if (!aud_ok) {
      return grant_error(400, "invalid_grant",
                         "Invalid JWT: Failed audience check. The right audience is " + own,
                         "aud " + aud + " is not the token URI");
    }
    const std::string timing =
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
        "timeframe. Check your iat and exp values in the JWT claim.";
    if (!c.contains("iat") || !c.contains("exp") || !c["iat"].is_number() ||
        !c["exp"].is_number()) {
      return grant_error(400, "invalid_grant", timing, "iat/exp missing");
    }
    const double now = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
    const double iat = c["iat"].get<double>();
    const double exp = c["exp"].get<double>();
    if (exp - iat > 3600 || exp <= now || iat > now + 60) {
      return grant_error(400, "invalid_grant", timing, "iat/exp outside the allowed window");
    }
    std::string scope = c.value("scope", "");
    if (trim(scope).empty()) {
      return grant_error(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.",
                         "no scope claim");
    }
    std::vector<std::string> scopes;
    for (const auto& s : split(scope, ' ')) {
      if (!s.empty()) scopes.push_back(s);
    }
    return issue(iss, scopes);
  }
  if (grant == "refresh_token") {
    ex.log_keys["client_id"] = form["client_id"];
    for (const auto& rc : config_.google.refresh_clients) {
      if (rc.client_id != form["client_id"]) continue;
      if (rc.client_secret != form["client_secret"]) {
        return grant_error(401, "invalid_client", "Unauthorized", "wrong client secret");
      }
      if (rc.refresh_token != form["refresh_token"]) {
        return grant_error(400, "invalid_grant", "Bad Request", "unknown refresh token");
      }
      std::vector<std::string> scopes = {kCloudPlatform};
      if (!form["scope"].empty()) scopes = split(form["scope"], ' ');
      return issue(rc.client_id, scopes);
    }
    return grant_error(401, "invalid_client", "The OAuth client was not found.",
                       "unknown client " + form["client_id"]);
  }
  return grant_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant,
                     "grant_type " + grant);
}

std::optional<Reply> OAuth::check(Exchange& ex, Api api, bool read_only) {
  std::string authz = ex.header("Authorization");
  std::string token;
  if (authz.size() > 7 && iequals(authz.substr(0, 7), "Bearer ")) {
    token = std::string(trim(std::string_view(authz).substr(7)));
  }
  IssuedToken info;
  auto status = token.empty() ? TokenStore::Status::kUnknown : tokens_.lookup(token, &info);
  if (status != TokenStore::Status::kValid) {
    stats_.auth_failure("google", random_.uuid4(),
                        token.empty()                            ? "no bearer token"
                        : status == TokenStore::Status::kExpired ? "access token expired"
                                                                 : "unknown access token");
    Reply r;
    if (api == Api::kStorage) {
      r = Reply::json(401, {{"error",
                             {{"code", 401},
                              {"message", "Invalid Credentials"},
                              {"errors", Json::array({{{"message", "Invalid Credentials"},
                                                       {"domain", "global"},
                                                       {"reason", "authError"},
                                                       {"locationType", "header"},
                                                       {"location", "Authorization"}}})}}}});
    } else {
      r = google_error(401,
                       "Request had invalid authentication credentials. Expected OAuth 2 access "
                       "token, login cookie or other valid authentication credential. See "
                       "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                       api == Api::kBigQuery ? "authError" : "");
    }
    r.header("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
    return r;
  }
  if (!has_scope(info.scopes, api, read_only)) {
    Reply r = Reply::json(
        403, {{"error",
               {{"code", 403},
                {"message", "Request had insufficient authentication scopes."},
                {"status", "PERMISSION_DENIED"},
                {"details", Json::array({{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                                          {"reason", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"},
                                          {"domain", "googleapis.com"}}})}}}});
    return r;
  }
  ex.log_keys["principal"] = info.principal;
  return std::nullopt;
}

}  // namespace dbtpy::sandbox::google
