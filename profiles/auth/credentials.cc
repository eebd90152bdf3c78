#include "profiles/auth/credentials.h"

namespace dbtpy::profiles::auth {

ResolvedCredentials resolve_credentials(const Target& target, const SecretFields& secrets,
                                        const CredentialSources& sources) {
  ResolvedCredentials r;
  r.target = target;
  switch (target.platform) {
    case Platform::kSnowflake: {
      auto c = resolve_snowflake_credentials(r.target, secrets, sources);
      r.method = std::string(snowflake_auth_name(c.auth));
      r.settings = c.settings;
      r.details = std::move(c);
      break;
    }
    case Platform::kDatabricks: {
      auto c = resolve_databricks_credentials(r.target, secrets, sources);
      r.method = std::string(databricks_auth_name(c.auth));
      r.settings = c.settings;
      r.details = std::move(c);
      break;
    }
    case Platform::kBigQuery: {
      auto c = resolve_google_credentials(r.target, secrets, sources);
      r.method = std::string(google_auth_name(c.auth));
      r.settings = c.settings;
      r.details = std::move(c);
      break;
    }
  }
  r.endpoints = resolve_endpoints(r.target, sources.env);
  return r;
}

std::shared_ptr<AuthProvider> make_auth_provider(const ResolvedCredentials& r,
                                                 const TokenDeps& deps) {
  if (auto* s = std::get_if<SnowflakeCredentials>(&r.details)) {
    return make_snowflake_provider(*s, r.target, r.endpoints.snowflake, deps);
  }
  if (auto* d = std::get_if<DatabricksCredentials>(&r.details)) {
    return make_databricks_provider(*d, r.endpoints.databricks, deps);
  }
  return make_google_provider(std::get<GoogleCredentials>(r.details), deps);
}

submitters::http::ClientOptions client_options_for(const Target& target, const EnvLookup& env) {
  auto o = submitters::http::ClientOptions::from_env(env);
  if (auto ca = target.string_field("ca_bundle"); ca && !ca->empty()) o.ca_file = *ca;
  return o;
}

}  // namespace dbtpy::profiles::auth
