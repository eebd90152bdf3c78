#pragma once
// The exception type for problems the user must fix (bad project, bad flag, bad profile).
// It carries diagnostics so the CLI can print them in the one agreed format, and an exit code
// class so `main` maps it to dbt's exit codes without knowing where it came from.
#include <stdexcept>
#include <string>
#include <vector>

#include "util/diagnostic.h"

namespace dbtpy {

enum class ErrorKind {
  kUsage,    // bad flags or project/profile configuration: exit 2
  kModel,    // invalid models: exit 1
  kRuntime,  // remote or I/O failure: exit 1
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, Diagnostic diagnostic);
  Error(ErrorKind kind, std::vector<Diagnostic> diagnostics);

  ErrorKind kind() const { return kind_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  ErrorKind kind_;
  std::vector<Diagnostic> diagnostics_;
};

// Shorthand for the common case: a usage error with a code, a message and a hint.
[[noreturn]] void throw_usage_error(std::string code, std::string message, std::string hint = {},
                                    std::string file = {}, int line = 0, int column = 0);

}  // namespace dbtpy
