#pragma once
// How authentication reports problems: dbtpy::Error with DBTPY42x–44x codes. Configuration
// problems (a missing field, an unreadable key, a method the SQL API does not accept) are
// usage errors that point at profiles.yml or the credentials file; a platform or token
// endpoint refusing the credentials is a runtime error. Messages never include a secret.
#include <string>

#include "profiles/target.h"
#include "util/error.h"

namespace dbtpy::profiles::auth {

// A usage error located at the target in profiles.yml.
[[noreturn]] void profile_error(const Target& target, std::string code, std::string message,
                                std::string hint);
// A usage error located in another file (connections.toml, .databrickscfg, a key file).
[[noreturn]] void file_error(const std::string& file, int line, std::string code,
                             std::string message, std::string hint);
// A runtime error (the platform or a token endpoint refused).
[[noreturn]] void runtime_error(std::string code, std::string message, std::string hint);

}  // namespace dbtpy::profiles::auth
