#include "util/error.h"

namespace dbtpy {
namespace {
std::string join_messages(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) {
    if (!out.empty()) out += "\n";
    out += format_diagnostic(d);
  }
  return out;
}
}  // namespace

Error::Error(ErrorKind kind, Diagnostic diagnostic)
    : Error(kind, std::vector<Diagnostic>{std::move(diagnostic)}) {}

Error::Error(ErrorKind kind, std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_messages(diagnostics)),
      kind_(kind),
      diagnostics_(std::move(diagnostics)) {}

void throw_usage_error(std::string code, std::string message, std::string hint, std::string file,
                       int line, int column) {
  Diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.file = std::move(file);
  d.line = line;
  d.column = column;
  throw Error(ErrorKind::kUsage, std::move(d));
}

}  // namespace dbtpy
