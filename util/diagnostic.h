#pragma once
// A user-facing problem with a location: `path:line:col: error[DBTPYnnn]: message` plus a hint.
// Value type; error codes are stable and documented in docs/errors.md.
#include <string>
#include <vector>

namespace dbtpy {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;     // e.g. "DBTPY101"; empty for uncoded notes
  std::string file;     // path as the user gave it (relative to the project when possible)
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string message;  // what happened
  std::string hint;     // one line on how to fix it (may be empty)
};

// "file:line:col: error[CODE]: message" and, if present, "\n  = help: hint".
std::string format_diagnostic(const Diagnostic& d);

// True if any diagnostic is an error.
bool has_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace dbtpy
