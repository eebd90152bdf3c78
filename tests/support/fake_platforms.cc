#include "tests/support/fake_platforms.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "submitters/http/url.h"
#include "tests/support/temp_dir.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/jwt.h"

namespace dbtpy::testing {
namespace {

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_token(const std::string& prefix) {
  unsigned char b[18];
  RAND_bytes(b, sizeof b);
  return prefix + base64url_encode(std::string_view(reinterpret_cast<char*>(b), sizeof b));
}

std::string bearer(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  return h.rfind("Bearer ", 0) == 0 ? h.substr(7) : "";
}

std::string fingerprint_of(EVP_PKEY* key) {
  std::string der = public_key_der(key);
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(der.data()), der.size(), d);
  return "SHA256:" + base64_encode(std::string_view(reinterpret_cast<char*>(d), sizeof d));
}

// Decodes "Basic base64(id:secret)" (each part form-encoded, RFC 6749 §2.3.1).
std::pair<std::string, std::string> basic_auth(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  if (h.rfind("Basic ", 0) != 0) return {};
  auto raw = base64_decode(h.substr(6));
  if (!raw) return {};
  auto colon = raw->find(':');
  if (colon == std::string::npos) return {};
  return {submitters::http::url_decode(raw->substr(0, colon)).value_or(""),
          submitters::http::url_decode(raw->substr(colon + 1)).value_or("")};
}

std::map<std::string, std::string> form(const httplib::Request& req) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : submitters::http::form_decode(req.body))
    out[k] = v;
  return out;
}

void json_reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

// ---------------------------------------------------------------------------- Snowflake

FakeSnowflake::FakeSnowflake(const TestCa& ca, std::string account, std::string user,
                             std::string public_pem)
    : server_(ca),
      account_(std::move(account)),
      user_(std::move(user)),
      public_key_(load_public_key_pem(public_pem)),
      fingerprint_(fingerprint_of(public_key_.get())) {
  server_.server().Post(
      "/api/v2/statements", [this](const httplib::Request& req, httplib::Response& res) {
        std::string why = check(req);
        if (!why.empty()) {
          rejected_.fetch_add(1);
          {
            std::lock_guard lock(mu_);
            last_rejection_ = why;
          }
          json_reply(res, 401, {{"code", "390144"}, {"message", why}, {"sqlState", "08001"}});
          return;
        }
        if (req.get_header_value("User-Agent").empty()) {
          json_reply(res, 400, {{"code", "391903"}, {"message", "User-Agent header is required"}});
          return;
        }
        Json body = Json::parse(req.body, nullptr, false);
        if (!body.is_object() || !body.contains("statement")) {
          json_reply(res, 400, {{"code", "391906"}, {"message", "statement is required"}});
          return;
        }
        ok_.fetch_add(1);
        json_reply(res, 200,
                   {{"statementHandle", "01b0-0000-1"},
                    {"code", "090001"},
                    {"message", "Statement executed successfully."},
                    {"resultSetMetaData", {{"numRows", 1}, {"rowType", {{{"name", "1"}}}}}},
                    {"data", {{"1"}}}});
      });
  server_.server().Post("/oauth/token-request", [this](const httplib::Request& req,
                                                       httplib::Response& res) {
    auto [id, secret] = basic_auth(req);
    auto f = form(req);
    std::lock_guard lock(mu_);
    if (id != client_id_ || secret != client_secret_ || client_id_.empty()) {
      json_reply(res, 401, {{"error", "invalid_client"}, {"error_description", "bad client"}});
      return;
    }
    if (f["grant_type"] != "refresh_token" || f["refresh_token"] != refresh_token_) {
      json_reply(res, 400,
                 {{"error", "invalid_grant"}, {"error_description", "refresh token is invalid"}});
      return;
    }
    std::string t = random_token("sf-oauth-");
    tokens_[t] = "OAUTH";
    refresh_grants_.fetch_add(1);
    json_reply(res, 200, {{"access_token", t}, {"token_type", "Bearer"}, {"expires_in", 600}});
  });
  server_.start();
}

void FakeSnowflake::allow_token(const std::string& token, const std::string& type) {
  std::lock_guard lock(mu_);
  tokens_[token] = type;
}

void FakeSnowflake::set_oauth_client(std::string id, std::string secret, std::string refresh) {
  std::lock_guard lock(mu_);
  client_id_ = std::move(id);
  client_secret_ = std::move(secret);
  refresh_token_ = std::move(refresh);
}

std::string FakeSnowflake::last_rejection() const {
  std::lock_guard lock(mu_);
  return last_rejection_;
}

std::set<std::string> FakeSnowflake::seen_jwts() const {
  std::lock_guard lock(mu_);
  return jwts_;
}

std::string FakeSnowflake::check(const httplib::Request& req) {
  if (reject_next_.load() > 0) {
    reject_next_.fetch_sub(1);
    return "JWT token is invalid. (revoked)";
  }
  std::string token = bearer(req);
  if (token.empty()) return "missing bearer token";
  std::string type = req.get_header_value("X-Snowflake-Authorization-Token-Type");
  {
    std::lock_guard lock(mu_);
    if (auto it = tokens_.find(token); it != tokens_.end()) {
      return type == it->second ? "" : "token type header " + type + " does not match the token";
    }
  }
  if (type != "KEYPAIR_JWT") return "unknown token (type " + type + ")";
  auto jwt = jwt_decode(token);
  if (!jwt) return "JWT token is invalid. (malformed)";
  if (!jwt_verify_rs256(*jwt, public_key_.get())) return "JWT token is invalid. (signature)";
  std::string qualified = account_ + "." + user_;
  const Json& c = jwt->claims;
  if (c.value("sub", "") != qualified) return "JWT token is invalid. (sub)";
  if (c.value("iss", "") != qualified + "." + fingerprint_) return "JWT token is invalid. (iss)";
  if (!c.contains("iat") || !c.contains("exp") || !c["iat"].is_number_integer() ||
      !c["exp"].is_number_integer()) {
    return "JWT token is invalid. (iat/exp)";
  }
  long long iat = c["iat"], exp = c["exp"], now = now_seconds();
  if (exp - iat > 3600) return "JWT token is invalid. (lifetime over one hour)";
  if (exp <= now) return "JWT token is invalid. (expired)";
  if (iat > now + 60) return "JWT token is invalid. (issued in the future)";
  std::lock_guard lock(mu_);
  jwts_.insert(token);
  return "";
}

// --------------------------------------------------------------------------- Databricks

FakeDatabricks::FakeDatabricks(const TestCa& ca, std::string client_id, std::string client_secret)
    : server_(ca), client_id_(std::move(client_id)), client_secret_(std::move(client_secret)) {
  server_.server().Post(
      "/oidc/v1/token", [this](const httplib::Request& req, httplib::Response& res) {
        auto [id, secret] = basic_auth(req);
        auto f = form(req);
        if (id != client_id_ || secret != client_secret_) {
          json_reply(
              res, 401,
              {{"error", "invalid_client"}, {"error_description", "Client authentication failed"}});
          return;
        }
        if (f["grant_type"] != "client_credentials") {
          json_reply(res, 400, {{"error", "unsupported_grant_type"}});
          return;
        }
        if (f["scope"] != "all-apis") {
          json_reply(res, 400, {{"error", "invalid_scope"}});
          return;
        }
        std::string t = random_token("dbx-oauth-");
        {
          std::lock_guard lock(mu_);
          valid_.insert(t);
        }
        issued_.fetch_add(1);
        json_reply(res, 200,
                   {{"access_token", t},
                    {"token_type", "Bearer"},
                    {"scope", "all-apis"},
                    {"expires_in", expires_in_.load()}});
      });
  server_.server().Get(
      "/api/2.0/preview/scim/v2/Me", [this](const httplib::Request& req, httplib::Response& res) {
        bool ok;
        {
          std::lock_guard lock(mu_);
          ok = valid_.count(bearer(req)) > 0;
        }
        if (reject_next_.load() > 0) {
          reject_next_.fetch_sub(1);
          ok = false;
        }
        if (!ok) {
          json_reply(res, 401,
                     {{"error_code", "UNAUTHENTICATED"},
                      {"message", "Credential was not sent or was of an unsupported type"}});
          return;
        }
        me_ok_.fetch_add(1);
        json_reply(res, 200, {{"userName", "dbtpy-sp"}, {"id", "42"}, {"active", true}});
      });
  server_.start();
}

void FakeDatabricks::allow_pat(const std::string& pat) {
  std::lock_guard lock(mu_);
  valid_.insert(pat);
}

// ------------------------------------------------------------------------------- Google

FakeGoogle::FakeGoogle(const TestCa& ca, std::string client_email, std::string public_pem,
                       std::string bucket)
    : server_(ca),
      client_email_(std::move(client_email)),
      public_key_(load_public_key_pem(public_pem)),
      bucket_(std::move(bucket)) {
  server_.server().Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
    auto f = form(req);
    std::string error;
    if (f["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      error = verify_assertion(f["assertion"]);
    } else if (f["grant_type"] == "refresh_token") {
      std::lock_guard lock(mu_);
      if (f["client_id"] != user_id_ || f["client_secret"] != user_secret_ || user_id_.empty()) {
        json_reply(res, 401,
                   {{"error", "invalid_client"},
                    {"error_description", "The OAuth client was not found."}});
        return;
      }
      if (f["refresh_token"] != user_refresh_) error = "Token has been expired or revoked.";
    } else {
      error = "Invalid grant_type";
    }
    if (!error.empty()) {
      std::lock_guard lock(mu_);
      last_error_ = error;
      json_reply(res, 400, {{"error", "invalid_grant"}, {"error_description", error}});
      return;
    }
    std::string t = random_token("ya29.");
    {
      std::lock_guard lock(mu_);
      valid_.insert(t);
    }
    issued_.fetch_add(1);
    json_reply(res, 200, {{"access_token", t}, {"expires_in", 3599}, {"token_type", "Bearer"}});
  });
  server_.server().Get(
      R"(/storage/v1/b/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
        bool ok;
        {
          std::lock_guard lock(mu_);
          ok = valid_.count(bearer(req)) > 0;
        }
        if (reject_next_.load() > 0) {
          reject_next_.fetch_sub(1);
          ok = false;
        }
        if (!ok) {
          json_reply(res, 401,
                     {{"error",
                       {{"code", 401},
                        {"message", "Invalid Credentials"},
                        {"status", "UNAUTHENTICATED"},
                        {"errors", {{{"reason", "authError"}, {"domain", "global"}}}}}}});
          return;
        }
        if (req.matches[1] != bucket_) {
          json_reply(res, 404,
                     {{"error",
                       {{"code", 404},
                        {"message", "The specified bucket does not exist."},
                        {"errors", {{{"reason", "notFound"}}}}}}});
          return;
        }
        bucket_ok_.fetch_add(1);
        json_reply(res, 200,
                   {{"kind", "storage#bucket"}, {"name", bucket_}, {"location", "US-CENTRAL1"}});
      });
  server_.start();
}

void FakeGoogle::set_user(std::string id, std::string secret, std::string refresh) {
  std::lock_guard lock(mu_);
  user_id_ = std::move(id);
  user_secret_ = std::move(secret);
  user_refresh_ = std::move(refresh);
}

std::string FakeGoogle::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::string FakeGoogle::verify_assertion(const std::string& assertion) {
  auto jwt = jwt_decode(assertion);
  if (!jwt) return "Invalid JWT: malformed";
  if (jwt->header.value("alg", "") != "RS256") return "Invalid JWT: alg";
  if (!jwt_verify_rs256(*jwt, public_key_.get())) return "Invalid JWT Signature.";
  const Json& c = jwt->claims;
  if (c.value("iss", "") != client_email_) return "Invalid JWT: iss";
  if (c.value("aud", "") != token_uri()) return "Invalid JWT: aud must be the token URI";
  if (c.value("scope", "").find("https://www.googleapis.com/auth/") == std::string::npos) {
    return "Invalid JWT: scope";
  }
  if (!c.contains("iat") || !c.contains("exp")) return "Invalid JWT: iat/exp";
  long long iat = c["iat"], exp = c["exp"], now = now_seconds();
  if (exp - iat > 3600 || exp <= now || iat > now + 60) {
    return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
           "timeframe. Check your iat and exp values in the JWT claim.";
  }
  return "";
}

// ----------------------------------------------------------------------------- Metadata

FakeMetadata::FakeMetadata() {
  auto& s = server_.server();
  s.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("Metadata-Flavor", "Google");
  });
  s.Get("/computeMetadata/v1/", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Metadata-Flavor") != "Google") {
      res.status = 403;
      return;
    }
    res.set_content("instance/\nproject/\n", "application/text");
  });
  s.Get(
      "/computeMetadata/v1/instance/service-accounts/default/token",
      [this](const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("Metadata-Flavor") != "Google") {
          res.status = 403;
          res.set_content("Missing Metadata-Flavor:Google header.", "text/html");
          return;
        }
        std::string t = random_token("ya29.meta-");
        {
          std::lock_guard lock(mu_);
          last_ = t;
        }
        issued_.fetch_add(1);
        json_reply(res, 200, {{"access_token", t}, {"expires_in", 3599}, {"token_type", "Bearer"}});
      });
  server_.start();
}

std::string FakeMetadata::last_token() const {
  std::lock_guard lock(mu_);
  return last_;
}

std::string openssl_cli_fingerprint(const std::string& public_pem) {
  TempDir dir;
  std::string pem = dir.write("pub.pem", public_pem);
  std::string out = (dir.path() / "fp.txt").string();
  // Snowflake's documented recipe: public key DER -> SHA-256 -> base64.
  std::string cmd = "openssl pkey -pubin -in '" + pem +
                    "' -outform DER 2>/dev/null | openssl dgst -sha256 -binary | "
                    "openssl enc -base64 > '" +
                    out + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return "";
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  return line.empty() ? "" : "SHA256:" + line;
}

}  // namespace dbtpy::testing
