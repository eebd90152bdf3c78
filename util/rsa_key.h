#pragma once
// RSA key handling on OpenSSL 3: PEM loading (incl. encrypted PKCS#8), the public key's DER
// form (Snowflake fingerprints it), and RS256 signatures. Shared by the auth providers and the
// sandbox's verifier, which is why it lives in util. Functions are thread-safe; an EVP_PKEY may
// be used for signing from several threads at once (OpenSSL 3 keys are immutable once loaded).
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dbtpy {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Thrown with a reason that never includes key material.
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// PKCS#1 / PKCS#8 PEM, encrypted PKCS#8 when `passphrase` is given. Throws KeyError
// ("wrong passphrase", "encrypted key needs a passphrase", "not a PEM private key", ...).
PkeyPtr load_private_key_pem(std::string_view pem, std::optional<std::string_view> passphrase);
// SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY") or PKCS#1 ("BEGIN RSA PUBLIC KEY").
PkeyPtr load_public_key_pem(std::string_view pem);
// DER-encoded SubjectPublicKeyInfo of the (public half of the) key.
std::string public_key_der(EVP_PKEY* key);
// PEM of the public half, for writing a sandbox configuration next to a generated key.
std::string public_key_pem(EVP_PKEY* key);

std::string rs256_sign(EVP_PKEY* key, std::string_view data);
bool rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature);

}  // namespace dbtpy
