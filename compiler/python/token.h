#pragma once
// Tokens of Python 3.12 source as the analyzer's tokenizer produces them. A token is 16 bytes
// of offsets into the caller's source text (no copies), so a file's tokens live in one vector.
// Value types; no ownership of the text.
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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
  // An operator no grammar rule accepts: `<>` (NOTEQUAL, outside Barry-as-FLUFL mode) and `$`,
  // `?`, backtick (CPython's tokenizer makes them OP tokens and reads on; the parser fails).
  kUnknownOp,
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

// Trivial on purpose (no default member initializers): vectors of tokens then copy with one
// memmove. Value-initialize (`Token t{};`: all zero, kind kEndMarker) when building one.
struct Token {
  uint32_t begin;  // byte offset of the first character in the source
  uint32_t end;    // byte offset one past the last character
  uint32_t line;   // 1-based line of `begin`
  Tok kind;
  uint8_t flags;  // kNonAscii for names holding non-ASCII characters; kFormatSpecColon
  uint16_t unused;

  std::string_view text(std::string_view source) const { return source.substr(begin, end - begin); }
};

static_assert(std::is_trivial_v<Token> && sizeof(Token) == 16);

// The tokens an operand can end with (a name, literal or closing bracket).
inline bool ends_operand(Tok k) {
  switch (k) {
    case Tok::kName:
    case Tok::kNumber:
    case Tok::kString:
    case Tok::kFStringEnd:
    case Tok::kRPar:
    case Tok::kRSqb:
    case Tok::kRBrace:
    case Tok::kNone:
    case Tok::kTrue:
    case Tok::kFalse:
    case Tok::kEllipsis:
      return true;
    default:
      return false;
  }
}

// The tokens an expression can start with.
inline bool starts_expression(Tok k) {
  switch (k) {
    case Tok::kName:
    case Tok::kNumber:
    case Tok::kString:
    case Tok::kFStringStart:
    case Tok::kLPar:
    case Tok::kLSqb:
    case Tok::kLBrace:
    case Tok::kMinus:
    case Tok::kPlus:
    case Tok::kTilde:
    case Tok::kNot:
    case Tok::kLambda:
    case Tok::kAwait:
    case Tok::kNone:
    case Tok::kTrue:
    case Tok::kFalse:
    case Tok::kEllipsis:
      return true;
    default:
      return false;
  }
}

inline constexpr uint8_t kNonAscii = 1;
// The `:` that starts an f-string replacement field's format spec (the spec's literal text
// is not a token).
inline constexpr uint8_t kFormatSpecColon = 2;

// An allocator whose resize() leaves new elements default-initialized (for trivial types:
// untouched) instead of zeroed: the tokenizer sizes its vector ahead and then fills it.
template <class T>
struct NoInitAllocator : std::allocator<T> {
  NoInitAllocator() = default;
  template <class U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A file's tokens.
using TokenVector = std::vector<Token, NoInitAllocator<Token>>;

}  // namespace dbtpy::compiler::python
