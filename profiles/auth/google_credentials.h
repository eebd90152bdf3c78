#pragma once
// Google Cloud credentials for Dataproc, GCS and BigQuery, chosen by dbt-bigquery's `method`:
//   service-account        `keyfile` (path to a service-account JSON key)
//   service-account-json   `keyfile_json` (the key inline, as a mapping or JSON text)
//      -> an RS256 JWT assertion (iss = client_email, aud = the key's token_uri, scope,
//         iat, exp = iat + 1 h) exchanged at token_uri (urn:ietf:params:oauth:grant-type:
//         jwt-bearer)
//   oauth-secrets          `token` (an access token, used as is), or `refresh_token` +
//                          `client_id` + `client_secret` [+ `token_uri`] (refresh grant)
//   oauth                  Application Default Credentials, in Google's order:
//                          GOOGLE_APPLICATION_CREDENTIALS (service_account or
//                          authorized_user JSON), gcloud's ADC file
//                          ($CLOUDSDK_CONFIG or ~/.config/gcloud/
//                          application_default_credentials.json), then the GCE metadata
//                          server (http://metadata.google.internal, or GCE_METADATA_HOST,
//                          header Metadata-Flavor: Google). GOOGLE_OAUTH_ACCESS_TOKEN, when
//                          set, is used first, as an access token.
// Scopes: the profile's `scopes`, else https://www.googleapis.com/auth/cloud-platform.
#include <memory>
#include <string>
#include <vector>

#include "profiles/auth/auth_provider.h"
#include "profiles/auth/credential_sources.h"
#include "profiles/auth/token_endpoint.h"
#include "profiles/secret_fields.h"
#include "profiles/target.h"

namespace dbtpy::profiles::auth {

enum class GoogleAuth { kServiceAccount, kAuthorizedUser, kMetadataServer, kAccessToken };

std::string_view google_auth_name(GoogleAuth a);

inline constexpr const char* kGoogleTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr const char* kCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

struct GoogleCredentials {
  GoogleAuth auth = GoogleAuth::kServiceAccount;
  std::string origin;  // where they came from, e.g. "keyfile /k.json", "gcloud ADC file ..."
  // service account
  std::string client_email;
  std::string private_key;  // PEM (secret)
  std::string private_key_id;
  std::string token_uri = kGoogleTokenUri;
  // authorized user
  std::string client_id;
  std::string client_secret;  // secret
  std::string refresh_token;  // secret
  // access token
  std::string access_token;  // secret
  // metadata server
  std::string metadata_base;       // "http://metadata.google.internal"
  bool metadata_explicit = false;  // GCE_METADATA_HOST set: no need to probe
  std::vector<std::string> scopes;
  std::vector<Setting> settings;
};

GoogleCredentials resolve_google_credentials(const Target& target, const SecretFields& secrets,
                                             const CredentialSources& sources);

// For the metadata server found only by elimination, probes it first (one quick GET) so that
// "no credentials anywhere" is reported at once rather than after a round of retries.
std::shared_ptr<AuthProvider> make_google_provider(const GoogleCredentials& creds,
                                                   const TokenDeps& deps);

}  // namespace dbtpy::profiles::auth
