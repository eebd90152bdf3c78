#include "profiles/auth/token_endpoint.h"

#include <fmt/format.h>

#include "profiles/auth/auth_error.h"
#include "submitters/http/http_error.h"
#include "submitters/http/url.h"
#include "util/base64.h"

namespace dbtpy::profiles::auth {
namespace {

std::string hint_for(const http::PlatformError& e, const TokenRequest& request) {
  if (e.code == "invalid_client" || e.code == "unauthorized_client") {
    return request.hint.empty() ? "check the client id and client secret" : request.hint;
  }
  if (e.code == "invalid_grant") {
    return "the grant was refused: a refresh token may be expired or revoked, or a signed "
           "assertion is outside its validity window (check the system clock)" +
           (request.hint.empty() ? std::string() : "; " + request.hint);
  }
  if (e.code == "invalid_scope") return "the requested scope is not granted to this client";
  return request.hint.empty() ? "check the credentials in the profile" : request.hint;
}

}  // namespace

AccessToken fetch_token(const TokenRequest& request, const TokenDeps& deps) {
  http::HttpRequest req;
  req.method = request.method;
  req.url = request.url;
  req.headers = request.headers;
  req.set_header("Accept", "application/json");
  if (request.method == "POST") {
    req.body = http::form_encode(request.form);
    req.set_header("Content-Type", "application/x-www-form-urlencoded");
  }
  if (request.basic_auth) {
    // RFC 6749 §2.3.1: client id and secret are form-encoded before joining with ':'.
    std::string pair = http::url_encode(request.basic_auth->first) + ":" +
                       http::url_encode(request.basic_auth->second);
    if (deps.redactor) deps.redactor->add_secret(base64_encode(pair));
    req.set_header("Authorization", "Basic " + base64_encode(pair));
  }
  req.idempotency = http::Idempotency::kIdempotent;
  req.connect_timeout = std::chrono::seconds(10);
  req.timeout = std::chrono::seconds(30);

  http::HttpResponse resp = deps.retry->send(*deps.client, req);
  if (!resp.ok()) {
    http::HttpError err = http::status_error(req, resp);
    const auto& pe = err.info().platform;
    std::string msg = fmt::format("could not obtain the {}: {} answered HTTP {}", request.what,
                                  http::redact_url(request.url), resp.status);
    if (std::string s = pe.summary(); !s.empty()) msg += " — " + s;
    if (resp.attempts > 1) msg += fmt::format(" (after {} attempts)", resp.attempts);
    runtime_error("DBTPY424", std::move(msg), hint_for(pe, request));
  }
  std::string why;
  auto token = parse_token_response(resp.body, deps.clock->now(), &why);
  if (!token) {
    runtime_error("DBTPY424",
                  fmt::format("could not obtain the {}: {} returned HTTP {} but {}", request.what,
                              http::redact_url(request.url), resp.status, why),
                  "is the token URL right? it must point at the platform's token endpoint");
  }
  if (deps.redactor) deps.redactor->add_secret(token->value);
  return std::move(*token);
}

}  // namespace dbtpy::profiles::auth
