#pragma once
// A small parser for the Jinja *expressions* dbt projects put in YAML values and SQL config
// calls: literals, names, attribute/index access, calls with keyword arguments, filters and
// `~` concatenation. It builds a tree and evaluates nothing (jinja_value.h evaluates the
// subset dbtpy supports; the SQL scanner reads literal call arguments). Anything outside this
// grammar (arithmetic, comparisons, `if`, tests) is a parse error that names the offending
// text, so callers can report "unsupported Jinja" precisely. Pure functions, thread-safe.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/json.h"

namespace dbtpy::profiles {

struct JinjaToken {
  enum class Kind { kName, kString, kInt, kFloat, kOp, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;   // identifier, decoded string value, number text or operator
  size_t offset = 0;  // byte offset of the token in the expression text
};

// Splits an expression into tokens. Strings use Jinja's (Python's) quoting and escapes.
// Returns nullopt and sets `error` (with its offset) on an unterminated string.
std::optional<std::vector<JinjaToken>> tokenize_jinja(std::string_view text, std::string* error,
                                                      size_t* error_offset);

struct JinjaExpr {
  enum class Kind {
    kLiteral,  // `value` holds the JSON literal (str, int, float, bool, null)
    kName,     // `name`
    kAttr,     // children[0].`name`
    kIndex,    // children[0][children[1]]
    kCall,     // children[0](args..., kwargs...)
    kFilter,   // children[0] | name(args...)
    kConcat,   // children joined with `~`
    kList,     // [children...] or (children...) — tuples are lists here
    kDict,     // {kwargs...} with string keys
  };
  Kind kind = Kind::kLiteral;
  Json value;        // kLiteral
  std::string name;  // kName, kAttr, kFilter
  std::vector<JinjaExpr> children;
  std::vector<JinjaExpr> args;
  std::vector<std::pair<std::string, JinjaExpr>> kwargs;  // calls, filters and dicts
  size_t begin = 0, end = 0;                              // source span, for messages
};

struct JinjaParseResult {
  std::optional<JinjaExpr> expr;
  std::string error;        // set when expr is empty
  size_t error_offset = 0;  // offset of the problem in the text
};

// Parses a whole expression (the text between `{{` and `}}`).
JinjaParseResult parse_jinja_expression(std::string_view text);

// Parses the argument list of a call whose '(' is tokens[open]; on success `*close` is the index
// of the matching ')'. Used by the SQL scanner to read `config(...)`/`ref(...)` in place.
struct JinjaCallArgs {
  std::vector<JinjaExpr> args;
  std::vector<std::pair<std::string, JinjaExpr>> kwargs;
};
std::optional<JinjaCallArgs> parse_jinja_call_args(const std::vector<JinjaToken>& tokens,
                                                   size_t open, size_t* close, std::string* error);

// The JSON value of an expression made only of literals, lists and dicts; nullopt otherwise.
std::optional<Json> jinja_literal_value(const JinjaExpr& e);

}  // namespace dbtpy::profiles
