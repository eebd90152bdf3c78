#pragma once
// Tokens of Python 3.12 source as the analyzer's tokenizer produces them. A token is 16 bytes
// of offsets into the caller's source text (no copies), so a file's tokens live in one vector.
// Value types; no ownership of the text.
#include <cstdint>
#include <string_view>

namespace dbtpy::compiler::python {

enum class Tok : uint8_t {
  kEndMarker,
  kNewline,
  kIndent,
  kDedent,
  kName,
  kNumber,
  kString,        // a complete non-f string literal, prefix included
  kFStringStart,  // prefix + opening quote of an f-string; fields follow as tokens
  kFStringEnd,    // closing quote of an f-string (literal parts are not tokens)
  // Operators and delimiters.
  kLPar,
  kRPar,
  kLSqb,
  kRSqb,
  kLBrace,
  kRBrace,
  kColon,
  kComma,
  kSemi,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kVBar,
  kAmper,
  kLess,
  kGreater,
  kEqual,
  kDot,
  kPercent,
  kEqEqual,
  kNotEqual,
  kLessEqual,
  kGreaterEqual,
  kTilde,
  kCircumflex,
  kLeftShift,
  kRightShift,
  kDoubleStar,
  kDoubleSlash,
  kAt,
  kRArrow,
  kEllipsis,
  kColonEqual,
  kExclamation,
  kAugAssign,  // += -= *= /= %= &= |= ^= <<= >>= **= //= @=
  // Hard keywords.
  kFalse,
  kNone,
  kTrue,
  kAnd,
  kAs,
  kAssert,
  kAsync,
  kAwait,
  kBreak,
  kClass,
  kContinue,
  kDef,
  kDel,
  kElif,
  kElse,
  kExcept,
  kFinally,
  kFor,
  kFrom,
  kGlobal,
  kIf,
  kImport,
  kIn,
  kIs,
  kLambda,
  kNonlocal,
  kNot,
  kOr,
  kPass,
  kRaise,
  kReturn,
  kTry,
  kWhile,
  kWith,
  kYield,
};

struct Token {
  uint32_t begin = 0;  // byte offset of the first character in the source
  uint32_t end = 0;    // byte offset one past the last character
  uint32_t line = 0;   // 1-based line of `begin`
  Tok kind = Tok::kEndMarker;
  uint8_t flags = 0;  // kNonAscii for names holding non-ASCII characters
  uint16_t unused = 0;

  std::string_view text(std::string_view source) const { return source.substr(begin, end - begin); }
};

inline constexpr uint8_t kNonAscii = 1;

}  // namespace dbtpy::compiler::python
