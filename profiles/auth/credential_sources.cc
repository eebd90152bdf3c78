#include "profiles/auth/credential_sources.h"

#include "util/fs.h"
#include "util/strings.h"

namespace dbtpy::profiles::auth {

std::optional<std::string> CredentialSources::var(std::string_view name) const {
  if (!env) return std::nullopt;
  auto v = env(name);
  if (!v || trim(*v).empty()) return std::nullopt;
  return v;
}

std::filesystem::path CredentialSources::home_dir() const {
  if (!home.empty()) return home;
  if (auto h = var("HOME")) return *h;
  return "/";
}

bool CredentialSources::exists(const std::filesystem::path& p) const {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

std::string CredentialSources::read_file(const std::filesystem::path& p) const {
  return read ? read(p) : dbtpy::read_file(p);
}

std::string CredentialSources::display(const std::filesystem::path& p) const {
  std::string h = home_dir().string();
  std::string s = p.string();
  if (!h.empty() && h != "/" && s.starts_with(h + "/")) return "~" + s.substr(h.size());
  return s;
}

void CredentialSources::add_secret(std::string_view value) const {
  if (redactor) redactor->add_secret(value);
}

std::string describe(const Setting& s) {
  std::string v = s.secret ? "<redacted>" : s.value;
  return s.source.empty() ? v : v + " (" + s.source + ")";
}

}  // namespace dbtpy::profiles::auth
