#include "profiles/auth/authorized_http_client.h"

#include <spdlog/spdlog.h>

#include "submitters/http/url.h"

namespace dbtpy::profiles::auth {

bool is_token_rejection(const http::HttpResponse& response) {
  if (response.status == 401) return true;
  return response.status == 403 && response.body.find("Invalid access token") != std::string::npos;
}

http::HttpResponse AuthorizedHttpClient::send(const http::HttpRequest& request) {
  auto attempt = [&](const std::vector<http::Header>& auth_headers) {
    http::HttpRequest r = request;
    for (const auto& h : auth_headers)
      r.set_header(h.name, h.value);
    return inner_.send(r);
  };
  auto headers = auth_->headers();
  http::HttpResponse response = attempt(headers);
  if (is_token_rejection(response) && auth_->refresh_after_rejection(headers)) {
    spdlog::info("{} {}: the token was rejected (HTTP {}); refreshing it once", request.method,
                 http::redact_url(request.url), response.status);
    response = attempt(auth_->headers());
  }
  return response;
}

}  // namespace dbtpy::profiles::auth
