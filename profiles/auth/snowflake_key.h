#pragma once
// Snowflake key-pair material: the private key as dbt-snowflake accepts it (PEM, PKCS#8 or
// PKCS#1, encrypted PKCS#8 with a passphrase, or base64 DER without PEM armour), the public
// key fingerprint Snowflake stores as RSA_PUBLIC_KEY_FP ("SHA256:" + base64 of the SHA-256
// of the public key's DER), and the account identifier as the JWT needs it. Pure functions,
// thread-safe; errors never contain key material.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "util/json.h"
#include "util/rsa_key.h"

namespace dbtpy::profiles::auth {

// PEM (any "-----BEGIN ... PRIVATE KEY-----") or base64 DER. Throws KeyError.
PkeyPtr load_snowflake_private_key(std::string_view text,
                                   std::optional<std::string_view> passphrase);

// "SHA256:<base64>" of the public half's SubjectPublicKeyInfo DER.
std::string public_key_fingerprint(EVP_PKEY* key);

// The account as the JWT's iss/sub need it, following Snowflake's documented rule: drop a
// ".snowflakecomputing.com" host suffix; for a ".global" (replication) identifier keep what
// precedes the first '-', otherwise what precedes the first '.' (so a locator loses its
// region and cloud: "xy12345.us-east-2.aws" -> "XY12345"; "myorg-myacct" stays whole);
// upper-case.
std::string snowflake_jwt_account(std::string_view account);

// The account a *.snowflakecomputing.com host names (its first label), else nullopt.
std::optional<std::string> account_from_host(std::string_view host);

// Claims of a key-pair JWT: iss = ACCOUNT.USER.SHA256:fp, sub = ACCOUNT.USER, iat, exp.
Json snowflake_jwt_claims(std::string_view jwt_account, std::string_view user,
                          std::string_view fingerprint, std::chrono::system_clock::time_point iat,
                          std::chrono::seconds lifetime);

}  // namespace dbtpy::profiles::auth
