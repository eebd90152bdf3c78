#pragma once
// An HttpClient decorator that authenticates every attempt with an AuthProvider, and answers
// one 401 by dropping the rejected token and sending the request once more with a fresh one
// (a 401 means the platform refused the request before acting on it, so resending is safe
// even for a non-idempotent POST). Sits under the retry loop, so each retry attempt also gets
// current headers. Thread-safe; the inner client and the provider must be too.
#include <memory>

#include "profiles/auth/auth_provider.h"
#include "submitters/http/http_client.h"

namespace dbtpy::profiles::auth {

class AuthorizedHttpClient final : public http::HttpClient {
 public:
  AuthorizedHttpClient(http::HttpClient& inner, std::shared_ptr<AuthProvider> auth)
      : inner_(inner), auth_(std::move(auth)) {}

  http::HttpResponse send(const http::HttpRequest& request) override;

 private:
  http::HttpClient& inner_;
  std::shared_ptr<AuthProvider> auth_;
};

// True when a response says the token was rejected: 401, and Databricks' 403 "Invalid access
// token" (which is how its workspaces answer an expired or revoked token).
bool is_token_rejection(const http::HttpResponse& response);

}  // namespace dbtpy::profiles::auth
