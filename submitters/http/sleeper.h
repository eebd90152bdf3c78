#pragma once
// Waiting as a dependency, so retry tests run in no time and assert the exact delays asked
// for. RealSleeper wakes early when the run is cancelled. Thread-safe.
#include <atomic>
#include <chrono>
#include <memory>

namespace dbtpy::submitters::http {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

class RealSleeper final : public Sleeper {
 public:
  explicit RealSleeper(std::shared_ptr<const std::atomic<bool>> cancelled = nullptr)
      : cancelled_(std::move(cancelled)) {}
  void sleep_for(std::chrono::milliseconds d) override;

 private:
  std::shared_ptr<const std::atomic<bool>> cancelled_;
};

}  // namespace dbtpy::submitters::http
