#pragma once
// Randomness as a dependency: the backoff's jitter draws from it, and tests substitute a fixed
// sequence. Implementations are thread-safe.
#include <memory>
#include <mutex>
#include <random>

namespace dbtpy::submitters::http {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform in [0, 1).
  virtual double uniform() = 0;
};

// A Mersenne twister seeded from std::random_device, behind a mutex. Jitter needs spread, not
// secrecy.
class DefaultRandomSource final : public RandomSource {
 public:
  DefaultRandomSource() : engine_(std::random_device{}()) {}
  double uniform() override {
    std::lock_guard lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace dbtpy::submitters::http
