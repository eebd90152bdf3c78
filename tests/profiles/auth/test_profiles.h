#pragma once
// Builders for profile targets and secret fields in auth tests.
#include <memory>

#include "profiles/auth/credential_sources.h"
#include "profiles/secret_fields.h"
#include "profiles/target.h"
#include "tests/support/fakes.h"

namespace dbtpy::profiles::auth {

inline Target make_target(Platform p, Json fields) {
  Target t;
  t.profile_name = "jaffle";
  t.name = "dev";
  t.platform = p;
  t.type = std::string(platform_name(p));
  t.fields = std::move(fields);
  t.source_file = "profiles.yml";
  t.source_line = 3;
  return t;
}

// Secret fields holding literal values (no Jinja), registering with `redactor`.
inline SecretFields make_secrets(Json raw, std::shared_ptr<Redactor> redactor) {
  return SecretFields(std::move(raw), nullptr, std::move(redactor));
}

inline CredentialSources make_sources(const testing::FakeEnv& env, const std::string& home,
                                      std::shared_ptr<Redactor> redactor) {
  CredentialSources s;
  s.env = env.lookup();
  s.home = home;
  s.redactor = std::move(redactor);
  return s;
}

}  // namespace dbtpy::profiles::auth
