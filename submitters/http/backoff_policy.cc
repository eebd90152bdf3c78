#include "submitters/http/backoff_policy.h"

#include <algorithm>

namespace dbtpy::submitters::http {

ExponentialBackoffPolicy::ExponentialBackoffPolicy(std::chrono::milliseconds initial,
                                                   std::chrono::milliseconds maximum,
                                                   double multiplier, RandomSource& random)
    : initial_(initial),
      maximum_(std::max(maximum, initial)),
      multiplier_(multiplier < 1.0 ? 1.0 : multiplier),
      random_(random),
      current_cap_ms_(static_cast<double>(initial.count())) {}

std::unique_ptr<BackoffPolicy> ExponentialBackoffPolicy::clone() const {
  return std::make_unique<ExponentialBackoffPolicy>(initial_, maximum_, multiplier_, random_);
}

std::chrono::milliseconds ExponentialBackoffPolicy::on_completion() {
  double cap = std::min(current_cap_ms_, static_cast<double>(maximum_.count()));
  current_cap_ms_ = std::min(cap * multiplier_, static_cast<double>(maximum_.count()));
  double u = std::clamp(random_.uniform(), 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(u * cap));
}

}  // namespace dbtpy::submitters::http
