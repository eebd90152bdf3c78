#pragma once
// An HttpClient that sends every request through a RetryLoop, so the submitters' clients are
// "retry over auth over curl": each attempt gets fresh auth headers, a 401 is answered once by
// the auth decorator below (a token refresh, never counted as a transport failure), and 5xx,
// 408, 429 and transport failures are retried here only when a resend is safe
// (IdempotencyPolicy).
//
// One addition to the loop: a 429 on a request the loop may not resend (a plain POST) is sent
// again after the server's Retry-After (else a short doubling wait), a few times. Throttling
// answers say the platform refused the request before acting on it (RFC 6585; Snowflake,
// Databricks and Google document 429 as "not processed"), so the resend cannot do the work
// twice, while giving up would fail a model for being one of many in flight.
//
// send() returns the final response (any status) and throws http::HttpError — not a bare
// TransportError — when no response arrived in the end: the loop's verdict, with attempts and
// whether the request may have taken effect (DBTPY414). Thread-safe; the inner client, loop,
// clock and sleeper must outlive it.
#include "submitters/http/http_client.h"
#include "submitters/http/idempotency.h"
#include "submitters/http/retry_loop.h"
#include "submitters/http/sleeper.h"
#include "util/clock.h"

namespace dbtpy::submitters::http {

class RetryingHttpClient final : public HttpClient {
 public:
  RetryingHttpClient(HttpClient& inner, const RetryLoop& loop, const Clock& clock, Sleeper& sleeper,
                     int throttled_resends = 4)
      : inner_(inner),
        loop_(loop),
        clock_(clock),
        sleeper_(sleeper),
        throttled_resends_(throttled_resends) {}

  HttpResponse send(const HttpRequest& request) override;

 private:
  HttpClient& inner_;
  const RetryLoop& loop_;
  const Clock& clock_;
  Sleeper& sleeper_;
  int throttled_resends_;
  PlatformIdempotencyPolicy idempotency_;
};

}  // namespace dbtpy::submitters::http
