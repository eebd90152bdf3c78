#include "sandbox/fault_injector.h"

#include "util/strings.h"

namespace dbtpy::sandbox {

FaultInjector::FaultInjector(std::vector<FaultRule> rules, uint64_t seed)
    : rules_(std::move(rules)), random_(seed ^ 0x5eed'fa17'0000'0001ULL) {}

FaultDecision FaultInjector::decide(const std::string& endpoint) {
  FaultDecision d;
  for (const auto& r : rules_) {
    if (!glob_match(r.endpoint, endpoint)) continue;
    // Every matching rule rolls in a fixed order, so a seed reproduces the sequence.
    bool throttle = random_.chance(r.throttle_rate);
    bool error = random_.chance(r.error_rate);
    bool drop = random_.chance(r.drop_rate);
    bool slow = random_.chance(r.slow_rate);
    if (d.reject_status == 0 && throttle) {
      d.reject_status = 429;
      d.retry_after = r.retry_after;
    } else if (d.reject_status == 0 && error) {
      d.reject_status = r.error_status;
    }
    d.drop_after_accept = d.drop_after_accept || drop;
    if (slow) d.slow_seconds = std::max(d.slow_seconds, r.slow_seconds);
  }
  return d;
}

}  // namespace dbtpy::sandbox
