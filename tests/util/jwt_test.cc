#include "util/jwt.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "util/base64.h"

namespace dbtpy {
namespace {

PkeyPtr generate_key() {
  return PkeyPtr(EVP_RSA_gen(2048));
}

std::string private_pem(EVP_PKEY* key, const char* passphrase) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (passphrase) {
    PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), passphrase,
                                  static_cast<int>(strlen(passphrase)), nullptr, nullptr);
  } else {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

TEST(Jwt, SignsAndVerifiesRs256) {
  auto key = generate_key();
  Json claims = {{"iss", "ACME.USER.SHA256:abc"}, {"sub", "ACME.USER"}, {"exp", 123}};
  std::string token = jwt_encode_rs256(claims, key.get());
  auto decoded = jwt_decode(token);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->header["alg"], "RS256");
  EXPECT_EQ(decoded->claims, claims);
  auto pub = load_public_key_pem(public_key_pem(key.get()));
  EXPECT_TRUE(jwt_verify_rs256(*decoded, pub.get()));
}

TEST(Jwt, RejectsTamperingAndOtherKeys) {
  auto key = generate_key();
  auto other = generate_key();
  std::string token = jwt_encode_rs256({{"sub", "a"}}, key.get());
  auto decoded = jwt_decode(token);
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(jwt_verify_rs256(*decoded, other.get()));
  // Change the claims but keep the signature.
  std::string forged = base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." +
                       base64url_encode(R"({"sub":"b"})") + token.substr(token.rfind('.'));
  auto forged_decoded = jwt_decode(forged);
  ASSERT_TRUE(forged_decoded);
  EXPECT_FALSE(jwt_verify_rs256(*forged_decoded, key.get()));
  EXPECT_FALSE(jwt_decode("a.b").has_value());
  EXPECT_FALSE(jwt_decode("not.base64!.x").has_value());
}

TEST(RsaKey, LoadsEncryptedPkcs8AndReportsPassphraseProblems) {
  auto key = generate_key();
  std::string pem = private_pem(key.get(), "s3cret-pass");
  EXPECT_NE(pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  auto loaded = load_private_key_pem(pem, "s3cret-pass");
  EXPECT_EQ(public_key_der(loaded.get()), public_key_der(key.get()));
  try {
    load_private_key_pem(pem, "wrong");
    FAIL();
  } catch (const KeyError& e) {
    EXPECT_STREQ(e.what(), "wrong passphrase for the encrypted private key");
  }
  try {
    load_private_key_pem(pem, std::nullopt);
    FAIL();
  } catch (const KeyError& e) {
    EXPECT_STREQ(e.what(), "the private key is encrypted: set a passphrase");
  }
  EXPECT_THROW(load_private_key_pem("garbage", std::nullopt), KeyError);
}

TEST(RsaKey, LoadsUnencryptedPem) {
  auto key = generate_key();
  auto loaded = load_private_key_pem(private_pem(key.get(), nullptr), std::nullopt);
  EXPECT_EQ(public_key_der(loaded.get()), public_key_der(key.get()));
}

}  // namespace
}  // namespace dbtpy
