#pragma once
// The retry loop: sends a request through an HttpClient until it succeeds, fails for good, or
// the budget runs out. It composes three independent questions, each answered by its own
// policy (as google-cloud-cpp's rest_retry_loop does):
//   may this request be sent again?  IdempotencyPolicy (never, once a non-idempotent request
//                                     may have reached the server)
//   is another attempt worthwhile?   RetryPolicy (retryable status/failure, attempts, deadline)
//   how long to wait first?          the server's Retry-After, else the BackoffPolicy
// Each attempt's timeout is capped by what is left of the deadline. Immutable after
// construction; send() is thread-safe (policies are cloned per call). The clock, sleeper and
// policies must outlive the loop.
#include <memory>

#include "submitters/http/backoff_policy.h"
#include "submitters/http/http_client.h"
#include "submitters/http/idempotency.h"
#include "submitters/http/retry_policy.h"
#include "submitters/http/sleeper.h"
#include "util/clock.h"

namespace dbtpy::submitters::http {

struct RetrySettings {
  // The deadline is the real limit: with backoff capped at 32 s, 10 attempts fit in it. Five
  // were too few for a burst of transient faults (at a 20 % fault rate, 1 request in 3,000 met
  // five in a row and failed its model).
  int max_attempts = 10;
  std::chrono::milliseconds max_duration{300'000};  // all attempts and waits together
  std::chrono::milliseconds initial_backoff{1'000};
  std::chrono::milliseconds max_backoff{32'000};
  double backoff_multiplier = 2.0;
};

class RetryLoop {
 public:
  RetryLoop(std::shared_ptr<const RetryPolicy> retry, std::shared_ptr<const BackoffPolicy> backoff,
            std::shared_ptr<const IdempotencyPolicy> idempotency, const Clock& clock,
            Sleeper& sleeper);

  // LimitedAttemptsRetryPolicy + ExponentialBackoffPolicy + PlatformIdempotencyPolicy.
  static RetryLoop with_settings(const RetrySettings& settings, const Clock& clock,
                                 Sleeper& sleeper, RandomSource& random);

  // Returns the final response: a success, a non-retryable status, or the last retryable one
  // when retrying stopped (HttpResponse::attempts and retry_note say why). Throws HttpError
  // when no response arrived in the end (transport_error()).
  HttpResponse send(HttpClient& client, const HttpRequest& request) const;

 private:
  std::shared_ptr<const RetryPolicy> retry_;
  std::shared_ptr<const BackoffPolicy> backoff_;
  std::shared_ptr<const IdempotencyPolicy> idempotency_;
  const Clock& clock_;
  Sleeper& sleeper_;
};

}  // namespace dbtpy::submitters::http
