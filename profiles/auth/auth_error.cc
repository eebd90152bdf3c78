#include "profiles/auth/auth_error.h"

namespace dbtpy::profiles::auth {

void profile_error(const Target& target, std::string code, std::string message, std::string hint) {
  throw_usage_error(std::move(code), std::move(message), std::move(hint), target.source_file,
                    target.source_line);
}

void file_error(const std::string& file, int line, std::string code, std::string message,
                std::string hint) {
  throw_usage_error(std::move(code), std::move(message), std::move(hint), file, line);
}

void runtime_error(std::string code, std::string message, std::string hint) {
  Diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  throw Error(ErrorKind::kRuntime, std::move(d));
}

}  // namespace dbtpy::profiles::auth
