#pragma once
// Knows the secrets of the active profile and removes them from any text before it is printed,
// logged or written. Thread-safe: secrets may be registered while other threads redact.
// One instance per invocation, shared (std::shared_ptr) by the logger, the reporter and writers.
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy {

class Redactor {
 public:
  static constexpr std::string_view kMask = "<redacted>";

  // Registers a secret, plus the forms in which it can appear in our output: JSON-escaped,
  // URL-encoded, and (for PEM keys) each long line. Secrets shorter than 4 bytes are ignored:
  // hunting for them would mangle ordinary text, and no real token or key is that short.
  void add_secret(std::string_view secret);

  // Returns `text` with every registered secret replaced by kMask (longest secrets first).
  std::string redact(std::string_view text) const;

  bool empty() const;

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::string> secrets_;  // sorted by length, longest first
};

}  // namespace dbtpy
