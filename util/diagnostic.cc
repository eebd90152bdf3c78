#include "util/diagnostic.h"

#include <fmt/format.h>

namespace dbtpy {

std::string format_diagnostic(const Diagnostic& d) {
  std::string out;
  if (!d.file.empty()) {
    out += d.file;
    if (d.line > 0) {
      out += fmt::format(":{}", d.line);
      if (d.column > 0) out += fmt::format(":{}", d.column);
    }
    out += ": ";
  }
  out += d.severity == Severity::kError ? "error" : "warning";
  if (!d.code.empty()) out += fmt::format("[{}]", d.code);
  out += ": ";
  out += d.message;
  if (!d.hint.empty()) out += fmt::format("\n  = help: {}", d.hint);
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.severity == Severity::kError) return true;
  }
  return false;
}

}  // namespace dbtpy
