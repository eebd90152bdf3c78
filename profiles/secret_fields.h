#pragma once
// The secret half of a profile target: fields such as `password`, `token`, `private_key`,
// `private_key_passphrase`, `client_secret`, `keyfile_json`, `refresh_token`. They are kept
// unrendered (still holding `{{ env_var('X') }}`) and rendered only when a credential is built,
// so commands that need no credentials (`compile`, `ls`) work when the variables are unset.
// Every string a render produces is registered with the Redactor before it is returned.
// Immutable after construction; get() is thread-safe (the renderer must be, too).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::profiles {

// True for profile keys that hold secrets (by name: password, token, secret, passphrase,
// private_key but not private_key_path, keyfile_json, refresh_token, ...).
bool is_secret_field_name(std::string_view key);

class SecretFields {
 public:
  // Renders the Jinja in one raw value (recursively for mappings and lists). Throws dbtpy::Error
  // naming the profile file, the field and the missing variable (never a value).
  using Renderer = std::function<Json(const Json& raw, std::string_view key)>;

  SecretFields() = default;
  SecretFields(Json raw, Renderer render, std::shared_ptr<Redactor> redactor);

  bool has(std::string_view key) const;
  std::vector<std::string> names() const;
  // Renders the field now; nullopt when the profile does not set it.
  std::optional<Json> get(std::string_view key) const;
  // Like get(), for fields that must be strings (numbers are converted).
  std::optional<std::string> get_string(std::string_view key) const;

 private:
  Json raw_ = Json::object();
  Renderer render_;
  std::shared_ptr<Redactor> redactor_;
};

}  // namespace dbtpy::profiles
