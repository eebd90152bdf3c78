#pragma once
// The first Python syntax error of a file, as the tokenizer or the parser found it (CPython also
// stops at the first one). A plain value; the analyzer turns it into a Diagnostic.
#include <cstdint>
#include <string>

namespace dbtpy::compiler::python {

struct SyntaxErrorInfo {
  bool present = false;
  bool too_deep = false;  // nesting beyond the analyzer's (and CPython's) limits
  std::string message;    // CPython's wording where we know it
  uint32_t offset = 0;    // byte offset of the reported position
  uint32_t line = 0;      // 1-based line of `offset`
};

}  // namespace dbtpy::compiler::python
