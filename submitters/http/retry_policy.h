#pragma once
// Retry policy: answers "is this failure worth another attempt, and is there budget left?".
// It knows nothing of waiting (backoff_policy.h) or of whether a resend is safe
// (idempotency.h); the retry loop composes the three, as google-cloud-cpp does. A policy is a
// prototype: the loop clones it per call, so one instance serves every thread.
#include <chrono>
#include <memory>
#include <optional>

#include "submitters/http/transport_error.h"
#include "util/clock.h"

namespace dbtpy::submitters::http {

// What one attempt produced, as the policies see it: a status, or a transport failure.
struct AttemptOutcome {
  std::optional<int> status;
  std::optional<TransportFailure> failure;
};

// 408, 429, 500, 502, 503 and 504: the statuses that say "try again", as every cloud API
// documents them. Other 4xx are the caller's mistake and 501/505 will not change.
bool is_retryable_status(int status);

class RetryPolicy {
 public:
  virtual ~RetryPolicy() = default;
  // A fresh copy with its budget full; its clock starts now.
  virtual std::unique_ptr<RetryPolicy> clone() const = 0;
  // Records a failed attempt; true while another attempt is allowed.
  virtual bool on_failure(const AttemptOutcome& outcome) = 0;
  virtual bool is_exhausted() const = 0;
  // True when retrying cannot help: a non-retryable status, an untrusted certificate, ...
  virtual bool is_permanent_failure(const AttemptOutcome& outcome) const;
  // When the whole call (attempts and waits) must end; nullopt for no limit.
  virtual std::optional<std::chrono::steady_clock::time_point> deadline() const {
    return std::nullopt;
  }
  virtual int max_attempts() const = 0;
};

// At most `max_attempts` attempts (half as many when the host name does not resolve), all within
// `max_duration` of the clone (0 = no time limit).
class LimitedAttemptsRetryPolicy final : public RetryPolicy {
 public:
  LimitedAttemptsRetryPolicy(int max_attempts, std::chrono::milliseconds max_duration,
                             const Clock& clock);

  std::unique_ptr<RetryPolicy> clone() const override;
  bool on_failure(const AttemptOutcome& outcome) override;
  bool is_exhausted() const override;
  std::optional<std::chrono::steady_clock::time_point> deadline() const override;
  int max_attempts() const override { return max_attempts_; }

 private:
  int max_attempts_;
  std::chrono::milliseconds max_duration_;
  const Clock& clock_;
  int failures_ = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

}  // namespace dbtpy::submitters::http
