#pragma once
// An HttpClient that replays a script of outcomes (responses or transport failures) and
// records every request it was given, for exact attempt counting without sockets.
#include <mutex>
#include <variant>
#include <vector>

#include "submitters/http/http_client.h"

namespace dbtpy::submitters::http {

using Outcome = std::variant<HttpResponse, TransportError>;

inline HttpResponse reply(int status, std::string body = "{}", std::vector<Header> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline TransportError fail(TransportFailure f, SentState s) {
  return TransportError(f, s, "scripted failure");
}

class ScriptedClient final : public HttpClient {
 public:
  explicit ScriptedClient(std::vector<Outcome> script) : script_(std::move(script)) {}

  HttpResponse send(const HttpRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    const Outcome& o = script_[std::min(requests_.size() - 1, script_.size() - 1)];
    if (auto* r = std::get_if<HttpResponse>(&o)) return *r;
    throw std::get<TransportError>(o);
  }
  int attempts() const {
    std::lock_guard lock(mu_);
    return static_cast<int>(requests_.size());
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Outcome> script_;
  std::vector<HttpRequest> requests_;
};

}  // namespace dbtpy::submitters::http
