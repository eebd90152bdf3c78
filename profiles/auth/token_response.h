#pragma once
// Access tokens and the OAuth 2.0 token response (RFC 6749 §5.1) every token endpoint we use
// returns: Snowflake, Databricks OIDC, Google OAuth and the GCE metadata server all answer
// {"access_token": "...", "expires_in": 3599, "token_type": "Bearer"}. Pure functions.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dbtpy::profiles::auth {

struct AccessToken {
  std::string value;
  std::chrono::system_clock::time_point expires_at;
};

// The token in `body`, expiring `expires_in` seconds after `now` (an hour when the field is
// absent, as RFC 6749 leaves it optional). nullopt when the body is not such a response; then
// `why` (when given) says what is missing, never quoting a token.
std::optional<AccessToken> parse_token_response(std::string_view body,
                                                std::chrono::system_clock::time_point now,
                                                std::string* why = nullptr);

}  // namespace dbtpy::profiles::auth
