#pragma once
// Minimal HTTPS stand-ins for the platforms' auth surfaces, checking what the vendors check:
//   FakeSnowflake   SQL API statements endpoint: the key-pair JWT's RS256 signature against
//                   the registered public key, iss = ACCOUNT.USER.SHA256:<fingerprint>,
//                   sub = ACCOUNT.USER, exp in the future and at most 1 h after iat, iat not
//                   in the future; the token-type header matching the token; OAuth and PAT
//                   tokens; the OAuth refresh-token endpoint with HTTP Basic client auth.
//   FakeDatabricks  /oidc/v1/token (client_credentials, scope all-apis, HTTP Basic client
//                   auth) and SCIM Me with Bearer tokens it issued or PATs it knows.
//   FakeGoogle      the OAuth token endpoint (JWT-bearer assertions verified against the
//                   service account's public key: alg, signature, iss, aud = the token URI,
//                   scope, exp <= iat + 3600, not expired; refresh_token grants) and GCS
//                   bucket metadata with Bearer tokens it issued.
//   FakeMetadata    the GCE metadata server over plain http (Metadata-Flavor: Google).
// Each answers failures with the vendor's error body shape. The server's clock is the real
// one, so a client with a skewed clock is caught. Not a sandbox: just enough to prove auth.
#include <atomic>
#include <mutex>
#include <set>
#include <string>

#include "tests/support/test_server.h"
#include "util/rsa_key.h"

namespace dbtpy::testing {

class FakeSnowflake {
 public:
  FakeSnowflake(const TestCa& ca, std::string account, std::string user, std::string public_pem);
  std::string url() const { return server_.base_url(); }
  TestServer& server() { return server_; }

  void allow_token(const std::string& token, const std::string& type);  // OAUTH / PAT
  void set_oauth_client(std::string id, std::string secret, std::string refresh_token);
  // The next `n` statement calls answer 401 whatever they carry (a token revoked mid-run).
  void reject_next(int n) { reject_next_ = n; }

  int statements_ok() const { return ok_.load(); }
  int statements_rejected() const { return rejected_.load(); }
  int refresh_grants() const { return refresh_grants_.load(); }
  std::string last_rejection() const;
  std::set<std::string> seen_jwts() const;

 private:
  std::string check(const httplib::Request& req);  // "" when authenticated

  TestServer server_;
  std::string account_, user_;
  PkeyPtr public_key_;
  std::string fingerprint_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> tokens_;  // token -> type
  std::string client_id_, client_secret_, refresh_token_;
  std::atomic<int> reject_next_{0}, ok_{0}, rejected_{0}, refresh_grants_{0};
  std::string last_rejection_;
  std::set<std::string> jwts_;
};

class FakeDatabricks {
 public:
  FakeDatabricks(const TestCa& ca, std::string client_id, std::string client_secret);
  std::string url() const { return server_.base_url(); }
  TestServer& server() { return server_; }
  void allow_pat(const std::string& pat);
  void reject_next(int n) { reject_next_ = n; }
  void set_expires_in(int seconds) { expires_in_ = seconds; }
  int tokens_issued() const { return issued_.load(); }
  int me_ok() const { return me_ok_.load(); }

 private:
  TestServer server_;
  std::string client_id_, client_secret_;
  mutable std::mutex mu_;
  std::set<std::string> valid_;
  std::atomic<int> reject_next_{0}, issued_{0}, me_ok_{0}, expires_in_{3600};
};

class FakeGoogle {
 public:
  // `token_path` is where the token endpoint listens (the key's token_uri points there).
  FakeGoogle(const TestCa& ca, std::string client_email, std::string public_pem,
             std::string bucket);
  std::string url() const { return server_.base_url(); }
  std::string token_uri() const { return url() + "/token"; }
  TestServer& server() { return server_; }
  void set_user(std::string client_id, std::string client_secret, std::string refresh_token);
  void reject_next(int n) { reject_next_ = n; }
  int tokens_issued() const { return issued_.load(); }
  int bucket_ok() const { return bucket_ok_.load(); }
  std::string last_error() const;

 private:
  std::string verify_assertion(const std::string& assertion);  // "" when valid

  TestServer server_;
  std::string client_email_;
  PkeyPtr public_key_;
  std::string bucket_;
  mutable std::mutex mu_;
  std::string user_id_, user_secret_, user_refresh_;
  std::set<std::string> valid_;
  std::string last_error_;
  std::atomic<int> reject_next_{0}, issued_{0}, bucket_ok_{0};
};

class FakeMetadata {
 public:
  FakeMetadata();
  std::string host() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  int tokens_issued() const { return issued_.load(); }
  std::string last_token() const;

 private:
  TestServer server_;
  std::atomic<int> issued_{0};
  mutable std::mutex mu_;
  std::string last_;
};

// "SHA256:<base64>" computed the way Snowflake's documentation says, with the openssl
// command line (independent of dbtpy's own code). Empty if openssl is not available.
std::string openssl_cli_fingerprint(const std::string& public_pem);

}  // namespace dbtpy::testing
