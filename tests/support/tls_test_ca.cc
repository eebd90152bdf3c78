#include "tests/support/tls_test_ca.h"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <stdexcept>

namespace dbtpy::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test CA: ") + what + " failed");
}

PkeyPtr ec_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  check(k != nullptr, "EVP_EC_gen");
  return PkeyPtr(k);
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509Ptr new_cert(EVP_PKEY* key, const std::string& cn, long days) {
  X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

}  // namespace

TestCa::TestCa(const std::string& common_name) {
  ca_.key = ec_key();
  ca_.cert = new_cert(ca_.key.get(), common_name, 2);
  X509_set_issuer_name(ca_.cert.get(), X509_get_subject_name(ca_.cert.get()));
  add_ext(ca_.cert.get(), ca_.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(ca_.cert.get(), ca_.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca_.cert.get(), ca_.cert.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(ca_.cert.get(), ca_.key.get(), EVP_sha256()) > 0, "X509_sign (CA)");
}

IssuedCert TestCa::issue_server_cert(const std::vector<std::string>& extra_names) const {
  IssuedCert out;
  out.key = ec_key();
  out.cert = new_cert(out.key.get(), "127.0.0.1", 1);
  X509_set_issuer_name(out.cert.get(), X509_get_subject_name(ca_.cert.get()));
  std::string san = "IP:127.0.0.1,DNS:localhost";
  for (const auto& n : extra_names) {
    unsigned char buf[16];
    bool ip = inet_pton(AF_INET, n.c_str(), buf) == 1 || inet_pton(AF_INET6, n.c_str(), buf) == 1;
    san += (ip ? ",IP:" : ",DNS:") + n;
  }
  add_ext(out.cert.get(), ca_.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(out.cert.get(), ca_.cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(out.cert.get(), ca_.cert.get(), NID_ext_key_usage, "serverAuth");
  add_ext(out.cert.get(), ca_.cert.get(), NID_subject_alt_name, san);
  add_ext(out.cert.get(), ca_.cert.get(), NID_authority_key_identifier, "keyid");
  check(X509_sign(out.cert.get(), ca_.key.get(), EVP_sha256()) > 0, "X509_sign (leaf)");
  return out;
}

std::string TestCa::cert_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, ca_.cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

void TestCa::write_cert_pem(const std::string& path) const {
  std::ofstream(path, std::ios::binary) << cert_pem();
}

PkeyPtr generate_rsa_key(int bits) {
  EVP_PKEY* k = EVP_RSA_gen(static_cast<unsigned>(bits));
  check(k != nullptr, "EVP_RSA_gen");
  return PkeyPtr(k);
}

std::string private_key_pkcs8_pem(EVP_PKEY* key, const std::string& passphrase) {
  BIO* bio = BIO_new(BIO_s_mem());
  int ok = passphrase.empty()
               ? PEM_write_bio_PKCS8PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_bio_PKCS8PrivateKey(
                     bio, key, EVP_aes_256_cbc(), const_cast<char*>(passphrase.data()),
                     static_cast<int>(passphrase.size()), nullptr, nullptr);
  check(ok == 1, "PEM_write_bio_PKCS8PrivateKey");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string private_key_pkcs1_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey_traditional");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string private_key_pkcs8_der(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  check(i2d_PKCS8PrivateKey_bio(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "i2d_PKCS8PrivateKey_bio");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

}  // namespace dbtpy::testing
