#pragma once
// The entry point of authentication: resolve the active target's credentials (profile,
// environment, the platforms' own config files), then build the AuthProvider submitters and
// `dbtpy debug` use. Two steps, so that configuration mistakes (exit code 2, no network) are
// told apart from a platform refusing the credentials.
//
//   auto resolved = resolve_credentials(target, secrets, sources);   // no I/O but files
//   auto provider = make_auth_provider(resolved, deps);              // loads keys
//   AuthorizedHttpClient api(curl, provider);                        // tokens on demand
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "profiles/auth/auth_provider.h"
#include "profiles/auth/credential_sources.h"
#include "profiles/auth/databricks_credentials.h"
#include "profiles/auth/google_credentials.h"
#include "profiles/auth/snowflake_credentials.h"
#include "profiles/auth/token_endpoint.h"
#include "profiles/endpoints.h"
#include "profiles/secret_fields.h"
#include "profiles/target.h"
#include "submitters/http/client_options.h"

namespace dbtpy::profiles::auth {

struct ResolvedCredentials {
  Target target;        // the profile target, completed from the environment / config files
  Endpoints endpoints;  // resolve_endpoints() of the completed target
  std::string method;   // "key-pair JWT", "OAuth machine-to-machine (service principal)", ...
  std::vector<Setting> settings;
  std::variant<SnowflakeCredentials, DatabricksCredentials, GoogleCredentials> details;
};

// Throws dbtpy::Error (usage) for configuration problems, naming the file and field.
ResolvedCredentials resolve_credentials(const Target& target, const SecretFields& secrets,
                                        const CredentialSources& sources);

// Throws dbtpy::Error for unusable keys (usage) and, for the metadata server, when none answers.
std::shared_ptr<AuthProvider> make_auth_provider(const ResolvedCredentials& resolved,
                                                 const TokenDeps& deps);

// Transport settings for the target: ClientOptions::from_env plus the profile's `ca_bundle`
// (a PEM file that overrides SSL_CERT_FILE for this target).
submitters::http::ClientOptions client_options_for(const Target& target, const EnvLookup& env);

}  // namespace dbtpy::profiles::auth
