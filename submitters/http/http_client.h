#pragma once
// The transport interface every submitter and auth provider talks to. One call is one
// attempt: retries, backoff and idempotency live in the retry loop (retry_loop.h), and
// authentication in a decorator (profiles/auth/authorized_http_client.h), so this interface
// stays small enough for tests and the engine to substitute. Implementations are thread-safe:
// dozens of threads send through one client at once.
#include "submitters/http/request.h"
#include "submitters/http/response.h"
#include "submitters/http/transport_error.h"

namespace dbtpy::submitters::http {

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request once. Returns the response whatever its status; throws TransportError
  // when no complete response arrived (saying whether the request may have been sent).
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

}  // namespace dbtpy::submitters::http
