#pragma once
// The libcurl implementation of HttpClient shared by every submitter and auth provider.
//   - Connections are kept alive and reused: each easy handle keeps its own connection cache,
//     and handles return to a pool after each request, so the next request (from any thread)
//     picks a handle with a warm connection. (libcurl forbids sharing one connection cache
//     between concurrent threads, so the pool is how reuse and thread-safety coexist.)
//   - One CURLSH share handle holds the DNS cache and TLS sessions for all handles, guarded
//     by per-data mutexes.
//   - HTTP/2 over TLS when the server offers it (ALPN), gzip/br/zstd responses, per-request
//     connect and total timeouts, proxies and CA bundle from ClientOptions, no redirects (a
//     redirect would carry the Authorization header to another host), TLS verification always
//     on, plain http only where url_refusal() allows it.
//   - libcurl is loaded on first use (curl_api.h): the constructor throws dbtpy::Error
//     (DBTPY409) when it cannot be loaded, before any request is attempted.
// Thread-safe: send() may be called from any number of threads at once.
#include <memory>

#include "submitters/http/client_options.h"
#include "submitters/http/http_client.h"

namespace dbtpy::submitters::http {

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(ClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  HttpResponse send(const HttpRequest& request) override;

  const ClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dbtpy::submitters::http
