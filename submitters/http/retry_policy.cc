#include "submitters/http/retry_policy.h"

namespace dbtpy::submitters::http {

bool is_retryable_status(int status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

bool RetryPolicy::is_permanent_failure(const AttemptOutcome& outcome) const {
  if (outcome.status) return !is_retryable_status(*outcome.status);
  if (outcome.failure) return !is_transient(*outcome.failure);
  return true;
}

LimitedAttemptsRetryPolicy::LimitedAttemptsRetryPolicy(int max_attempts,
                                                       std::chrono::milliseconds max_duration,
                                                       const Clock& clock)
    : max_attempts_(max_attempts < 1 ? 1 : max_attempts),
      max_duration_(max_duration),
      clock_(clock) {}

std::unique_ptr<RetryPolicy> LimitedAttemptsRetryPolicy::clone() const {
  auto copy = std::make_unique<LimitedAttemptsRetryPolicy>(max_attempts_, max_duration_, clock_);
  if (max_duration_.count() > 0) copy->deadline_ = clock_.steady_now() + max_duration_;
  return copy;
}

bool LimitedAttemptsRetryPolicy::on_failure(const AttemptOutcome& outcome) {
  // A host name that does not resolve is more often a wrong account or workspace name than an
  // outage: it uses the attempts twice as fast (half the attempts, a short wait before the error).
  failures_ += outcome.failure && *outcome.failure == TransportFailure::kResolve ? 2 : 1;
  if (is_permanent_failure(outcome)) return false;
  return !is_exhausted();
}

bool LimitedAttemptsRetryPolicy::is_exhausted() const {
  if (failures_ >= max_attempts_) return true;
  return deadline_ && clock_.steady_now() >= *deadline_;
}

std::optional<std::chrono::steady_clock::time_point> LimitedAttemptsRetryPolicy::deadline() const {
  return deadline_;
}

}  // namespace dbtpy::submitters::http
