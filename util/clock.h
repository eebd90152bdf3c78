#pragma once
// Time as a dependency: everything that waits, times out or stamps artifacts takes a Clock so
// tests can run deterministically. SystemClock is the only real implementation.
#include <chrono>

namespace dbtpy {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
};

// RFC 3339 UTC with microseconds, as dbt's artifacts write timestamps.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

}  // namespace dbtpy
