#pragma once
// Time for the engine: a Clock (timestamps, deadlines) that also knows how to wait. The
// engine never sleeps any other way, so a test can substitute virtual time: when the engine
// says it is idle (no Execution advancing, none ready), a virtual clock may jump straight to
// the next due time, and a run of an hour of simulated polling takes milliseconds, with
// exactly reproducible timings. Implementations are thread-safe.
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "util/clock.h"

namespace dbtpy::runner {

class EngineClock : public Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  // Waits on `cv` (`lock` held on entry and on return) until notified or until `until`
  // (SteadyTime::max(): no deadline). `idle`: nothing in the engine can make progress before
  // `until` unless notified. Spurious returns are allowed.
  virtual void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          SteadyTime until, bool idle) const = 0;
};

class SystemEngineClock final : public EngineClock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, SteadyTime until,
                  bool /*idle*/) const override {
    if (until == SteadyTime::max()) {
      cv.wait(lock);
    } else {
      cv.wait_until(lock, until);
    }
  }
};

}  // namespace dbtpy::runner
