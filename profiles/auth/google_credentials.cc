#include "profiles/auth/google_credentials.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "profiles/auth/auth_error.h"
#include "profiles/auth/bearer_token_provider.h"
#include "submitters/http/http_error.h"
#include "util/jwt.h"
#include "util/strings.h"

namespace dbtpy::profiles::auth {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kAssertionLifetime{3600};

std::string string_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Fills `c` from a credentials JSON document (a service-account key or an authorized_user
// ADC file). `where` names it in messages; `file`/`target` locate errors.
void load_credentials_json(const Json& j, const std::string& where, GoogleCredentials& c,
                           const Target& target, const CredentialSources& src,
                           bool service_account_only) {
  auto bad = [&](const std::string& why, const std::string& hint) {
    profile_error(target, "DBTPY426", fmt::format("{}: {}", where, why), hint);
  };
  if (!j.is_object()) {
    bad("not a JSON object", "use the JSON key file downloaded for the service account");
  }
  std::string type = string_of(j, "type");
  if (type == "service_account") {
    c.auth = GoogleAuth::kServiceAccount;
    c.client_email = string_of(j, "client_email");
    c.private_key = string_of(j, "private_key");
    c.private_key_id = string_of(j, "private_key_id");
    if (std::string uri = string_of(j, "token_uri"); !uri.empty()) c.token_uri = uri;
    if (c.client_email.empty() || c.private_key.empty()) {
      bad("the service-account key lacks client_email or private_key",
          "download a new JSON key for the service account");
    }
    src.add_secret(c.private_key);
    return;
  }
  if (type == "authorized_user" && !service_account_only) {
    c.auth = GoogleAuth::kAuthorizedUser;
    c.client_id = string_of(j, "client_id");
    c.client_secret = string_of(j, "client_secret");
    c.refresh_token = string_of(j, "refresh_token");
    if (std::string uri = string_of(j, "token_uri"); !uri.empty()) c.token_uri = uri;
    if (c.client_id.empty() || c.client_secret.empty() || c.refresh_token.empty()) {
      bad("the authorized_user credentials lack client_id, client_secret or refresh_token",
          "run `gcloud auth application-default login` again");
    }
    src.add_secret(c.client_secret);
    src.add_secret(c.refresh_token);
    return;
  }
  if (type.empty()) bad("no \"type\" field", "is this a Google credentials file?");
  if (service_account_only) {
    bad(fmt::format("has type '{}', but this method needs a service-account key", type),
        type == "authorized_user" ? "use `method: oauth` for user credentials"
                                  : "use a service-account JSON key");
  }
  bad(fmt::format("credentials of type '{}' are not supported", type),
      "use a service-account key, user credentials from `gcloud auth application-default "
      "login`, or the metadata server");
}

Json parse_json_file(const fs::path& path, const std::string& where, const Target& target,
                     const CredentialSources& src) {
  std::string text;
  try {
    text = src.read_file(path);
  } catch (const std::exception& e) {
    profile_error(target, "DBTPY421", fmt::format("cannot read {}: {}", where, e.what()),
                  "check the path and the file's permissions");
  }
  src.add_secret(text);  // the whole file is a secret, wherever pieces of it turn up
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    profile_error(target, "DBTPY426", fmt::format("{} is not valid JSON", where),
                  "use the JSON key file as downloaded from Google Cloud");
  }
  return j;
}

}  // namespace

std::string_view google_auth_name(GoogleAuth a) {
  switch (a) {
    case GoogleAuth::kServiceAccount:
      return "service account (JWT assertion)";
    case GoogleAuth::kAuthorizedUser:
      return "user credentials (refresh token)";
    case GoogleAuth::kMetadataServer:
      return "GCE metadata server";
    case GoogleAuth::kAccessToken:
      return "access token";
  }
  return "";
}

GoogleCredentials resolve_google_credentials(const Target& target, const SecretFields& secrets,
                                             const CredentialSources& src) {
  GoogleCredentials c;
  if (target.fields.is_object()) {
    if (auto s = target.fields.find("scopes"); s != target.fields.end() && s->is_array()) {
      for (const auto& x : *s)
        if (x.is_string()) c.scopes.push_back(x.get<std::string>());
    }
  }
  if (c.scopes.empty()) c.scopes.push_back(kCloudPlatformScope);
  if (target.string_field("impersonate_service_account")) {
    profile_error(target, "DBTPY427", "`impersonate_service_account` is not supported yet",
                  "authenticate directly as the service account (method: service-account)");
  }

  std::string method = target.string_field("method").value_or("");
  auto secret = [&](const char* k) -> std::optional<std::string> {
    if (!secrets.has(k)) return std::nullopt;
    auto v = secrets.get_string(k);
    if (!v || v->empty()) return std::nullopt;
    return v;
  };
  if (method == "service-account") {
    auto keyfile = target.string_field("keyfile");
    if (!keyfile || keyfile->empty()) {
      profile_error(target, "DBTPY428", "method service-account needs `keyfile`",
                    "add `keyfile: /path/to/service-account.json` to the target");
    }
    std::string path = *keyfile;
    if (path.starts_with("~/")) path = (src.home_dir() / path.substr(2)).string();
    c.origin = "keyfile " + *keyfile;
    load_credentials_json(parse_json_file(path, "keyfile " + *keyfile, target, src), c.origin, c,
                          target, src, true);
    c.settings.push_back({"keyfile", *keyfile, "profile", false});
  } else if (method == "service-account-json") {
    if (!secrets.has("keyfile_json")) {
      profile_error(target, "DBTPY428", "method service-account-json needs `keyfile_json`",
                    "add the key's fields under `keyfile_json:` in the target");
    }
    Json j = *secrets.get("keyfile_json");
    if (j.is_string()) j = Json::parse(j.get<std::string>(), nullptr, false);
    c.origin = "keyfile_json in the profile";
    load_credentials_json(j, "`keyfile_json`", c, target, src, true);
    c.settings.push_back({"keyfile_json", "", "profile", true});
  } else if (method == "oauth-secrets") {
    if (auto tok = secret("token")) {
      c.auth = GoogleAuth::kAccessToken;
      c.access_token = *tok;
      c.origin = "`token` in the profile";
      c.settings.push_back({"token", *tok, "profile", true});
    } else {
      auto refresh = secret("refresh_token");
      auto client_id = target.string_field("client_id");
      auto client_secret = secret("client_secret");
      if (!refresh || !client_id || !client_secret) {
        profile_error(target, "DBTPY428",
                      "method oauth-secrets needs `token`, or `refresh_token` + `client_id` + "
                      "`client_secret`",
                      "add them to the target (with env_var() for the secrets)");
      }
      c.auth = GoogleAuth::kAuthorizedUser;
      c.refresh_token = *refresh;
      c.client_id = *client_id;
      c.client_secret = *client_secret;
      if (auto uri = target.string_field("token_uri")) c.token_uri = *uri;
      c.origin = "refresh token in the profile";
      c.settings.push_back({"client_id", *client_id, "profile", false});
      c.settings.push_back({"refresh_token", "", "profile", true});
      c.settings.push_back({"client_secret", "", "profile", true});
      c.settings.push_back({"token_uri", c.token_uri, "profile", false});
    }
  } else if (method == "oauth") {
    fs::path adc = src.var("CLOUDSDK_CONFIG") ? fs::path(*src.var("CLOUDSDK_CONFIG"))
                                              : src.home_dir() / ".config" / "gcloud";
    adc /= "application_default_credentials.json";
    if (auto tok = src.var("GOOGLE_OAUTH_ACCESS_TOKEN")) {
      src.add_secret(*tok);
      c.auth = GoogleAuth::kAccessToken;
      c.access_token = *tok;
      c.origin = "GOOGLE_OAUTH_ACCESS_TOKEN";
      c.settings.push_back({"token", *tok, "env GOOGLE_OAUTH_ACCESS_TOKEN", true});
    } else if (auto gac = src.var("GOOGLE_APPLICATION_CREDENTIALS")) {
      c.origin = "GOOGLE_APPLICATION_CREDENTIALS " + *gac;
      load_credentials_json(parse_json_file(*gac, c.origin, target, src), c.origin, c, target, src,
                            false);
      c.settings.push_back({"credentials", *gac, "env GOOGLE_APPLICATION_CREDENTIALS", false});
    } else if (src.exists(adc)) {
      c.origin = "gcloud ADC file " + src.display(adc);
      load_credentials_json(parse_json_file(adc, c.origin, target, src), c.origin, c, target, src,
                            false);
      c.settings.push_back({"credentials", src.display(adc), "gcloud ADC", false});
    } else {
      c.auth = GoogleAuth::kMetadataServer;
      std::string host = "metadata.google.internal";
      if (auto h = src.var("GCE_METADATA_HOST")) {
        host = *h;
        c.metadata_explicit = true;
      }
      c.metadata_base = host.find("://") == std::string::npos ? "http://" + host : host;
      while (!c.metadata_base.empty() && c.metadata_base.back() == '/')
        c.metadata_base.pop_back();
      c.origin = "the GCE metadata server at " + c.metadata_base;
      c.settings.push_back({"metadata server", c.metadata_base,
                            c.metadata_explicit ? "env GCE_METADATA_HOST" : "default", false});
    }
  } else if (method.empty()) {
    profile_error(target, "DBTPY428", "the BigQuery target has no `method`",
                  "add `method: oauth` (gcloud / ADC), `service-account` (with `keyfile`), "
                  "`service-account-json` or `oauth-secrets`");
  } else {
    profile_error(target, "DBTPY427", fmt::format("unknown BigQuery method '{}'", method),
                  "use oauth, service-account, service-account-json or oauth-secrets");
  }
  if (c.auth == GoogleAuth::kServiceAccount) {
    c.settings.push_back({"client_email", c.client_email, c.origin, false});
  }
  return c;
}

std::shared_ptr<AuthProvider> make_google_provider(const GoogleCredentials& c,
                                                   const TokenDeps& deps) {
  std::string scope = join(c.scopes, " ");
  switch (c.auth) {
    case GoogleAuth::kAccessToken:
      return std::make_shared<BearerTokenProvider>("Google access token from " + c.origin,
                                                   c.access_token);
    case GoogleAuth::kServiceAccount: {
      std::shared_ptr<EVP_PKEY> key;
      try {
        PkeyPtr loaded = load_private_key_pem(c.private_key, std::nullopt);
        key = std::shared_ptr<EVP_PKEY>(loaded.release(), PkeyDeleter());
      } catch (const KeyError& e) {
        runtime_error("DBTPY422",
                      fmt::format("the private key of service account {} ({}) cannot be used: {}",
                                  c.client_email, c.origin, e.what()),
                      "download a new JSON key for the service account");
      }
      TokenDeps d = deps;
      GoogleCredentials sa = c;
      OPENSSL_cleanse(sa.private_key.data(), sa.private_key.size());
      sa.private_key.clear();  // the loaded key is all the provider keeps
      auto mint = [key, sa, scope, d]() {
        auto now = d.clock->now();
        long long iat =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        Json claims = {{"iss", sa.client_email},
                       {"scope", scope},
                       {"aud", sa.token_uri},
                       {"iat", iat},
                       {"exp", iat + kAssertionLifetime.count()}};
        Json header = Json::object();
        if (!sa.private_key_id.empty()) header["kid"] = sa.private_key_id;
        std::string assertion = jwt_encode_rs256(claims, key.get(), header);
        if (d.redactor) d.redactor->add_secret(assertion);
        TokenRequest req;
        req.url = sa.token_uri;
        req.form = {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                    {"assertion", assertion}};
        req.what = "Google access token for service account " + sa.client_email;
        req.hint = "check that the key is active (not deleted or disabled) for " + sa.client_email;
        return fetch_token(req, d);
      };
      return std::make_shared<BearerTokenProvider>(
          "Google service account " + c.client_email + " (" + c.origin + ")", *deps.clock, mint);
    }
    case GoogleAuth::kAuthorizedUser: {
      TokenRequest req;
      req.url = c.token_uri;
      req.form = {{"grant_type", "refresh_token"},
                  {"client_id", c.client_id},
                  {"client_secret", c.client_secret},
                  {"refresh_token", c.refresh_token}};
      req.what = "Google access token (refresh token grant)";
      req.hint = "run `gcloud auth application-default login` again";
      TokenDeps d = deps;
      return std::make_shared<BearerTokenProvider>("Google user credentials (" + c.origin + ")",
                                                   *deps.clock,
                                                   [req, d] { return fetch_token(req, d); });
    }
    case GoogleAuth::kMetadataServer: {
      if (!c.metadata_explicit) {
        http::HttpRequest probe;
        probe.url = c.metadata_base + "/computeMetadata/v1/";
        probe.set_header("Metadata-Flavor", "Google");
        probe.connect_timeout = std::chrono::seconds(1);
        probe.timeout = std::chrono::seconds(3);
        bool found = false;
        try {
          auto r = deps.client->send(probe);
          found = r.header("Metadata-Flavor") == std::optional<std::string>("Google");
        } catch (const http::TransportError&) {
        }
        if (!found) {
          runtime_error(
              "DBTPY420",
              "no Google credentials found: GOOGLE_APPLICATION_CREDENTIALS is not set, there is "
              "no gcloud ADC file, and no GCE metadata server answers (not on Google Cloud)",
              "run `gcloud auth application-default login`, or use `method: service-account` "
              "with `keyfile`");
        }
      }
      TokenRequest req;
      req.method = "GET";
      req.url = c.metadata_base + "/computeMetadata/v1/instance/service-accounts/default/token";
      req.headers = {{"Metadata-Flavor", "Google"}};
      req.what = "Google access token from the metadata server";
      req.hint = "check that the VM or pod has a service account attached";
      TokenDeps d = deps;
      return std::make_shared<BearerTokenProvider>(
          "Google default service account via " + c.metadata_base, *deps.clock,
          [req, d] { return fetch_token(req, d); });
    }
  }
  return nullptr;
}

}  // namespace dbtpy::profiles::auth
