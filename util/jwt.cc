#include "util/jwt.h"

#include "util/base64.h"

namespace dbtpy {

std::string jwt_encode_rs256(const Json& claims, EVP_PKEY* key, const Json& extra_header) {
  Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (extra_header.is_object()) header.update(extra_header);
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  return input + "." + base64url_encode(rs256_sign(key, input));
}

std::optional<DecodedJwt> jwt_decode(std::string_view token) {
  size_t a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto h = base64url_decode(token.substr(0, a));
  auto c = base64url_decode(token.substr(a + 1, b - a - 1));
  auto s = base64url_decode(token.substr(b + 1));
  if (!h || !c || !s) return std::nullopt;
  DecodedJwt out;
  out.header = Json::parse(*h, nullptr, false);
  out.claims = Json::parse(*c, nullptr, false);
  if (!out.header.is_object() || !out.claims.is_object()) return std::nullopt;
  out.signing_input = std::string(token.substr(0, b));
  out.signature = std::move(*s);
  return out;
}

bool jwt_verify_rs256(const DecodedJwt& jwt, EVP_PKEY* public_key) {
  if (jwt.header.value("alg", "") != "RS256") return false;
  return rs256_verify(public_key, jwt.signing_input, jwt.signature);
}

}  // namespace dbtpy
