#pragma once
// The Python 3.12 recursive-descent parser of the analyzer. It validates the whole grammar
// (statements, expressions, patterns, f-string fields) without building an AST: while parsing it
// records only what the analyzer needs — dbt.* call sites with the token spans of their
// arguments, `def model` facts, imports and the module docstring. Nesting is bounded, so no
// input can overflow the stack. Pure function of the tokens: thread-safe.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "compiler/python/analysis.h"
#include "compiler/python/syntax_error.h"
#include "compiler/python/token.h"

namespace dbtpy::compiler::python {

// One argument of a recognized call: tokens [begin, end) hold its expression.
struct CallArgSpan {
  enum class Kind : uint8_t { kPositional, kKeyword, kStar, kDoubleStar };
  Kind kind = Kind::kPositional;
  uint32_t name_tok = 0;  // keyword name (kKeyword only)
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Its arguments are ParseResult::call_args[args_begin, args_begin + args_count): one vector
// for the whole file instead of one allocation per call (a model makes a dozen dbt.* calls).
struct CallSite {
  CallKind kind = CallKind::kRef;
  uint32_t callee_tok = 0;  // the `dbt` name token
  uint32_t args_begin = 0;
  uint32_t args_count = 0;
};

// A `def model(...)` anywhere in the file, with the facts dbt's validation looks at.
struct ModelDefSite {
  uint32_t def_tok = 0;
  uint32_t name_tok = 0;          // `model`
  uint32_t last_stmt_tok = 0;     // first token of the body's last statement
  bool counted = false;           // counts for dbt-core 1.10 (not nested in a plain function)
  int params = 0;                 // positional-or-keyword parameters (not positional-only)
  int32_t first_param_tok = -1;   // first positional-or-keyword parameter name
  bool ends_with_return = false;  // last body statement is `return`
  bool returns_tuple = false;     // ... whose value is a tuple
};

struct ParseResult {
  std::vector<CallSite> calls;         // in source order of their callee
  std::vector<CallArgSpan> call_args;  // of all calls, each call's contiguous
  std::vector<CallArgSpan> arg_stack;  // the parser's work space (arguments of open calls)
  std::vector<ModelDefSite> model_defs;
  std::vector<uint32_t> import_toks;  // first name token of each absolute import
  int32_t docstring_begin = -1;       // tokens of the module docstring's string(s)
  int32_t docstring_end = -1;
  bool empty_module = false;
  SyntaxErrorInfo error;

  std::span<const CallArgSpan> args(const CallSite& site) const {
    return {call_args.data() + site.args_begin, site.args_count};
  }
};

// Identifier comparison that applies CPython's NFKC normalization for non-ASCII names.
bool name_equals_non_ascii(std::string_view source, const Token& t, std::string_view ascii);
inline bool name_equals(std::string_view source, const Token& t, std::string_view ascii) {
  // Inline for the common case: most names are ASCII and differ in length from `ascii`.
  if (!(t.flags & kNonAscii)) {
    return t.end - t.begin == ascii.size() &&
           std::char_traits<char>::compare(source.data() + t.begin, ascii.data(), ascii.size()) ==
               0;
  }
  return name_equals_non_ascii(source, t, ascii);
}

ParseResult parse(std::string_view source, const TokenVector& tokens);
// The same into `out`, whose vectors keep their capacity (a worker parses thousands of files).
void parse(std::string_view source, const TokenVector& tokens, ParseResult& out);

// Whether an expression parsed from token `from` would still be unfinished at the last token
// (the end marker): CPython's parser then meets the end of the file inside it.
bool expression_runs_to_end(std::string_view source, const TokenVector& tokens, size_t from);
// The furthest token an expression parsed from token `from` reads: where it fails or the token
// after it.
size_t expression_reach(std::string_view source, const TokenVector& tokens, size_t from);

}  // namespace dbtpy::compiler::python
