#include "util/rsa_key.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstring>

namespace dbtpy {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct PassArg {
  std::optional<std::string_view> passphrase;
  bool asked = false;
};

int pass_cb(char* buf, int size, int /*rwflag*/, void* u) {
  auto* arg = static_cast<PassArg*>(u);
  arg->asked = true;
  if (!arg->passphrase) return -1;
  int n = static_cast<int>(std::min<size_t>(arg->passphrase->size(), static_cast<size_t>(size)));
  std::memcpy(buf, arg->passphrase->data(), static_cast<size_t>(n));
  return n;
}

BioPtr mem_bio(std::string_view s) {
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

}  // namespace

PkeyPtr load_private_key_pem(std::string_view pem, std::optional<std::string_view> passphrase) {
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    throw KeyError("not a PEM private key (no -----BEGIN line)");
  }
  auto bio = mem_bio(pem);
  PassArg arg{passphrase};
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, pass_cb, &arg);
  ERR_clear_error();
  if (!key) {
    if (arg.asked && !passphrase) throw KeyError("the private key is encrypted: set a passphrase");
    if (arg.asked) throw KeyError("wrong passphrase for the encrypted private key");
    throw KeyError("cannot read the PEM private key (malformed or unsupported format)");
  }
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    throw KeyError("the private key is not an RSA key (RS256 needs RSA)");
  }
  return PkeyPtr(key);
}

PkeyPtr load_public_key_pem(std::string_view pem) {
  auto bio = mem_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!key) {
    ERR_clear_error();
    // PKCS#1 "BEGIN RSA PUBLIC KEY" through the OpenSSL 3 decoder API.
    OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", "type-specific", "RSA",
                                                           EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    if (dctx) {
      const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
      size_t len = pem.size();
      if (OSSL_DECODER_from_data(dctx, &data, &len) != 1) key = nullptr;
      OSSL_DECODER_CTX_free(dctx);
    }
  }
  ERR_clear_error();
  if (!key) throw KeyError("cannot read the PEM public key");
  return PkeyPtr(key);
}

std::string public_key_der(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw KeyError("cannot encode the public key as DER");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string public_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) throw KeyError("cannot write the public key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string rs256_sign(EVP_PKEY* key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    ERR_clear_error();
    throw KeyError("RS256 signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    ERR_clear_error();
    throw KeyError("RS256 signing failed");
  }
  sig.resize(len);
  return sig;
}

bool rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                             data.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace dbtpy
