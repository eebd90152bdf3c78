#include "profiles/secret_fields.h"

#include "util/strings.h"

namespace dbtpy::profiles {

bool is_secret_field_name(std::string_view key) {
  std::string k = to_lower(key);
  if (k.ends_with("_path") || k.ends_with("_file") || k == "keyfile" || k == "token_uri" ||
      k.ends_with("_uri") || k.ends_with("_url")) {
    return false;
  }
  static constexpr std::string_view kMarkers[] = {"password", "passphrase",      "secret",
                                                  "token",    "private_key",     "keyfile_json",
                                                  "api_key",  "credentials_json"};
  for (auto m : kMarkers) {
    if (k.find(m) != std::string::npos) return true;
  }
  return false;
}

SecretFields::SecretFields(Json raw, Renderer render, std::shared_ptr<Redactor> redactor)
    : raw_(raw.is_object() ? std::move(raw) : Json::object()),
      render_(std::move(render)),
      redactor_(std::move(redactor)) {}

bool SecretFields::has(std::string_view key) const {
  auto it = raw_.find(std::string(key));
  return it != raw_.end() && !it->is_null();
}

std::vector<std::string> SecretFields::names() const {
  std::vector<std::string> out;
  for (auto it = raw_.begin(); it != raw_.end(); ++it)
    out.push_back(it.key());
  return out;
}

namespace {
void register_strings(const Json& v, Redactor& r) {
  if (v.is_string()) {
    r.add_secret(v.get_ref<const std::string&>());
  } else if (v.is_structured()) {
    for (const auto& e : v)
      register_strings(e, r);
  }
}
}  // namespace

std::optional<Json> SecretFields::get(std::string_view key) const {
  auto it = raw_.find(std::string(key));
  if (it == raw_.end() || it->is_null()) return std::nullopt;
  Json value = render_ ? render_(*it, key) : *it;
  if (redactor_) register_strings(value, *redactor_);
  return value;
}

std::optional<std::string> SecretFields::get_string(std::string_view key) const {
  auto v = get(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number() || v->is_boolean()) return v->dump();
  return v->dump();  // a mapping (e.g. keyfile_json) as JSON text
}

}  // namespace dbtpy::profiles
