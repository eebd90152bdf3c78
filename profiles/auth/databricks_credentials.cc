#include "profiles/auth/databricks_credentials.h"

#include <fmt/format.h>

#include "profiles/auth/auth_error.h"
#include "profiles/auth/bearer_token_provider.h"
#include "profiles/auth/ini_file.h"
#include "profiles/endpoints.h"
#include "util/strings.h"

namespace dbtpy::profiles::auth {
namespace {

namespace fs = std::filesystem;

std::optional<Setting> from_profile(const Target& t, const SecretFields& s, const std::string& key,
                                    bool secret) {
  if (auto v = t.string_field(key); v && !v->empty()) return Setting{key, *v, "profile", secret};
  if (s.has(key)) {
    if (auto v = s.get_string(key); v && !v->empty()) return Setting{key, *v, "profile", true};
  }
  return std::nullopt;
}

}  // namespace

std::string_view databricks_auth_name(DatabricksAuth a) {
  return a == DatabricksAuth::kOAuthM2M ? "OAuth machine-to-machine (service principal)"
                                        : "personal access token";
}

DatabricksCredentials resolve_databricks_credentials(Target& target, const SecretFields& secrets,
                                                     const CredentialSources& src) {
  DatabricksCredentials c;
  // One layer of settings: the profile, the DATABRICKS_* variables, or a config-file profile.
  struct Layer {
    std::optional<Setting> host, token, client_id, client_secret, auth_type;
    bool has_material() const { return token || client_id || client_secret; }
  };
  Layer profile;
  profile.host = from_profile(target, secrets, "host", false);
  profile.auth_type = from_profile(target, secrets, "auth_type", false);
  // Presence is checked without rendering: a profile's secrets render only when used.
  bool profile_material = secrets.has("token") || secrets.has("client_secret") ||
                          from_profile(target, secrets, "client_id", false).has_value() ||
                          from_profile(target, secrets, "token", true).has_value();
  Layer env;
  auto var = [&](const char* key, const char* name, bool secret) -> std::optional<Setting> {
    if (auto v = src.var(name)) {
      if (secret) src.add_secret(*v);
      return Setting{key, *v, std::string("env ") + name, secret};
    }
    return std::nullopt;
  };
  env.host = var("host", "DATABRICKS_HOST", false);
  env.token = var("token", "DATABRICKS_TOKEN", true);
  env.client_id = var("client_id", "DATABRICKS_CLIENT_ID", false);
  env.client_secret = var("client_secret", "DATABRICKS_CLIENT_SECRET", true);
  env.auth_type = var("auth_type", "DATABRICKS_AUTH_TYPE", false);
  auto host = profile.host ? profile.host : env.host;

  // A ~/.databrickscfg profile, when it is for this workspace (or named explicitly).
  Layer cfg;
  auto explicit_profile = src.var("DATABRICKS_CONFIG_PROFILE");
  std::string section = explicit_profile.value_or("DEFAULT");
  fs::path file = src.home_dir() / ".databrickscfg";
  if (auto f = src.var("DATABRICKS_CONFIG_FILE")) file = *f;
  if (src.exists(file) && !(profile_material && host)) {
    IniFile ini;
    try {
      ini = IniFile::parse(src.read_file(file));
    } catch (const IniError& e) {
      file_error(src.display(file), e.line(), "DBTPY426",
                 fmt::format("{} cannot be read: {}", src.display(file), e.what()),
                 "fix the file (INI: [profile] sections with `key = value` lines)");
    }
    if (!ini.has_section(section) && explicit_profile) {
      auto known = ini.sections();
      profile_error(target, "DBTPY426",
                    fmt::format("profile [{}] (DATABRICKS_CONFIG_PROFILE) is not in {}", section,
                                src.display(file)),
                    known.empty() ? "add it to the file" : "profiles there: " + join(known, ", "));
    }
    if (ini.has_section(section) || section == "DEFAULT") {
      std::string label = src.display(file) + " [" + section + "]";
      auto cfg_host = ini.get(section, "host");
      bool same_workspace =
          !host || (cfg_host && normalize_base_url(*cfg_host) == normalize_base_url(host->value));
      if (explicit_profile || same_workspace) {
        auto get = [&](const char* key, bool secret) -> std::optional<Setting> {
          auto v = ini.get(section, key);
          if (!v || v->empty()) return std::nullopt;
          if (secret) src.add_secret(*v);
          return Setting{key, *v, label, secret};
        };
        cfg.host = get("host", false);
        cfg.token = get("token", true);
        cfg.client_id = get("client_id", false);
        cfg.client_secret = get("client_secret", true);
        cfg.auth_type = get("auth_type", false);
      }
    }
  }
  if (!host) host = cfg.host;

  // The credentials come from the first layer holding any, so a profile's own method is never
  // overridden by stray variables; auth_type may come from any layer.
  std::optional<Setting> token, client_id, client_secret;
  if (profile_material) {
    token = from_profile(target, secrets, "token", true);
    client_id = from_profile(target, secrets, "client_id", false);
    client_secret = from_profile(target, secrets, "client_secret", true);
  } else {
    const Layer& chosen = env.has_material() ? env : cfg;
    token = chosen.token;
    client_id = chosen.client_id;
    client_secret = chosen.client_secret;
    if (&chosen == &cfg && cfg.has_material())
      c.config_file = cfg.token ? cfg.token->source : cfg.client_id->source;
  }
  auto auth_type = profile.auth_type ? profile.auth_type
                   : env.auth_type   ? env.auth_type
                                     : cfg.auth_type;

  if (!host) {
    profile_error(target, "DBTPY210",
                  fmt::format("profile target '{}' has no `host`: the Databricks workspace URL "
                              "is needed",
                              target.name),
                  "add `host:` to the target (or set DATABRICKS_HOST)");
  }
  c.host = host->value;
  if (!target.string_field("host")) {
    if (!target.fields.is_object()) target.fields = Json::object();
    target.fields["host"] = c.host;
  }
  c.settings.push_back(*host);

  if (from_profile(target, secrets, "azure_client_id", false) ||
      from_profile(target, secrets, "azure_client_secret", true)) {
    profile_error(target, "DBTPY427",
                  "Azure AD service principals (`azure_client_id`) are not supported yet",
                  "use a Databricks OAuth secret for the service principal (`client_id` + "
                  "`client_secret`) or a personal access token (`token`)");
  }
  std::string type = auth_type ? to_lower(auth_type->value) : "";
  bool want_pat = type == "pat" || (type.empty() && token);
  bool want_m2m = type == "oauth-m2m" || (type == "oauth" && client_secret) ||
                  (type.empty() && !token && client_secret);
  if (!want_pat && !want_m2m) {
    if (type.empty() && !client_id) {
      profile_error(target, "DBTPY420",
                    fmt::format("profile target '{}' has no Databricks credentials", target.name),
                    "set `token` (a personal access token) or `client_id` + `client_secret` (a "
                    "service principal's OAuth secret), in the profile, DATABRICKS_* variables "
                    "or ~/.databrickscfg");
    }
    profile_error(
        target, "DBTPY427",
        type.empty() || type == "oauth" || type == "external-browser"
            ? std::string("OAuth user-to-machine (browser) login is not supported: the "
                          "profile has `client_id` without `client_secret`")
            : fmt::format("Databricks auth_type '{}' is not supported", auth_type->value),
        "use a personal access token (`token`) or OAuth M2M (`client_id` + `client_secret`)");
  }
  if (want_pat) {
    if (!token) {
      profile_error(target, "DBTPY428", "auth_type pat needs `token`",
                    "add `token: \"{{ env_var('DATABRICKS_TOKEN') }}\"` to the target");
    }
    c.auth = DatabricksAuth::kPersonalAccessToken;
    c.token = token->value;
    c.settings.push_back(*token);
  } else {
    if (!client_id || !client_secret) {
      profile_error(target, "DBTPY428", "OAuth M2M needs both `client_id` and `client_secret`",
                    "add the service principal's application id and OAuth secret");
    }
    c.auth = DatabricksAuth::kOAuthM2M;
    c.client_id = client_id->value;
    c.client_secret = client_secret->value;
    c.settings.push_back(*client_id);
    c.settings.push_back(*client_secret);
  }
  if (auth_type) c.settings.push_back(*auth_type);
  return c;
}

std::shared_ptr<AuthProvider> make_databricks_provider(const DatabricksCredentials& c,
                                                       const std::string& base_url,
                                                       const TokenDeps& deps) {
  if (c.auth == DatabricksAuth::kPersonalAccessToken) {
    return std::make_shared<BearerTokenProvider>("Databricks personal access token", c.token);
  }
  TokenRequest req;
  req.url = base_url + "/oidc/v1/token";
  req.form = {{"grant_type", "client_credentials"}, {"scope", "all-apis"}};
  req.basic_auth = std::make_pair(c.client_id, c.client_secret);
  req.what = "Databricks OAuth token (client credentials)";
  req.hint =
      "check `client_id` and `client_secret` (the service principal's OAuth secret) and "
      "that the principal belongs to this workspace";
  TokenDeps d = deps;
  return std::make_shared<BearerTokenProvider>(
      "Databricks OAuth M2M for service principal " + c.client_id, *deps.clock,
      [req, d] { return fetch_token(req, d); });
}

}  // namespace dbtpy::profiles::auth
