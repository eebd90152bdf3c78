#pragma once
// The Python 3.12 tokenizer of the analyzer: CPython's lexical rules (string prefixes, PEP 701
// f-strings, line joining, INDENT/DEDENT with tab rules, numbers, PEP 3131 identifiers, CRLF/CR,
// BOM, form feeds). Produces all tokens of a file into one vector (no per-token allocation) or
// stops at the first lexical error, as CPython does. Pure function: thread-safe.
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "compiler/python/syntax_error.h"
#include "compiler/python/token.h"
#include "util/utf8.h"  // append_utf8, used with the decoders below

namespace dbtpy::compiler::python {

struct TokenizeResult {
  TokenVector tokens;     // ends with kEndMarker when there is no error
  SyntaxErrorInfo error;  // error.present: tokens are incomplete
  // The lexer's zero-padded copy of the source (only used during tokenize()): kept here so that
  // a result reused from file to file reuses this block too.
  std::unique_ptr<char[]> padded;
  size_t padded_capacity = 0;
};

// Limits as CPython's tokenizer has them.
inline constexpr int kMaxBracketDepth = 200;  // "too many nested parentheses"
inline constexpr int kMaxIndentLevels = 100;  // "too many levels of indentation"
inline constexpr int kMaxFStringDepth = 150;  // "too many nested f-strings"

TokenizeResult tokenize(std::string_view source);
// The same into `result`, reusing the capacity of result.tokens (which the lexer first sizes to
// one token per source byte, then trims): for callers that tokenize many files in a row.
void tokenize(std::string_view source, TokenizeResult& result);

// Decodes one UTF-8 sequence at `s[pos]` (pos < s.size(), s[pos] >= 0x80). Returns its length
// and sets `cp`, or returns 0 for an invalid sequence (overlong, surrogate, truncated).
int decode_utf8(std::string_view s, size_t pos, char32_t& cp);

}  // namespace dbtpy::compiler::python
