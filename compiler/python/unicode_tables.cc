#include "compiler/python/unicode_tables.h"

#include <algorithm>

namespace dbtpy::compiler::python {
namespace {

bool in_ranges(const CodeRange* table, size_t size, char32_t cp) {
  const CodeRange* end = table + size;
  const CodeRange* it =
      std::upper_bound(table, end, cp, [](char32_t v, const CodeRange& r) { return v < r.first; });
  if (it == table) return false;
  --it;
  return cp <= it->last;
}

}  // namespace

bool is_xid_start(char32_t cp) {
  return in_ranges(kXidStart, kXidStartSize, cp);
}
bool is_xid_continue(char32_t cp) {
  return in_ranges(kXidContinue, kXidContinueSize, cp);
}

char ascii_fold(char32_t cp) {
  const AsciiFold* end = kAsciiFolds + kAsciiFoldsSize;
  const AsciiFold* it = std::lower_bound(
      kAsciiFolds, end, cp, [](const AsciiFold& f, char32_t v) { return f.code_point < v; });
  return (it != end && it->code_point == cp) ? it->ascii : 0;
}

}  // namespace dbtpy::compiler::python
