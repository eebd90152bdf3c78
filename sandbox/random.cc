#include "sandbox/random.h"

namespace dbtpy::sandbox {

Random::Random(uint64_t seed) : gen_(seed) {}

double Random::uniform(double lo, double hi) {
  if (hi <= lo) return lo;
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(lo, hi)(gen_);
}

bool Random::chance(double probability) {
  if (probability <= 0) return false;
  if (probability >= 1) return true;
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0, 1)(gen_) < probability;
}

long long Random::integer(long long lo, long long hi) {
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_int_distribution<long long>(lo, hi)(gen_);
}

std::string Random::hex(size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::lock_guard<std::mutex> lock(mu_);
  std::string out(digits, '0');
  for (auto& c : out)
    c = kHex[gen_() & 15];
  return out;
}

std::string Random::alnum(size_t length) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::lock_guard<std::mutex> lock(mu_);
  std::string out(length, 'a');
  for (auto& c : out)
    c = kChars[gen_() % 62];
  return out;
}

std::string Random::uuid4() {
  std::string h = hex(32);
  h[12] = '4';
  h[16] = "89ab"[static_cast<unsigned char>(h[16]) % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

}  // namespace dbtpy::sandbox
