#pragma once
// A seeded random source for everything the sandbox invents: default durations, ids, tokens
// and fault rolls. With `seed:` set in sandbox.yml the same request sequence gets the same
// faults and durations. Thread-safe (one mutex per instance; give faults their own instance
// so id generation does not shift the fault sequence).
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace dbtpy::sandbox {

class Random {
 public:
  explicit Random(uint64_t seed);

  double uniform(double lo, double hi);
  bool chance(double probability);
  long long integer(long long lo, long long hi);  // inclusive
  std::string hex(size_t digits);
  std::string alnum(size_t length);  // [A-Za-z0-9]
  std::string uuid4();               // lowercase 8-4-4-4-12

 private:
  std::mutex mu_;
  std::mt19937_64 gen_;
};

}  // namespace dbtpy::sandbox
