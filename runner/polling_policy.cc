#include "runner/polling_policy.h"

#include <algorithm>
#include <cmath>

namespace dbtpy::runner {

std::chrono::milliseconds PollingPolicy::delay(std::chrono::milliseconds remote_elapsed) const {
  const auto elapsed = std::max(remote_elapsed, std::chrono::milliseconds(0));
  const double proportional = static_cast<double>(elapsed.count()) * std::max(ratio, 0.0);
  const auto floor = std::max(min_interval, std::chrono::milliseconds(1));
  const auto cap = std::max(max_interval, floor);
  if (!std::isfinite(proportional) || proportional >= static_cast<double>(cap.count())) return cap;
  return std::clamp(std::chrono::milliseconds(static_cast<long long>(proportional)), floor, cap);
}

std::chrono::milliseconds PollingPolicy::delay_for(const submitters::Next& next) const {
  return std::max(delay(next.remote_elapsed), next.not_before);
}

}  // namespace dbtpy::runner
