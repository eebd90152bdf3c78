#pragma once
// Random identifiers as a dependency (run ids, request ids, idempotency tokens), so tests can
// substitute a deterministic sequence. Thread-safe.
#include <string>

namespace dbtpy {

class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual std::string uuid4() = 0;  // lowercase, 8-4-4-4-12
};

// Cryptographically random UUIDv4 from OpenSSL's RAND_bytes.
class RandomIdSource final : public IdSource {
 public:
  std::string uuid4() override;
};

}  // namespace dbtpy
