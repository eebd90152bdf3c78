#include "submitters/http/retry_loop.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "submitters/http/http_error.h"
#include "submitters/http/retry_after.h"
#include "submitters/http/url.h"
#include "util/strings.h"

namespace dbtpy::submitters::http {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string seconds_text(milliseconds d) {
  return fmt::format("{:.1f} s", d.count() / 1000.0);
}

}  // namespace

RetryLoop::RetryLoop(std::shared_ptr<const RetryPolicy> retry,
                     std::shared_ptr<const BackoffPolicy> backoff,
                     std::shared_ptr<const IdempotencyPolicy> idempotency, const Clock& clock,
                     Sleeper& sleeper)
    : retry_(std::move(retry)),
      backoff_(std::move(backoff)),
      idempotency_(std::move(idempotency)),
      clock_(clock),
      sleeper_(sleeper) {}

RetryLoop RetryLoop::with_settings(const RetrySettings& s, const Clock& clock, Sleeper& sleeper,
                                   RandomSource& random) {
  return RetryLoop(
      std::make_shared<LimitedAttemptsRetryPolicy>(s.max_attempts, s.max_duration, clock),
      std::make_shared<ExponentialBackoffPolicy>(s.initial_backoff, s.max_backoff,
                                                 s.backoff_multiplier, random),
      std::make_shared<PlatformIdempotencyPolicy>(), clock, sleeper);
}

HttpResponse RetryLoop::send(HttpClient& client, const HttpRequest& request) const {
  auto retry = retry_->clone();
  auto backoff = backoff_->clone();
  const bool idempotent = idempotency_->is_idempotent(request);
  const auto deadline = retry->deadline();
  const std::string method = to_upper(request.method);

  HttpRequest attempt_request = request;
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) {
      attempt_request = request;
      idempotency_->prepare_resend(attempt_request);
    }
    if (deadline) {
      auto left = duration_cast<milliseconds>(*deadline - clock_.steady_now());
      if (left < attempt_request.timeout) attempt_request.timeout = std::max(left, milliseconds(1));
      if (left < attempt_request.connect_timeout) {
        attempt_request.connect_timeout = std::max(left, milliseconds(1));
      }
    }

    AttemptOutcome outcome;
    std::optional<HttpResponse> response;
    std::optional<TransportError> failure;
    try {
      response = client.send(attempt_request);
      response->attempts = attempt;
      outcome.status = response->status;
    } catch (const TransportError& e) {
      failure = e;
      outcome.failure = e.failure();
    }

    if (response && !is_retryable_status(response->status)) return std::move(*response);

    // A retryable status or a transport failure: the three policies decide what comes next.
    auto finish = [&](std::string note, bool unsafe) -> HttpResponse {
      if (response) {
        response->retry_note = std::move(note);
        return std::move(*response);
      }
      throw transport_error(attempt_request, *failure, attempt, std::move(note), unsafe);
    };
    const bool may_have_been_sent = response.has_value() || failure->may_have_been_sent();
    if (may_have_been_sent && !idempotent) {
      return finish(fmt::format("not resent: a {} without an idempotency key may already have "
                                "taken effect",
                                method),
                    failure.has_value());
    }
    if (failure && !is_transient(failure->failure())) {
      throw transport_error(attempt_request, *failure, attempt);
    }
    if (!retry->on_failure(outcome)) {
      const bool late = deadline && clock_.steady_now() >= *deadline;
      return finish(
          fmt::format("{} after {} attempt{}", late ? "retry deadline reached" : "gave up", attempt,
                      attempt == 1 ? "" : "s"),
          false);
    }
    std::optional<milliseconds> asked;
    if (response) {
      if (auto ra = response->header("Retry-After")) asked = parse_retry_after(*ra, clock_.now());
    }
    const milliseconds delay = asked ? *asked : backoff->on_completion();
    if (deadline && clock_.steady_now() + delay >= *deadline) {
      return finish(asked ? fmt::format("the server asked to retry after {}, past the retry "
                                        "deadline",
                                        seconds_text(*asked))
                          : fmt::format("retry deadline reached after {} attempt{}", attempt,
                                        attempt == 1 ? "" : "s"),
                    false);
    }

    spdlog::info("retrying {} {} in {} (attempt {} of {}): {}", method, redact_url(request.url),
                 seconds_text(delay), attempt + 1, retry->max_attempts(),
                 response ? fmt::format("HTTP {}", response->status)
                          : std::string(failure_name(failure->failure())) + ": " + failure->what());
    sleeper_.sleep_for(delay);
  }
}

}  // namespace dbtpy::submitters::http
