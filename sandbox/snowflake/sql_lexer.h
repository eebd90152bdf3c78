#pragma once
// Tokens of the Snowflake SQL the sandbox understands: identifiers (plain or "quoted"),
// single-quoted strings with Snowflake's escapes ('' and backslash sequences), $$dollar$$
// strings, numbers, bind markers (? and :name), punctuation. Comments (--, //, /* */) are
// skipped. Positions are kept so errors can say "line L at position P" as Snowflake does.
// Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy::sandbox::snowflake {

enum class TokenKind { kWord, kQuotedIdent, kString, kNumber, kBind, kPunct, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;   // raw text as written
  std::string value;  // strings unescaped; words upper-cased; quoted idents unquoted
  size_t offset = 0;  // byte offset in the statement
  int line = 1;       // 1-based
  int column = 0;     // 0-based position in the line (Snowflake's "position")
};

struct LexError {
  std::string message;
  int line = 1;
  int column = 0;
};

struct LexResult {
  std::vector<Token> tokens;  // always ends with a kEnd token
  std::optional<LexError> error;
};

LexResult lex(std::string_view sql);

// Unescapes the body of a single-quoted Snowflake string literal (without the quotes).
std::string unescape_string(std::string_view body);

// Splits a request's text into statements at top-level semicolons (not inside strings,
// dollar strings, comments, or a BEGIN ... END scripting block). Empty pieces are dropped.
std::vector<std::string> split_statements(std::string_view sql);

}  // namespace dbtpy::sandbox::snowflake
