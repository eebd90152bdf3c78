#pragma once
// The first Python syntax error of a file, as the tokenizer or the parser found it (CPython also
// stops at the first one). A plain value; the analyzer turns it into a Diagnostic.
#include <cstdint>
#include <string>

namespace dbtpy::compiler::python {

struct SyntaxErrorInfo {
  bool present = false;
  bool too_deep = false;     // nesting beyond the analyzer's (and CPython's) limits
  std::string message;       // CPython's wording where we know it
  uint32_t offset = 0;       // byte offset of the reported position
  uint32_t line = 0;         // 1-based line of `offset`
  uint32_t detected_at = 0;  // tokenizer errors: where it stopped (may be after `offset`)
  uint32_t token = 0;        // parser errors: index of the token where parsing failed
  // Parser errors at a dedent before a line's first token: CPython reports them at that line
  // with offset 0 (column 0), before the line's text.
  bool before_line = false;
  bool indentation = false;  // parser errors: an unexpected indent, which no lexical error
                             // found later overrides (CPython reports it at once)
  // Tokenizer errors: CPython reports these even when the parser failed earlier in the file
  // (it tokenizes the rest of the source after a parser error). Indentation errors, stray
  // `$`/`?` and line-continuation errors do not; an unclosed bracket does when it was opened
  // on a line before the parser error.
  bool overrides_parser_error = true;
  bool unclosed_bracket = false;
  // Found inside an f-string: CPython then keeps an earlier parser error (the f-string's own
  // expression error must not be swallowed).
  bool in_fstring = false;
};

}  // namespace dbtpy::compiler::python
