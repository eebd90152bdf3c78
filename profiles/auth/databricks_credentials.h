#pragma once
// Databricks credentials, resolved as Databricks' unified authentication does: the profile
// target first, then DATABRICKS_HOST / DATABRICKS_TOKEN / DATABRICKS_CLIENT_ID /
// DATABRICKS_CLIENT_SECRET / DATABRICKS_AUTH_TYPE, then a ~/.databrickscfg profile
// (DATABRICKS_CONFIG_PROFILE, default DEFAULT; file DATABRICKS_CONFIG_FILE). The host and
// auth_type come from the first place that sets them; the token or client id/secret from the
// first place holding any, so a stray DATABRICKS_TOKEN never overrides the profile's service
// principal. A config-file profile for another workspace than the target's host is not
// used, so its token never travels to a host it was not made for.
// Methods: a personal access token (`token`), or OAuth machine-to-machine for a service
// principal (`client_id` + `client_secret` -> POST <host>/oidc/v1/token with the
// client_credentials grant, scope all-apis, client authenticated with HTTP Basic as
// Databricks documents). Browser (U2M) and Azure AD flows are reported as unsupported.
#include <memory>
#include <string>
#include <vector>

#include "profiles/auth/auth_provider.h"
#include "profiles/auth/credential_sources.h"
#include "profiles/auth/token_endpoint.h"
#include "profiles/secret_fields.h"
#include "profiles/target.h"

namespace dbtpy::profiles::auth {

enum class DatabricksAuth { kPersonalAccessToken, kOAuthM2M };

std::string_view databricks_auth_name(DatabricksAuth a);

struct DatabricksCredentials {
  DatabricksAuth auth = DatabricksAuth::kPersonalAccessToken;
  std::string host;
  std::string token;  // secret
  std::string client_id;
  std::string client_secret;  // secret
  std::string config_file;    // the ~/.databrickscfg section used, if any
  std::vector<Setting> settings;
};

// Resolves the credentials and completes `target` with `host` when it came from elsewhere.
DatabricksCredentials resolve_databricks_credentials(Target& target, const SecretFields& secrets,
                                                     const CredentialSources& sources);

std::shared_ptr<AuthProvider> make_databricks_provider(const DatabricksCredentials& creds,
                                                       const std::string& base_url,
                                                       const TokenDeps& deps);

}  // namespace dbtpy::profiles::auth
