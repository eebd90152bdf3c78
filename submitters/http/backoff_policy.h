#pragma once
// Backoff policy: answers "how long to wait before the next attempt?". Capped exponential
// growth with full jitter (a uniform draw between zero and the cap) spreads the retries of
// many clients hit by the same outage, instead of having them return in lockstep. A server's
// Retry-After overrides the draw (the retry loop decides that). Prototype, cloned per call.
#include <chrono>
#include <memory>

#include "submitters/http/random_source.h"

namespace dbtpy::submitters::http {

class BackoffPolicy {
 public:
  virtual ~BackoffPolicy() = default;
  virtual std::unique_ptr<BackoffPolicy> clone() const = 0;
  // The wait before the next attempt; each call moves to the next step.
  virtual std::chrono::milliseconds on_completion() = 0;
};

// Step n (from 0) waits uniform(0, min(maximum, initial * multiplier^n)).
class ExponentialBackoffPolicy final : public BackoffPolicy {
 public:
  ExponentialBackoffPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
                           double multiplier, RandomSource& random);

  std::unique_ptr<BackoffPolicy> clone() const override;
  std::chrono::milliseconds on_completion() override;

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds maximum_;
  double multiplier_;
  RandomSource& random_;
  double current_cap_ms_;
};

}  // namespace dbtpy::submitters::http
