#include "profiles/auth/snowflake_credentials.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "profiles/auth/auth_error.h"
#include "profiles/auth/bearer_token_provider.h"
#include "profiles/auth/snowflake_key.h"
#include "profiles/auth/toml_subset.h"
#include "util/fs.h"
#include "util/jwt.h"
#include "util/strings.h"

namespace dbtpy::profiles::auth {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kJwtLifetime{59 * 60};  // Snowflake accepts at most one hour

// The selected connection of connections.toml / config.toml, read on first use.
class ConnectionsFile {
 public:
  ConnectionsFile(const Target& target, const CredentialSources& src)
      : target_(target), src_(src) {}

  const Json* connection() {
    if (!loaded_) load();
    return connection_.is_object() ? &connection_ : nullptr;
  }
  const std::string& label() {
    if (!loaded_) load();
    return label_;
  }
  const std::string& name() {
    if (!loaded_) load();
    return name_;
  }
  std::string path() {
    if (!loaded_) load();
    return file_;
  }

 private:
  fs::path config_dir() const {
    if (auto h = src_.var("SNOWFLAKE_HOME")) return *h;
    fs::path dot = src_.home_dir() / ".snowflake";
    std::error_code ec;
    if (fs::is_directory(dot, ec)) return dot;
    if (auto x = src_.var("XDG_CONFIG_HOME")) return fs::path(*x) / "snowflake";
    return src_.home_dir() / ".config" / "snowflake";
  }

  Json read_toml(const fs::path& p, bool required) {
    if (!src_.exists(p)) return Json();
    try {
      return parse_toml(src_.read_file(p));
    } catch (const TomlError& e) {
      if (required) {
        file_error(src_.display(p), e.line(), "DBTPY426",
                   fmt::format("{} is not valid TOML: {}", src_.display(p), e.what()),
                   "fix the file (see Snowflake's connections.toml documentation)");
      }
      spdlog::warn("ignoring {}: line {}: {}", src_.display(p), e.line(), e.what());
    } catch (const std::exception& e) {
      spdlog::warn("ignoring {}: {}", src_.display(p), e.what());
    }
    return Json();
  }

  void load() {
    loaded_ = true;
    fs::path dir = config_dir();
    bool explicit_name = false;
    if (auto n = target_.string_field("connection_name"); n && !n->empty()) {
      name_ = *n;
      explicit_name = true;
    } else if (auto e = src_.var("SNOWFLAKE_DEFAULT_CONNECTION_NAME")) {
      name_ = *e;
      explicit_name = true;
    }
    Json config = read_toml(dir / "config.toml", explicit_name);
    if (name_.empty()) {
      name_ = "default";
      if (config.is_object()) {
        if (auto d = config.find("default_connection_name"); d != config.end() && d->is_string()) {
          name_ = d->get<std::string>();
        }
      }
    }
    Json conns = read_toml(dir / "connections.toml", explicit_name);
    if (conns.is_object() && conns.contains(name_) && conns[name_].is_object()) {
      connection_ = conns[name_];
      file_ = src_.display(dir / "connections.toml");
    } else if (config.is_object() && config.contains("connections") &&
               config["connections"].is_object() && config["connections"].contains(name_) &&
               config["connections"][name_].is_object()) {
      connection_ = config["connections"][name_];
      file_ = src_.display(dir / "config.toml");
    } else if (explicit_name) {
      std::vector<std::string> known;
      if (conns.is_object()) {
        for (auto it = conns.begin(); it != conns.end(); ++it)
          if (it->is_object()) known.push_back(it.key());
      }
      profile_error(target_, "DBTPY426",
                    fmt::format("Snowflake connection '{}' is not defined in {}", name_,
                                src_.display(dir / "connections.toml")),
                    known.empty() ? "define it there, or remove `connection_name` / "
                                    "SNOWFLAKE_DEFAULT_CONNECTION_NAME"
                                  : "defined connections: " + join(known, ", "));
    }
    label_ = file_.empty() ? "" : file_ + " [" + name_ + "]";
    // Secrets in the connection are secrets wherever they show up.
    if (connection_.is_object()) {
      for (const char* k : {"password", "token", "private_key_raw", "private_key_file_pwd",
                            "private_key_passphrase", "oauth_client_secret"}) {
        if (auto it = connection_.find(k); it != connection_.end() && it->is_string()) {
          src_.add_secret(it->get<std::string>());
        }
      }
    }
  }

  const Target& target_;
  const CredentialSources& src_;
  bool loaded_ = false;
  Json connection_;
  std::string name_;
  std::string file_;
  std::string label_;
};

// The places a field can come from, in precedence order.
enum class Layer { kProfile, kEnv, kToml, kAny };

struct Lookup {
  const Target& target;
  const SecretFields& secrets;
  const CredentialSources& src;
  ConnectionsFile& toml;

  std::vector<std::string> env_names(const std::string& var) {
    std::vector<std::string> names;
    if (!toml.name().empty()) {
      names.push_back("SNOWFLAKE_CONNECTIONS_" + to_upper(toml.name()) + "_" + var);
    }
    names.push_back("SNOWFLAKE_" + var);
    return names;
  }

  // First of: the profile's keys, SNOWFLAKE_CONNECTIONS_<NAME>_<VAR>/SNOWFLAKE_<VAR>, the
  // connection's keys — or only the layer `only`.
  std::optional<Setting> find(const std::string& name, std::vector<std::string> profile_keys,
                              std::vector<std::string> env_vars, std::vector<std::string> toml_keys,
                              bool secret, Layer only = Layer::kAny) {
    if (only == Layer::kAny || only == Layer::kProfile) {
      for (const auto& k : profile_keys) {
        if (auto v = target.string_field(k); v && !v->empty())
          return Setting{name, *v, "profile", secret};
        if (secrets.has(k)) {
          if (auto v = secrets.get_string(k); v && !v->empty()) {
            return Setting{name, *v, "profile", true};
          }
        }
      }
    }
    if (only == Layer::kAny || only == Layer::kEnv) {
      for (const auto& e : env_vars) {
        for (const auto& n : env_names(e)) {
          if (auto v = src.var(n)) {
            if (secret) src.add_secret(*v);
            return Setting{name, *v, "env " + n, secret};
          }
        }
      }
    }
    if (only == Layer::kAny || only == Layer::kToml) {
      if (const Json* c = toml.connection()) {
        for (const auto& k : toml_keys) {
          auto it = c->find(k);
          if (it == c->end() || it->is_null() || it->is_structured()) continue;
          std::string v = it->is_string() ? it->get<std::string>() : it->dump();
          if (v.empty()) continue;
          return Setting{name, v, toml.label(), secret};
        }
      }
    }
    return std::nullopt;
  }

  // Whether `layer` holds credential material (a key, a token or a password), checked
  // without rendering anything.
  bool has_material(Layer layer) {
    static const std::vector<std::string> kProfileKeys = {"private_key_path", "private_key",
                                                          "token", "token_file_path", "password"};
    static const std::vector<std::string> kEnvVars = {
        "PRIVATE_KEY_PATH", "PRIVATE_KEY_FILE", "PRIVATE_KEY_RAW", "PRIVATE_KEY", "TOKEN",
        "TOKEN_FILE_PATH",  "PASSWORD"};
    static const std::vector<std::string> kTomlKeys = {"private_key_file", "private_key_path",
                                                       "private_key_raw",  "token",
                                                       "token_file_path",  "password"};
    switch (layer) {
      case Layer::kProfile:
        for (const auto& k : kProfileKeys) {
          if (auto v = target.string_field(k); (v && !v->empty()) || secrets.has(k)) return true;
        }
        return false;
      case Layer::kEnv:
        for (const auto& e : kEnvVars) {
          for (const auto& n : env_names(e))
            if (src.var(n)) return true;
        }
        return false;
      case Layer::kToml:
        if (const Json* c = toml.connection()) {
          for (const auto& k : kTomlKeys) {
            if (auto it = c->find(k); it != c->end() && !it->is_null()) return true;
          }
        }
        return false;
      case Layer::kAny:
        return false;
    }
    return false;
  }
};

bool is_interactive(const std::string& a) {
  return a == "externalbrowser" || a == "username_password_mfa" ||
         a == "oauth_authorization_code" || a == "oauth_client_credentials" ||
         a == "workload_identity" || a.starts_with("https://") || a.starts_with("http://");
}

}  // namespace

std::string_view snowflake_auth_name(SnowflakeAuth a) {
  switch (a) {
    case SnowflakeAuth::kKeyPair:
      return "key-pair JWT";
    case SnowflakeAuth::kOAuth:
      return "OAuth access token";
    case SnowflakeAuth::kOAuthRefresh:
      return "OAuth refresh token";
    case SnowflakeAuth::kProgrammaticAccessToken:
      return "programmatic access token";
  }
  return "";
}

SnowflakeCredentials resolve_snowflake_credentials(Target& target, const SecretFields& secrets,
                                                   const CredentialSources& src) {
  ConnectionsFile toml(target, src);
  Lookup look{target, secrets, src, toml};
  SnowflakeCredentials c;

  // Complete the target's connection fields first: endpoints and statements read them.
  struct Plain {
    const char* field;
    const char* env;
  };
  for (Plain p : {Plain{"account", "ACCOUNT"}, Plain{"user", "USER"}, Plain{"host", "HOST"},
                  Plain{"port", "PORT"}, Plain{"protocol", "PROTOCOL"}, Plain{"role", "ROLE"},
                  Plain{"warehouse", "WAREHOUSE"}, Plain{"database", "DATABASE"},
                  Plain{"schema", "SCHEMA"}}) {
    if (target.string_field(p.field)) continue;
    if (auto s = look.find(p.field, {}, {p.env}, {p.field}, false)) {
      if (!target.fields.is_object()) target.fields = Json::object();
      if (std::string(p.field) == "port") {
        try {
          target.fields[p.field] = std::stoll(s->value);
        } catch (...) {
          target.fields[p.field] = s->value;
        }
      } else {
        target.fields[p.field] = s->value;
      }
      c.settings.push_back(*s);
    }
  }
  c.account = target.string_field("account").value_or("");
  c.user = target.string_field("user").value_or("");

  // The credentials themselves come from one place: the first of profile, environment and
  // connections.toml that holds any (a key, token or password), so a profile that says how
  // it authenticates is never overridden by stray variables. The method switch and the key's
  // passphrase may come from any of them.
  Layer auth = Layer::kAny;
  for (Layer l : {Layer::kProfile, Layer::kEnv, Layer::kToml}) {
    if (look.has_material(l)) {
      auth = l;
      break;
    }
  }
  auto authenticator =
      look.find("authenticator", {"authenticator"}, {"AUTHENTICATOR"}, {"authenticator"}, false);
  std::string a = authenticator ? to_lower(trim(authenticator->value)) : "";
  auto key_path =
      look.find("private_key_path", {"private_key_path"}, {"PRIVATE_KEY_PATH", "PRIVATE_KEY_FILE"},
                {"private_key_file", "private_key_path"}, false, auth);
  auto key = look.find("private_key", {"private_key"}, {"PRIVATE_KEY_RAW", "PRIVATE_KEY"},
                       {"private_key_raw"}, true, auth);
  auto pass = look.find("private_key_passphrase", {"private_key_passphrase"},
                        {"PRIVATE_KEY_PASSPHRASE", "PRIVATE_KEY_FILE_PWD"},
                        {"private_key_file_pwd", "private_key_passphrase"}, true);
  auto token = look.find("token", {"token"}, {"TOKEN"}, {"token"}, true, auth);
  if (!token) {
    if (auto file = look.find("token_file_path", {"token_file_path"}, {"TOKEN_FILE_PATH"},
                              {"token_file_path"}, false, auth)) {
      std::string text;
      try {
        text = std::string(trim(src.read_file(file->value)));
      } catch (const std::exception& e) {
        profile_error(target, "DBTPY421",
                      fmt::format("cannot read the token file {} ({}): {}", file->value,
                                  file->source, e.what()),
                      "check the path and its permissions");
      }
      src.add_secret(text);
      token = Setting{"token", text, "file " + file->value, true};
    }
  }
  auto password = look.find("password", {"password"}, {"PASSWORD"}, {"password"}, true, auth);
  auto client_id = look.find("oauth_client_id", {"oauth_client_id"}, {"OAUTH_CLIENT_ID"},
                             {"oauth_client_id"}, false, auth);
  auto client_secret = look.find("oauth_client_secret", {"oauth_client_secret"},
                                 {"OAUTH_CLIENT_SECRET"}, {"oauth_client_secret"}, true, auth);
  c.connections_file = toml.path();

  auto need_token = [&](std::string_view why) {
    if (!token) {
      profile_error(
          target, "DBTPY428",
          fmt::format("profile target '{}' uses {} but sets no `token`", target.name, why),
          "add `token: \"{{ env_var('SNOWFLAKE_TOKEN') }}\"` to the target");
    }
  };

  if (is_interactive(a)) {
    profile_error(
        target, "DBTPY427",
        fmt::format("authenticator '{}' needs an interactive login, which the Snowflake SQL API "
                    "cannot perform",
                    authenticator->value),
        "use key-pair authentication (`private_key_path`), a programmatic access token "
        "(`authenticator: programmatic_access_token` + `token`) or OAuth (`authenticator: "
        "oauth` + `token`)");
  }
  if (a == "oauth") {
    need_token("authenticator: oauth");
    if (client_id && client_secret) {
      c.auth = SnowflakeAuth::kOAuthRefresh;
    } else if (client_id || client_secret) {
      profile_error(target, "DBTPY428",
                    "`oauth_client_id` and `oauth_client_secret` go together (with them, "
                    "`token` is a refresh token)",
                    "set both, or neither to use `token` as an access token");
    } else {
      c.auth = SnowflakeAuth::kOAuth;
    }
  } else if (a == "jwt") {
    need_token("authenticator: jwt");
    c.auth = SnowflakeAuth::kOAuth;
  } else if (a == "programmatic_access_token" || a == "pat") {
    if (!token && password) token = password;
    need_token("authenticator: programmatic_access_token");
    c.auth = SnowflakeAuth::kProgrammaticAccessToken;
  } else if (a == "snowflake_jwt" || ((a.empty() || a == "snowflake") && (key || key_path))) {
    if (!key && !key_path) {
      profile_error(target, "DBTPY428",
                    fmt::format("profile target '{}' uses key-pair authentication but sets no "
                                "`private_key_path` or `private_key`",
                                target.name),
                    "add `private_key_path: /path/to/rsa_key.p8` to the target");
    }
    if (key && key_path && key->source == "profile" && key_path->source == "profile") {
      profile_error(target, "DBTPY423", "the target sets both `private_key` and `private_key_path`",
                    "keep one of them");
    }
    c.auth = SnowflakeAuth::kKeyPair;
  } else if (a.empty() || a == "snowflake") {
    if (password) {
      // The SQL API takes no passwords; a PAT goes where a password goes.
      token = password;
      c.auth = SnowflakeAuth::kProgrammaticAccessToken;
    } else if (token) {
      profile_error(target, "DBTPY428",
                    "the target sets `token` but no `authenticator` saying what kind of token",
                    "add `authenticator: oauth` (OAuth access token) or `authenticator: "
                    "programmatic_access_token`");
    } else {
      profile_error(target, "DBTPY420",
                    fmt::format("profile target '{}' has no Snowflake credentials", target.name),
                    "set `private_key_path` (key-pair), `authenticator: oauth` + `token`, or "
                    "`authenticator: programmatic_access_token` + `token` — in the profile, "
                    "SNOWFLAKE_* variables or ~/.snowflake/connections.toml");
    }
  } else {
    profile_error(target, "DBTPY427",
                  fmt::format("unknown Snowflake authenticator '{}'", authenticator->value),
                  "use snowflake_jwt (key pair), oauth, jwt or programmatic_access_token");
  }

  if (c.auth == SnowflakeAuth::kKeyPair) {
    if (c.user.empty()) {
      profile_error(target, "DBTPY428", "key-pair authentication needs `user`",
                    "add `user:` to the target (the Snowflake user holding the public key)");
    }
    if (c.account.empty()) {
      if (auto h = target.string_field("host")) c.account = account_from_host(*h).value_or("");
    }
    if (c.account.empty()) {
      profile_error(target, "DBTPY428",
                    "key-pair authentication needs `account` (it is part of the signed token)",
                    "add `account:` to the target, e.g. myorg-myaccount or xy12345.us-east-2.aws");
    }
    if (key) {
      c.private_key = key->value;
      c.settings.push_back(*key);
    } else {
      c.private_key_path = key_path->value;
      if (c.private_key_path.starts_with("~/")) {
        c.private_key_path = (src.home_dir() / c.private_key_path.substr(2)).string();
      }
      c.settings.push_back(*key_path);
    }
    if (pass) {
      c.passphrase = pass->value;
      c.settings.push_back(*pass);
    }
  } else {
    c.token = token->value;
    c.settings.push_back(Setting{"token", token->value, token->source, true});
    if (c.auth == SnowflakeAuth::kOAuthRefresh) {
      c.oauth_client_id = client_id->value;
      c.oauth_client_secret = client_secret->value;
      c.settings.push_back(*client_id);
      c.settings.push_back(*client_secret);
    }
  }
  if (authenticator) c.settings.push_back(*authenticator);
  return c;
}

std::shared_ptr<AuthProvider> make_snowflake_provider(const SnowflakeCredentials& c,
                                                      const Target& target,
                                                      const std::string& base_url,
                                                      const TokenDeps& deps) {
  switch (c.auth) {
    case SnowflakeAuth::kKeyPair: {
      std::string text = c.private_key;
      std::string where = "`private_key`";
      if (text.empty()) {
        where = c.private_key_path;
        try {
          text = dbtpy::read_file(c.private_key_path);
        } catch (const std::exception& e) {
          profile_error(target, "DBTPY421",
                        fmt::format("cannot read the Snowflake private key file {}: {}",
                                    c.private_key_path, e.what()),
                        "check `private_key_path` and the file's permissions");
        }
        if (deps.redactor) deps.redactor->add_secret(text);
      }
      std::shared_ptr<EVP_PKEY> key;
      try {
        PkeyPtr loaded = load_snowflake_private_key(
            text, c.passphrase ? std::optional<std::string_view>(*c.passphrase) : std::nullopt);
        key = std::shared_ptr<EVP_PKEY>(loaded.release(), PkeyDeleter());
      } catch (const KeyError& e) {
        std::string why = e.what();
        std::string hint =
            why.find("wrong passphrase") != std::string::npos ? "check `private_key_passphrase`"
            : why.find("set a passphrase") != std::string::npos
                ? "add `private_key_passphrase:` (e.g. \"{{ env_var('SNOWFLAKE_PRIVATE_KEY_"
                  "PASSPHRASE') }}\")"
            : why.find("not an RSA") != std::string::npos
                ? "Snowflake key-pair auth needs an RSA key: openssl genrsa 2048 | openssl "
                  "pkcs8 -topk8 -nocrypt"
                : "point `private_key_path` at the PEM file whose public key is set on the "
                  "Snowflake user";
        profile_error(target, "DBTPY422",
                      fmt::format("the Snowflake private key ({}) cannot be used: {}", where, why),
                      hint);
      }
      // The key text is no longer needed: only the loaded key stays in memory.
      OPENSSL_cleanse(text.data(), text.size());
      std::string fingerprint = public_key_fingerprint(key.get());
      std::string account = snowflake_jwt_account(c.account);
      std::string user = c.user;
      const Clock* clock = deps.clock;
      auto redactor = deps.redactor;
      auto mint = [key, fingerprint, account, user, clock, redactor]() {
        auto now = clock->now();
        Json claims = snowflake_jwt_claims(account, user, fingerprint, now, kJwtLifetime);
        std::string jwt = jwt_encode_rs256(claims, key.get());
        if (redactor) redactor->add_secret(jwt);
        return AccessToken{jwt, now + kJwtLifetime};
      };
      return std::make_shared<BearerTokenProvider>(
          fmt::format("Snowflake key-pair JWT for {}.{} (public key {})", account, to_upper(user),
                      fingerprint),
          *deps.clock, mint,
          std::vector<http::Header>{{"X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT"}});
    }
    case SnowflakeAuth::kOAuth:
      return std::make_shared<BearerTokenProvider>(
          "Snowflake OAuth access token from the profile", c.token,
          std::vector<http::Header>{{"X-Snowflake-Authorization-Token-Type", "OAUTH"}});
    case SnowflakeAuth::kProgrammaticAccessToken:
      return std::make_shared<BearerTokenProvider>(
          "Snowflake programmatic access token" +
              std::string(c.user.empty() ? "" : " of user " + to_upper(c.user)),
          c.token,
          std::vector<http::Header>{
              {"X-Snowflake-Authorization-Token-Type", "PROGRAMMATIC_ACCESS_TOKEN"}});
    case SnowflakeAuth::kOAuthRefresh: {
      TokenRequest req;
      req.url = base_url + "/oauth/token-request";
      req.form = {{"grant_type", "refresh_token"},
                  {"refresh_token", c.token},
                  {"redirect_uri", "http://localhost:9999"}};
      req.basic_auth = std::make_pair(c.oauth_client_id, c.oauth_client_secret);
      req.what = "Snowflake OAuth access token (refresh token grant)";
      req.hint = "check `oauth_client_id`, `oauth_client_secret` and the refresh token in `token`";
      TokenDeps d = deps;
      return std::make_shared<BearerTokenProvider>(
          "Snowflake OAuth (refresh token, client " + c.oauth_client_id + ")", *deps.clock,
          [req, d] { return fetch_token(req, d); },
          std::vector<http::Header>{{"X-Snowflake-Authorization-Token-Type", "OAUTH"}});
    }
  }
  return nullptr;
}

}  // namespace dbtpy::profiles::auth
