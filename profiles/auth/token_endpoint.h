#pragma once
// Fetching an access token from an OAuth 2.0 token endpoint (or the GCE metadata server,
// which answers a GET in the same format): the request goes through the retry loop (minting
// a token twice is harmless, so it is marked idempotent), the token is registered with the
// redactor before anyone sees it, and a refusal becomes DBTPY424 with the endpoint's own
// error and description and a hint that fits it.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "profiles/auth/token_response.h"
#include "submitters/http/http_client.h"
#include "submitters/http/retry_loop.h"
#include "util/clock.h"
#include "util/redactor.h"

namespace dbtpy::profiles::auth {

namespace http = submitters::http;

struct TokenRequest {
  std::string url;
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> form;          // the POST body
  std::optional<std::pair<std::string, std::string>> basic_auth;  // client id, client secret
  std::vector<http::Header> headers;
  std::string what;  // "Databricks OAuth token (client credentials)", for messages
  std::string hint;  // how to fix the credentials when the endpoint refuses them
};

// What fetching needs; everything must outlive the providers that keep a copy.
struct TokenDeps {
  http::HttpClient* client = nullptr;
  const http::RetryLoop* retry = nullptr;
  const Clock* clock = nullptr;
  std::shared_ptr<Redactor> redactor;
};

AccessToken fetch_token(const TokenRequest& request, const TokenDeps& deps);

}  // namespace dbtpy::profiles::auth
