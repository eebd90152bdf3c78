#pragma once
// Snowflake credentials for the SQL API, resolved from the profile target, then SNOWFLAKE_*
// variables, then ~/.snowflake/connections.toml, and the provider that authenticates with
// them. Connection fields (account, user, host, role, ...), the authenticator and a key's
// passphrase come field by field from the first place that sets them, so a profile can leave
// them to the environment as Snowflake's own tools allow; the credential material itself (key,
// token, password) comes from the first place holding any, so stray variables never
// override the method a profile spells out.
//
// Methods (the SQL API accepts three token types):
//   key pair      `private_key_path` or `private_key` (PEM or base64 DER), optional
//                 `private_key_passphrase`; or `authenticator: snowflake_jwt`   -> KEYPAIR_JWT
//   OAuth         `authenticator: oauth` + `token` (an access token); with `oauth_client_id`
//                 and `oauth_client_secret` the token is a refresh token exchanged at
//                 <account URL>/oauth/token-request, as dbt-snowflake does; `authenticator:
//                 jwt` + `token` (dbt-snowflake's external OAuth)                 -> OAUTH
//   programmatic  `authenticator: programmatic_access_token` + `token`; or `password:`
//   access token  holding the PAT (Snowflake accepts a PAT wherever a password goes, which
//                 is how dbt-snowflake users pass one)          -> PROGRAMMATIC_ACCESS_TOKEN
// Browser SSO, MFA and Okta authenticators need an interactive login the SQL API cannot do:
// DBTPY427 says so and suggests key-pair auth.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "profiles/auth/auth_provider.h"
#include "profiles/auth/credential_sources.h"
#include "profiles/auth/token_endpoint.h"
#include "profiles/secret_fields.h"
#include "profiles/target.h"

namespace dbtpy::profiles::auth {

enum class SnowflakeAuth { kKeyPair, kOAuth, kOAuthRefresh, kProgrammaticAccessToken };

std::string_view snowflake_auth_name(SnowflakeAuth a);

struct SnowflakeCredentials {
  SnowflakeAuth auth = SnowflakeAuth::kKeyPair;
  std::string account;
  std::string user;
  std::string private_key_path;
  std::string private_key;  // PEM or base64 DER text (secret)
  std::optional<std::string> passphrase;
  std::string token;  // access token, refresh token or PAT (secret)
  std::string oauth_client_id;
  std::string oauth_client_secret;
  std::string connections_file;   // the connections.toml read, if any (for messages)
  std::vector<Setting> settings;  // what was used and from where (for `dbtpy debug`)
};

// Resolves the credentials and completes `target` (account, user, host, port, protocol,
// role, warehouse, database, schema) with what the environment or connections.toml supply.
SnowflakeCredentials resolve_snowflake_credentials(Target& target, const SecretFields& secrets,
                                                   const CredentialSources& sources);

// The provider for `creds`. Loads and checks the private key now, so a bad key or passphrase
// surfaces before any network call. `base_url` is the account URL (token refresh endpoint).
std::shared_ptr<AuthProvider> make_snowflake_provider(const SnowflakeCredentials& creds,
                                                      const Target& target,
                                                      const std::string& base_url,
                                                      const TokenDeps& deps);

}  // namespace dbtpy::profiles::auth
