#include "profiles/auth/snowflake_key.h"

#include <openssl/sha.h>

#include "util/base64.h"
#include "util/strings.h"

namespace dbtpy::profiles::auth {
namespace {

std::string pem_wrap(std::string_view label, std::string_view der) {
  std::string b64 = base64_encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64)
    out += b64.substr(i, 64) + "\n";
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

}  // namespace

PkeyPtr load_snowflake_private_key(std::string_view text,
                                   std::optional<std::string_view> passphrase) {
  std::string_view t = trim(text);
  if (t.starts_with("-----")) return load_private_key_pem(t, passphrase);
  // Base64 DER, as dbt-snowflake's `private_key` also accepts. Whitespace (line breaks from
  // YAML block scalars) is not part of the data.
  std::string compact;
  for (char c : t)
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
  auto der = base64_decode(compact);
  if (!der || der->empty()) {
    throw KeyError(
        "the private key is neither PEM (-----BEGIN PRIVATE KEY-----) nor base64-encoded DER");
  }
  // Re-armour and let the PEM loader (which knows every format) read it: unencrypted PKCS#8
  // first, then encrypted PKCS#8, then PKCS#1.
  std::string first_error;
  for (std::string_view label : {"PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY"}) {
    try {
      return load_private_key_pem(pem_wrap(label, *der), passphrase);
    } catch (const KeyError& e) {
      std::string what = e.what();
      if (what.find("passphrase") != std::string::npos) throw;
      if (first_error.empty()) first_error = what;
    }
  }
  throw KeyError("the base64 private key is not a DER RSA private key (" + first_error + ")");
}

std::string public_key_fingerprint(EVP_PKEY* key) {
  std::string der = public_key_der(key);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(der.data()), der.size(), digest);
  return "SHA256:" +
         base64_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

std::string snowflake_jwt_account(std::string_view account) {
  std::string a(trim(account));
  if (auto scheme = a.find("://"); scheme != std::string::npos) a = a.substr(scheme + 3);
  std::string lower = to_lower(a);
  if (auto suffix = lower.find(".snowflakecomputing."); suffix != std::string::npos) {
    a = a.substr(0, suffix);
    lower = lower.substr(0, suffix);
  }
  size_t cut = lower.find(".global") != std::string::npos ? a.find('-') : a.find('.');
  if (cut != std::string::npos && cut > 0) a = a.substr(0, cut);
  return to_upper(a);
}

std::optional<std::string> account_from_host(std::string_view host) {
  std::string h = to_lower(trim(host));
  if (auto scheme = h.find("://"); scheme != std::string::npos) h = h.substr(scheme + 3);
  h = h.substr(0, h.find_first_of(":/"));
  if (!h.ends_with(".snowflakecomputing.com") && !h.ends_with(".snowflakecomputing.cn")) {
    return std::nullopt;
  }
  std::string label = h.substr(0, h.find('.'));
  if (label.empty()) return std::nullopt;
  return label;
}

Json snowflake_jwt_claims(std::string_view jwt_account, std::string_view user,
                          std::string_view fingerprint, std::chrono::system_clock::time_point iat,
                          std::chrono::seconds lifetime) {
  std::string qualified = std::string(jwt_account) + "." + to_upper(user);
  long long issued =
      std::chrono::duration_cast<std::chrono::seconds>(iat.time_since_epoch()).count();
  return Json{{"iss", qualified + "." + std::string(fingerprint)},
              {"sub", qualified},
              {"iat", issued},
              {"exp", issued + lifetime.count()}};
}

}  // namespace dbtpy::profiles::auth
