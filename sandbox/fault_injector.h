#pragma once
// Decides, per request, which configured faults strike: a 5xx or a 429 (with Retry-After)
// before the request is processed, a slow response, or a dropped connection after a creation
// was accepted and recorded (the client then cannot know whether its submit landed and must
// retry with the same idempotency key). Rules match endpoint names with globs. Thread-safe.
#include <string>
#include <vector>

#include "sandbox/config.h"
#include "sandbox/random.h"

namespace dbtpy::sandbox {

struct FaultDecision {
  int reject_status = 0;  // 0 = none; 429 or 5xx
  int retry_after = 0;    // seconds, for 429
  bool drop_after_accept = false;
  double slow_seconds = 0;
};

class FaultInjector {
 public:
  FaultInjector(std::vector<FaultRule> rules, uint64_t seed);
  FaultDecision decide(const std::string& endpoint);

 private:
  std::vector<FaultRule> rules_;
  Random random_;
};

}  // namespace dbtpy::sandbox
