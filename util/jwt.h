#pragma once
// Compact JWS with RS256: enough for Snowflake key-pair auth, Google service-account
// assertions, and the sandbox's verification of both. Thread-safe, pure apart from signing.
#include <optional>
#include <string>
#include <string_view>

#include "util/json.h"
#include "util/rsa_key.h"

namespace dbtpy {

// header = {"alg":"RS256","typ":"JWT"} merged with `extra_header` (e.g. "kid").
std::string jwt_encode_rs256(const Json& claims, EVP_PKEY* key, const Json& extra_header = {});

struct DecodedJwt {
  Json header;
  Json claims;
  std::string signing_input;  // "<b64 header>.<b64 claims>"
  std::string signature;      // raw bytes
};

// Splits and decodes; nullopt if the token is not three base64url parts of JSON objects.
std::optional<DecodedJwt> jwt_decode(std::string_view token);

// True if header.alg is RS256 and the signature verifies with `public_key`.
bool jwt_verify_rs256(const DecodedJwt& jwt, EVP_PKEY* public_key);

}  // namespace dbtpy
