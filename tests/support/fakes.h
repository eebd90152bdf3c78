#pragma once
// Deterministic stand-ins for time, waiting, randomness and the environment, shared by the
// transport, auth and debug tests.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "submitters/http/random_source.h"
#include "submitters/http/sleeper.h"
#include "util/clock.h"

namespace dbtpy::testing {

// A clock that moves only when told (or when the RecordingSleeper sleeps). Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start = std::chrono::system_clock::now())
      : initial_(start), wall_(start) {}
  std::chrono::system_clock::time_point now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    std::lock_guard lock(mu_);
    // An arbitrary origin well away from zero, moving exactly as the wall clock does.
    return std::chrono::steady_clock::time_point(std::chrono::hours(1000)) +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(wall_ - initial_);
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    wall_ += d;
  }
  void set(std::chrono::system_clock::time_point t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point initial_;
  std::chrono::system_clock::time_point wall_;
};

// Records every requested sleep and advances the fake clock instead of waiting.
class RecordingSleeper final : public submitters::http::Sleeper {
 public:
  explicit RecordingSleeper(FakeClock* clock = nullptr) : clock_(clock) {}
  void sleep_for(std::chrono::milliseconds d) override {
    {
      std::lock_guard lock(mu_);
      sleeps_.push_back(d);
    }
    if (clock_) clock_->advance(d);
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  FakeClock* clock_;
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

// Always the same draw.
class FixedRandom final : public submitters::http::RandomSource {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double uniform() override { return value_; }

 private:
  double value_;
};

// An environment made of a map.
class FakeEnv {
 public:
  FakeEnv() = default;
  FakeEnv(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}
  void set(const std::string& k, const std::string& v) { vars_[k] = v; }
  std::function<std::optional<std::string>(std::string_view)> lookup() const {
    auto vars = vars_;
    return [vars](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace dbtpy::testing
