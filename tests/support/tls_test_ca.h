#pragma once
// A throwaway certificate authority for tests, generated in memory with OpenSSL when the test
// runs (no key is ever committed): a CA certificate, and server certificates it signs for
// 127.0.0.1 / localhost / any extra names. EC P-256 keys keep generation fast. Not
// thread-safe during construction; immutable afterwards.
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "util/rsa_key.h"

namespace dbtpy::testing {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct IssuedCert {
  PkeyPtr key;
  X509Ptr cert;
};

class TestCa {
 public:
  explicit TestCa(const std::string& common_name = "dbtpy test CA");

  // A leaf certificate for the given DNS names / IP addresses (127.0.0.1 and localhost are
  // always included).
  IssuedCert issue_server_cert(const std::vector<std::string>& extra_names = {}) const;

  // The CA certificate as PEM, and written to `path` (for CURLOPT_CAINFO / SSL_CERT_FILE).
  std::string cert_pem() const;
  void write_cert_pem(const std::string& path) const;

 private:
  IssuedCert ca_;
};

// A fresh RSA key (2048 bits unless told otherwise) for JWT signing tests.
PkeyPtr generate_rsa_key(int bits = 2048);
// Private key as PKCS#8 PEM; encrypted (AES-256-CBC, PBKDF2) when a passphrase is given.
std::string private_key_pkcs8_pem(EVP_PKEY* key, const std::string& passphrase = {});
// Private key as PKCS#1 "BEGIN RSA PRIVATE KEY" PEM.
std::string private_key_pkcs1_pem(EVP_PKEY* key);
// Private key as unencrypted PKCS#8 DER (raw bytes).
std::string private_key_pkcs8_der(EVP_PKEY* key);

}  // namespace dbtpy::testing
