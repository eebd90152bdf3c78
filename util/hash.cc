#include "util/hash.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace dbtpy {
namespace {

// OpenSSL 3 looks an algorithm up in its provider tables on every EVP_Digest(EVP_sha256())
// (~16,000 instructions, more than hashing a 5 KB model file with SHA-NI). `dbtpy parse`
// hashes every model file, so the algorithm is fetched once per process and each thread keeps
// one digest context. Both are thread-safe: the static is initialised once, the context is
// the calling thread's own. The algorithm is never freed: it lives as long as the process, and
// freeing it from a static destructor could race OpenSSL's own clean-up at exit.
const EVP_MD* sha256_algorithm() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) throw std::runtime_error("SHA-256 is not available from OpenSSL");
  return md;
}

EVP_MD_CTX* thread_digest_context() {
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                 EVP_MD_CTX_free);
  if (!ctx) throw std::runtime_error("out of memory for a SHA-256 context");
  return ctx.get();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = thread_digest_context();
  if (EVP_DigestInit_ex2(ctx, sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, digest, &len) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace dbtpy
