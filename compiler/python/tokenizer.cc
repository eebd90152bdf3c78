#include "compiler/python/tokenizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <memory>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "compiler/python/unicode_names.h"
#include "compiler/python/unicode_tables.h"
#include "util/utf8.h"

namespace dbtpy::compiler::python {
namespace {

// Character classes for the ASCII fast paths.
enum : uint8_t {
  kIdStart = 1,
  kIdCont = 2,
  kDigit = 4,
  kNameStop = 8,     // after an ASCII name: a quote (string prefix) or non-ASCII (name goes on)
  kIndentStop = 16,  // after a line's leading spaces: not a plain line (tab, form feed, `#`,
                     // line break, end)
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c)
    t[c] |= kIdStart | kIdCont;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[c] |= kIdStart | kIdCont;
  t['_'] |= kIdStart | kIdCont;
  for (int c = '0'; c <= '9'; ++c)
    t[c] |= kIdCont | kDigit;
  for (int c = 0x80; c < 0x100; ++c)
    t[c] |= kNameStop;
  t['\''] |= kNameStop;
  t['"'] |= kNameStop;
  for (int c : {'\t', '\f', '#', '\n', '\r', '\0'})
    t[c] |= kIndentStop;
  return t;
}
constexpr std::array<uint8_t, 256> kClass = make_classes();

inline uint8_t cls(char c) {
  return kClass[static_cast<unsigned char>(c)];
}

// What the hot loop (scan_run) does with a token's first byte.
enum class Lead : uint8_t {
  kOther,  // everything scan_token() handles
  kName,   // ASCII letter or `_`
  kDigit,
  kQuote,
  kNewline,  // \n (\r is scan_token()'s)
  kSpace,
  kBlank,  // tab, form feed
  kEnd,    // the zero after the end (the source holds none)
  kComma,
  kDot,
  kEqual,
  kColon,
  kLPar,
  kLSqb,
  kLBrace,
  kRPar,
  kRSqb,
  kRBrace,
  kOperator,  // + - * / % @ & | ^ ~ < > !
};
constexpr std::array<Lead, 256> make_leads() {
  std::array<Lead, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c)
    t[c] = Lead::kName;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[c] = Lead::kName;
  t['_'] = Lead::kName;
  for (int c = '0'; c <= '9'; ++c)
    t[c] = Lead::kDigit;
  t['\''] = t['"'] = Lead::kQuote;
  t['\n'] = Lead::kNewline;
  t[' '] = Lead::kSpace;
  t['\t'] = t['\f'] = Lead::kBlank;
  t[0] = Lead::kEnd;
  t[','] = Lead::kComma;
  t['.'] = Lead::kDot;
  t['='] = Lead::kEqual;
  t[':'] = Lead::kColon;
  t['('] = Lead::kLPar;
  t['['] = Lead::kLSqb;
  t['{'] = Lead::kLBrace;
  t[')'] = Lead::kRPar;
  t[']'] = Lead::kRSqb;
  t['}'] = Lead::kRBrace;
  for (int c : {'+', '-', '*', '/', '%', '@', '&', '|', '^', '~', '<', '>', '!'})
    t[c] = Lead::kOperator;
  return t;
}
// The switch dispatch reads it; the label table of scan_run() spells out the same classes.
[[maybe_unused]] constexpr std::array<Lead, 256> kLead = make_leads();

// The tokens of Lead::kOperator bytes alone and followed by `=` (kEndMarker: no such token).
struct OperatorDef {
  char c;
  Tok alone;
  Tok with_equal;
};
constexpr OperatorDef kOperatorDefs[] = {
    {'+', Tok::kPlus, Tok::kAugAssign},       {'-', Tok::kMinus, Tok::kAugAssign},
    {'*', Tok::kStar, Tok::kAugAssign},       {'/', Tok::kSlash, Tok::kAugAssign},
    {'%', Tok::kPercent, Tok::kAugAssign},    {'@', Tok::kAt, Tok::kAugAssign},
    {'&', Tok::kAmper, Tok::kAugAssign},      {'|', Tok::kVBar, Tok::kAugAssign},
    {'^', Tok::kCircumflex, Tok::kAugAssign}, {'~', Tok::kTilde, Tok::kEndMarker},
    {'<', Tok::kLess, Tok::kLessEqual},       {'>', Tok::kGreater, Tok::kGreaterEqual},
    {'!', Tok::kExclamation, Tok::kNotEqual},
};
constexpr std::array<Tok, 256> make_operators(bool with_equal) {
  std::array<Tok, 256> t{};
  for (const OperatorDef& d : kOperatorDefs)
    t[static_cast<unsigned char>(d.c)] = with_equal ? d.with_equal : d.alone;
  return t;
}
constexpr std::array<Tok, 256> kOperator = make_operators(false);
constexpr std::array<Tok, 256> kOperatorEqual = make_operators(true);

static_assert(offsetof(Token, kind) == 12 && offsetof(Token, flags) == 13 &&
                  offsetof(Token, unused) == 14,
              "scan_run() stores kind, flags and unused as one little-endian word");
static_assert(std::endian::native == std::endian::little);

// Runs of bytes, 16 at a time with SSE2 (baseline on x86-64). Each takes a pointer into the
// lexer's padded copy at an offset <= the source's size: a 16-byte load from there ends inside
// the 16 zero bytes of padding, and a run only goes on past a block of 16 non-zero bytes (all
// inside the source), so no load reaches past the padding.
#if defined(__SSE2__)
inline __m128i load16(const char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
// The index of the first stop in a block's 16 mask bits, or 16 when there is none: bit 16 is
// set as a sentinel, so the count needs no zero test.
inline size_t first_stop(unsigned stop_bits) {
  return static_cast<unsigned>(__builtin_ctz(stop_bits | 0x10000u));
}
#endif

// Number of ASCII identifier characters (letters, digits, `_`) at `p`.
#if defined(__SSE2__)
// Bit i set: p[i] is an identifier character. Each class test leaves its answer in the bytes'
// sign bits, which movemask reads: letters ((x | 0x20) in a-z) and digits are moved by a
// wrapping add to start at -128, then a saturating add keeps exactly the range negative.
// (Saturating adds are builtins: the compiler keeps them as written, where it would rewrite a
// compare into two instructions.)
inline unsigned ident_mask(const char* p) {
  const __m128i x = load16(p);
  const __m128i letter = _mm_adds_epi8(_mm_add_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)),
                                                    _mm_set1_epi8(static_cast<char>(0x80 - 'a'))),
                                       _mm_set1_epi8(128 - 26));
  const __m128i digit = _mm_adds_epi8(_mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(0x80 - '0'))),
                                      _mm_set1_epi8(128 - 10));
  const __m128i id =
      _mm_or_si128(_mm_or_si128(letter, digit), _mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
  return static_cast<unsigned>(_mm_movemask_epi8(id));
}
// Names of 16 bytes or more: out of the hot loop's way.
[[gnu::noinline]] size_t long_ident_run(const char* p) {
  for (size_t n = 16;; n += 16) {
    const size_t i = first_stop(ident_mask(p + n) ^ 0xFFFF);
    if (i < 16) return n + i;
  }
}
#endif
inline size_t ident_run(const char* p) {
#if defined(__SSE2__)
  // ^ 0x1FFFF: the non-identifier bits and first_stop()'s sentinel in one operation.
  const unsigned i = static_cast<unsigned>(__builtin_ctz(ident_mask(p) ^ 0x1FFFFu));
  if (i < 16) [[likely]]
    return i;
  return long_ident_run(p);
#else
  size_t n = 0;
  while (cls(p[n]) & kIdCont)
    ++n;
  return n;
#endif
}

// Number of spaces at `p`.
inline size_t space_run(const char* p) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  for (size_t n = 0;; n += 16) {
    const unsigned spaces =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(load16(p + n), space)));
    const size_t i = static_cast<unsigned>(__builtin_ctz(spaces ^ 0x1FFFFu));
    if (i < 16) return n + i;
  }
#else
  size_t n = 0;
  while (p[n] == ' ')
    ++n;
  return n;
#endif
}

// Number of bytes at `p` before the first quote `q`, backslash, control character below 0x0E
// (line breaks, the end's zero; also tab and a few others, which callers then step over) or
// non-ASCII byte: the ordinary text of a string literal.
inline size_t string_run(const char* p, char q) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8(q);
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i controls_end = _mm_set1_epi8(0x0E);
  for (size_t n = 0;; n += 16) {
    const __m128i x = load16(p + n);
    // x - 0x0E saturating is negative (sign bit set) for controls below 0x0E and for non-ASCII
    // bytes, which are negative as signed bytes.
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                     _mm_subs_epi8(x, controls_end));
    const size_t i = first_stop(static_cast<unsigned>(_mm_movemask_epi8(special)));
    if (i < 16) return n + i;
  }
#else
  size_t n = 0;
  while (true) {
    const unsigned char c = static_cast<unsigned char>(p[n]);
    if (c == static_cast<unsigned char>(q) || c == '\\' || c < 0x0E || c >= 0x80) return n;
    ++n;
  }
#endif
}

// Number of bytes at `p` before a control character below 0x0E (line breaks, the end's zero;
// also tab and a few others, which callers step over) or a non-ASCII byte: a comment's text.
inline size_t comment_run(const char* p) {
#if defined(__SSE2__)
  const __m128i controls_end = _mm_set1_epi8(0x0E);
  for (size_t n = 0;; n += 16) {
    const size_t i = first_stop(
        static_cast<unsigned>(_mm_movemask_epi8(_mm_subs_epi8(load16(p + n), controls_end))));
    if (i < 16) return n + i;
  }
#else
  size_t n = 0;
  while (true) {
    const unsigned char c = static_cast<unsigned char>(p[n]);
    if (c < 0x0E || c >= 0x80) return n;
    ++n;
  }
#endif
}

// Keywords are at most 8 bytes: compare them as one packed integer instead of strings.
constexpr uint64_t pack(std::string_view w) {
  uint64_t v = 0;
  for (size_t i = 0; i < w.size(); ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(w[i])) << (8 * i);
  return v;
}

// Keywords by a perfect hash of their packed bytes: one multiply, one table load and one
// compare per name instead of a search through 35 values. The multiplier was searched offline
// for no collisions in 64 slots; the static_assert below proves it for this table.
constexpr uint64_t kKeywordHashMul = 0xb57c8e05e3c9b0e1;
constexpr size_t keyword_slot(uint64_t packed) {
  return static_cast<size_t>((packed * kKeywordHashMul) >> 58);
}
struct KeywordDef {
  std::string_view word;
  Tok kind;
};
constexpr KeywordDef kKeywordDefs[] = {
    {"False", Tok::kFalse},
    {"None", Tok::kNone},
    {"True", Tok::kTrue},
    {"and", Tok::kAnd},
    {"as", Tok::kAs},
    {"assert", Tok::kAssert},
    {"async", Tok::kAsync},
    {"await", Tok::kAwait},
    {"break", Tok::kBreak},
    {"class", Tok::kClass},
    {"continue", Tok::kContinue},
    {"def", Tok::kDef},
    {"del", Tok::kDel},
    {"elif", Tok::kElif},
    {"else", Tok::kElse},
    {"except", Tok::kExcept},
    {"finally", Tok::kFinally},
    {"for", Tok::kFor},
    {"from", Tok::kFrom},
    {"global", Tok::kGlobal},
    {"if", Tok::kIf},
    {"import", Tok::kImport},
    {"in", Tok::kIn},
    {"is", Tok::kIs},
    {"lambda", Tok::kLambda},
    {"nonlocal", Tok::kNonlocal},
    {"not", Tok::kNot},
    {"or", Tok::kOr},
    {"pass", Tok::kPass},
    {"raise", Tok::kRaise},
    {"return", Tok::kReturn},
    {"try", Tok::kTry},
    {"while", Tok::kWhile},
    {"with", Tok::kWith},
    {"yield", Tok::kYield},
};
// Words and kinds in two arrays (an 8-byte stride indexes without a shift); 0 never packs a
// keyword: an empty slot.
constexpr std::array<uint64_t, 64> make_keyword_words() {
  std::array<uint64_t, 64> t{};
  for (const KeywordDef& d : kKeywordDefs)
    t[keyword_slot(pack(d.word))] = pack(d.word);
  return t;
}
constexpr std::array<Tok, 64> make_keyword_kinds() {
  std::array<Tok, 64> t{};
  for (Tok& k : t)
    k = Tok::kName;
  for (const KeywordDef& d : kKeywordDefs)
    t[keyword_slot(pack(d.word))] = d.kind;
  return t;
}
constexpr std::array<uint64_t, 64> kKeywordWords = make_keyword_words();
constexpr std::array<Tok, 64> kKeywordKinds = make_keyword_kinds();
constexpr bool keyword_table_complete() {
  for (const KeywordDef& d : kKeywordDefs) {
    if (d.word.size() < 2 || d.word.size() > 8) return false;
    const size_t slot = keyword_slot(pack(d.word));
    if (kKeywordWords[slot] != pack(d.word) || kKeywordKinds[slot] != d.kind) return false;
  }
  return true;
}
static_assert(keyword_table_complete(), "keyword hash collision: search a new multiplier");

// Bit `len` of entry `c`: some keyword of `len` bytes starts with `c`. Two thirds of the names
// in typical code fail this test and skip the hash.
constexpr std::array<uint16_t, 256> make_keyword_lengths() {
  std::array<uint16_t, 256> t{};
  for (const KeywordDef& d : kKeywordDefs)
    t[static_cast<unsigned char>(d.word[0])] |= static_cast<uint16_t>(1u << d.word.size());
  return t;
}
constexpr std::array<uint16_t, 256> kKeywordLengths = make_keyword_lengths();

constexpr std::array<uint64_t, 9> make_length_masks() {
  std::array<uint64_t, 9> t{};
  for (size_t len = 1; len < 8; ++len)
    t[len] = (uint64_t{1} << (8 * len)) - 1;
  t[8] = ~uint64_t{0};
  return t;
}
constexpr std::array<uint64_t, 9> kLengthMask = make_length_masks();

// The kind of the ASCII name w[0, len) (`first` is w[0], already in a register). `w` must be
// followed by at least 8 - len readable bytes
// (the lexer's source is padded): a direct 8-byte load avoids a store-forwarding stall of a
// variable-length copy.
inline Tok keyword_kind(const char* w, size_t len, unsigned char first) {
  static_assert(std::endian::native == std::endian::little, "pack() is little-endian");
  if (len > 8 || !((kKeywordLengths[first] >> len) & 1u)) {
    return Tok::kName;
  }
  uint64_t v;
  std::memcpy(&v, w, 8);
  v &= kLengthMask[len];
  const size_t slot = keyword_slot(v);
  return kKeywordWords[slot] == v ? kKeywordKinds[slot] : Tok::kName;
}

// keyword_kind() for len < 16 (the lengths one SSE2 block finds).
inline Tok short_keyword_kind(const char* w, size_t len, unsigned char first) {
  static_assert(sizeof(kKeywordLengths[0]) == 2, "bits 9..15 of each entry are zero");
  if (!((kKeywordLengths[first] >> len) & 1u)) return Tok::kName;
  uint64_t v;
  std::memcpy(&v, w, 8);
  v &= kLengthMask[len];
  const size_t slot = keyword_slot(v);
  return kKeywordWords[slot] == v ? kKeywordKinds[slot] : Tok::kName;
}

// The identifier starts with which no keyword begins: scan_run()'s dispatch sends them past the
// keyword filter.
constexpr std::string_view kNoKeywordStarts = "ABCDEGHIJKLMOPQRSUVWXYZhjkmqsuvxz_";
constexpr bool no_keyword_starts_ok() {
  int starts = 0;
  for (int c = 0; c < 256; ++c) {
    const bool id_start = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!id_start) continue;
    const bool listed = kNoKeywordStarts.find(static_cast<char>(c)) != std::string_view::npos;
    if (listed != (kKeywordLengths[static_cast<size_t>(c)] == 0)) return false;
    starts += listed;
  }
  return starts == static_cast<int>(kNoKeywordStarts.size());
}
static_assert(no_keyword_starts_ok(), "kNoKeywordStarts must be the letters no keyword starts");

// Whether the identifier `w` is a string prefix CPython accepts (any case).
struct Prefix {
  bool ok = false;
  bool raw = false;
  bool bytes = false;
  bool fstring = false;
};
Prefix string_prefix(std::string_view w) {
  Prefix p;
  if (w.empty() || w.size() > 2) return p;
  int r = 0, b = 0, u = 0, f = 0;
  for (char c : w) {
    switch (c) {
      case 'r':
      case 'R':
        ++r;
        break;
      case 'b':
      case 'B':
        ++b;
        break;
      case 'u':
      case 'U':
        ++u;
        break;
      case 'f':
      case 'F':
        ++f;
        break;
      default:
        return p;
    }
  }
  if (r > 1 || b > 1 || u > 1 || f > 1) return p;
  if (u && w.size() != 1) return p;  // `u` combines with nothing
  if (b && f) return p;
  p.ok = true;
  p.raw = r;
  p.bytes = b;
  p.fstring = f;
  return p;
}

bool is_printable_non_ascii(char32_t cp) {
  if (cp >= 0x80 && cp <= 0xA0) return false;
  if (cp == 0xAD) return false;
  if (cp >= 0x2000 && cp <= 0x200F) return false;
  if (cp >= 0x2028 && cp <= 0x202F) return false;
  if (cp >= 0x205F && cp <= 0x206F) return false;
  if (cp == 0x3000 || cp == 0xFEFF) return false;
  if (cp >= 0xE000 && cp <= 0xF8FF) return false;
  return true;
}

// Zero bytes after the lexer's copy of the source: at least the 16 bytes a block scan loads
// from the end (and the 8 keyword_kind() loads, the two characters of lookahead scan_token()
// reads).
constexpr size_t kPadding = 16;

class Lexer {
 public:
  // `src` must be followed by kPadding zero bytes and hold no zero byte itself: a zero byte
  // marks the end, so the hot loops need no bounds checks.
  Lexer(std::string_view src, TokenizeResult& result)
      : src_(src), s_(src.data()), n_(src.size()), out_(result.tokens), err_(result.error) {
    // Room for one token per byte (not zeroed: typical code uses a fifth of it), which
    // scan_run() relies on; see room().
    out_.resize(n_ + kTokenSlack);
    next_tok_ = out_.data();
    tok_limit_ = next_tok_ + out_.size();
  }

  void run();
  // Trims the token vector to the tokens emitted.
  void finish() { out_.resize(emitted()); }

 private:
  // One entry of the f-string mode stack. An f-string entry scans literal text; a field entry
  // is a replacement field `{...}`: regular tokens until its format spec (in_spec) or its `}`.
  struct Mode {
    bool is_field = false;
    bool in_spec = false;
    bool triple = false;
    bool raw = false;
    char quote = '"';
    int brace_index = 0;        // for fields: index of the field's `{` in brackets_
    int field_depth = 0;        // for fields: 1 + number of format specs it is nested in
    uint32_t start_offset = 0;  // of the enclosing f-string's start
    uint32_t start_line = 0;
    // An f-string's first bad escape in its literal text: CPython decodes that text when the
    // f-string ends and reports it at the closing quote.
    std::string escape_error;
  };
  struct Bracket {
    char ch;
    uint32_t offset;
    uint32_t line;
  };

  bool fail(uint32_t offset, uint32_t line, std::string message) {
    if (!err_.present) {
      err_.present = true;
      err_.message = std::move(message);
      err_.offset = offset;
      err_.line = line;
      err_.detected_at = static_cast<uint32_t>(pos_ < n_ ? pos_ : n_);
      err_.in_fstring = !modes_.empty();
    }
    return false;
  }
  bool fail_here(size_t pos, std::string message) {
    return fail(static_cast<uint32_t>(pos), line_, std::move(message));
  }
  // An error CPython does not let override an earlier parser error.
  bool quiet_fail(uint32_t offset, uint32_t line, std::string message) {
    fail(offset, line, std::move(message));
    err_.overrides_parser_error = false;
    return false;
  }

  [[gnu::always_inline]] void emit(Tok kind, size_t begin, size_t end, uint32_t line,
                                   uint8_t flags = 0) {
    if (next_tok_ == tok_limit_) [[unlikely]]
      grow();
    Token* t = next_tok_++;
    t->begin = static_cast<uint32_t>(begin);
    t->end = static_cast<uint32_t>(end);
    t->line = line;
    t->kind = kind;
    t->flags = flags;
    t->unused = 0;
  }
  [[gnu::noinline]] void grow(size_t at_least = 0) {
    const size_t used = emitted();
    out_.resize(std::max(out_.size() * 2, used + at_least));
    next_tok_ = out_.data() + used;
    tok_limit_ = out_.data() + out_.size();
  }
  // scan_run() stores tokens without checking for room: every token it emits consumes at
  // least one byte of the source, except DEDENTs (at most kMaxIndentLevels at a line start).
  // So it keeps room for one token per remaining byte plus kTokenSlack, checks that on entry
  // and after each scan_token(), and before emitting DEDENTs asks for room for them too.
  static constexpr size_t kTokenSlack = kMaxIndentLevels + 8;
  size_t room_needed(size_t pos, size_t extra) const { return n_ - pos + kTokenSlack + extra; }
  size_t emitted() const { return static_cast<size_t>(next_tok_ - out_.data()); }

  [[gnu::always_inline]] bool op(Tok kind, size_t start, size_t len) {
    pos_ += len;
    emit(kind, start, pos_, line_);
    return true;
  }

  char at(size_t p) const { return p < n_ ? s_[p] : '\0'; }
  bool is_newline_at(size_t p) const { return p < n_ && (s_[p] == '\n' || s_[p] == '\r'); }
  // Consumes a line break at pos_ (\n, \r\n or \r) and counts it.
  void skip_newline() {
    if (s_[pos_] == '\r' && pos_ + 1 < n_ && s_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }
  uint32_t detected_line() const {
    // The line of the last character before the end of the file.
    if (n_ > 0 && (s_[n_ - 1] == '\n' || s_[n_ - 1] == '\r') && line_ > 1) return line_ - 1;
    return line_;
  }

  bool handle_indentation();
  // Skips a comment up to the line break, checking that it is valid UTF-8 without NUL bytes.
  bool skip_comment() {
    size_t p = pos_;
    while (true) {
      p += comment_run(s_ + p);
      unsigned char c = static_cast<unsigned char>(s_[p]);
      if (c == '\n' || c == '\r') break;
      if (c >= 0x80) {
        size_t len;
        pos_ = p;
        if (!check_utf8(p, len)) return false;
        p += len;
      } else if (c == 0) {
        if (p >= n_) break;
        pos_ = p;
        return fail_here(p, "source code cannot contain null bytes");
      } else {
        ++p;
      }
    }
    pos_ = p;
    return true;
  }
  bool scan_run();
  bool scan_token();
  // The ASCII name at pos_ ends with the quote at `quote`: a string prefix, as scan_name()
  // would find it, or a name that scan_token() scans.
  bool scan_prefixed_string(size_t quote) {
    const Prefix prefix = string_prefix(std::string_view(s_ + pos_, quote - pos_));
    if (!prefix.ok) return scan_token();
    return scan_string(pos_, quote, prefix);
  }
  bool scan_name();
  bool scan_number();
  bool scan_string(size_t begin, size_t quote_pos, const Prefix& prefix);
  bool scan_fstring_literal();
  // Checks the escape whose backslash is at `p` (non-raw literals) as CPython decodes it;
  // errors point at the literal's start, as CPython's do.
  // `body` is where the decoded text starts (after the opening quote, or an f-string literal
  // part's start): CPython's messages give the escape's position from there.
  // check_escape() failed in an f-string's literal text: the error moves to the f-string,
  // reported when it ends (unless another error comes first).
  [[gnu::cold]] void defer_escape_error() {
    auto it =
        std::find_if(modes_.rbegin(), modes_.rend(), [](const Mode& m) { return !m.is_field; });
    if (it != modes_.rend() && it->escape_error.empty()) it->escape_error = std::move(err_.message);
    err_ = SyntaxErrorInfo{};
  }
  bool check_escape(size_t p, bool bytes, size_t body, uint32_t literal_offset,
                    uint32_t literal_line);
  size_t decoded_position(size_t body, size_t p) const;
  bool bad_non_ascii(size_t pos);
  bool check_utf8(size_t pos, size_t& len);
  bool open_bracket(char ch);
  bool close_bracket(char ch);
  bool end_of_file();

  std::string_view src_;
  const char* s_;
  size_t n_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  TokenVector& out_;  // sized ahead; next_tok_ is the next slot to fill
  Token* next_tok_ = nullptr;
  Token* tok_limit_ = nullptr;
  SyntaxErrorInfo& err_;

  bool at_line_start_ = true;
  int indents_[kMaxIndentLevels + 2] = {0};
  int alt_indents_[kMaxIndentLevels + 2] = {0};
  int indent_top_ = 0;
  Bracket brackets_[kMaxBracketDepth + 1];
  int bracket_depth_ = 0;
  std::vector<Mode> modes_;
  int fstring_depth_ = 0;
};

int decode_utf8_impl(const unsigned char* p, size_t avail, char32_t& cp) {
  unsigned char c = p[0];
  int len;
  char32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (avail < static_cast<size_t>(len)) return 0;
  for (int i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF))) return 0;
  if (v >= 0xD800 && v <= 0xDFFF) return 0;
  cp = v;
  return len;
}

bool Lexer::check_utf8(size_t pos, size_t& len) {
  char32_t cp;
  int l = decode_utf8_impl(reinterpret_cast<const unsigned char*>(s_ + pos), n_ - pos, cp);
  if (l == 0) {
    return fail_here(pos, fmt::format("(unicode error) 'utf-8' codec can't decode byte 0x{:02x}: "
                                      "invalid UTF-8 in source",
                                      static_cast<unsigned char>(s_[pos])));
  }
  len = static_cast<size_t>(l);
  return true;
}

bool Lexer::bad_non_ascii(size_t pos) {
  char32_t cp;
  int l = decode_utf8_impl(reinterpret_cast<const unsigned char*>(s_ + pos), n_ - pos, cp);
  if (l == 0) {
    size_t dummy;
    return check_utf8(pos, dummy);
  }
  if (!is_printable_non_ascii(cp)) {
    return fail_here(
        pos, fmt::format("invalid non-printable character U+{:04X}", static_cast<uint32_t>(cp)));
  }
  std::string ch(s_ + pos, static_cast<size_t>(l));
  return fail_here(pos,
                   fmt::format("invalid character '{}' (U+{:04X})", ch, static_cast<uint32_t>(cp)));
}

void Lexer::run() {
  if (n_ >= 3 && std::memcmp(s_, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  while (true) {
    if (!modes_.empty()) {
      const Mode& m = modes_.back();
      if (!m.is_field || m.in_spec) {
        if (!scan_fstring_literal()) return;
        continue;
      }
    }
    if (at_line_start_) {
      if (!handle_indentation()) return;
      if (at_line_start_) continue;  // a blank line was consumed
    }
    if (!scan_run()) return;
  }
}

// The hot loop: spaces, plain ASCII names, integers, one-line strings, the most frequent
// punctuation and, at bracket depth 0, line ends with the next line's indentation when it is
// spaces only — all on locals (a token store may alias the members, which would force
// reloads). Anything else goes to scan_token() in place; returns to run() at a line start it
// leaves to handle_indentation(), in an f-string, at the end and on an error.
//
// The dispatch on a token's first byte jumps through a table of label addresses (GNU C's
// labels as values, which g++ and clang have): one load and one indirect jump, against a
// range check, a class table and an offset table for a switch. Other compilers take the switch
// (as does -DDBTPY_PORTABLE_DISPATCH, to test it).
#if defined(__GNUC__) && !defined(DBTPY_PORTABLE_DISPATCH)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#define DBTPY_DISPATCH(c) goto* kTargets[c]
// After an ASCII name: the second half of the table, where a quote (a string prefix?) and a
// non-ASCII byte (the name goes on) have their own targets.
#define DBTPY_DISPATCH_AFTER_NAME(c) goto* kTargets[256 + (c)]
#else
#define DBTPY_DISPATCH_AFTER_NAME(c)      \
  if (kClass[c] & kNameStop) {            \
    if ((c) >= 0x80) goto name_non_ascii; \
    goto name_quote;                      \
  }                                       \
  DBTPY_DISPATCH(c)
#define DBTPY_DISPATCH(c)                         \
  switch (kLead[static_cast<unsigned char>(c)]) { \
    case Lead::kOther:                            \
      goto other;                                 \
    case Lead::kName:                             \
      goto name;                                  \
    case Lead::kDigit:                            \
      goto digit;                                 \
    case Lead::kQuote:                            \
      goto quote;                                 \
    case Lead::kNewline:                          \
      goto newline;                               \
    case Lead::kSpace:                            \
      goto space;                                 \
    case Lead::kBlank:                            \
      goto blank;                                 \
    case Lead::kEnd:                              \
      goto end;                                   \
    case Lead::kComma:                            \
      goto comma;                                 \
    case Lead::kDot:                              \
      goto dot;                                   \
    case Lead::kEqual:                            \
      goto equal;                                 \
    case Lead::kColon:                            \
      goto colon;                                 \
    case Lead::kLPar:                             \
      goto lpar;                                  \
    case Lead::kLSqb:                             \
      goto lsqb;                                  \
    case Lead::kLBrace:                           \
      goto lbrace;                                \
    case Lead::kRPar:                             \
      goto rpar;                                  \
    case Lead::kRSqb:                             \
      goto rsqb;                                  \
    case Lead::kRBrace:                           \
      goto rbrace;                                \
    case Lead::kOperator:                         \
      goto op;                                    \
  }                                               \
  goto other
#endif
// The end of every token's code: the next byte's own dispatch (threaded code), which saves
// the jump back to one shared dispatch and predicts better.
#define DBTPY_NEXT     \
  do {                 \
    c = UChar(s[p]);   \
    DBTPY_DISPATCH(c); \
  } while (false)
[[gnu::noinline]] bool Lexer::scan_run() {
#if defined(__GNUC__) && !defined(DBTPY_PORTABLE_DISPATCH)
  // Every byte value's target, as kLead has them (one load and one jump).
#define O &&other
#define O16 O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O
#define N &&name
#define PN &&plain_name
#define D &&digit
#define Q &&quote
#define NL &&newline
#define SP &&space
#define NQ &&name_quote
#define NX &&name_non_ascii
#define NX16 NX, NX, NX, NX, NX, NX, NX, NX, NX, NX, NX, NX, NX, NX, NX, NX
#define B &&blank
#define E &&end
#define CM &&comma
#define DT &&dot
#define EQ &&equal
#define CL &&colon
#define LP &&lpar
#define LS &&lsqb
#define LB &&lbrace
#define RP &&rpar
#define RS &&rsqb
#define RB &&rbrace
#define OP &&op
  // clang-format off
  static const void* const kTargets[512] = {
      /* 0x00 */ E, O, O, O, O, O, O, O, O, B, NL, O, B, O, O, O,
      /* 0x10 */ O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
      /* 0x20 */ SP, OP, Q, O, O, OP, OP, Q, LP, RP, OP, OP, CM, OP, DT, OP,
      /* 0x30 */ D, D, D, D, D, D, D, D, D, D, CL, O, OP, EQ, OP, O,
      // Names: N when some keyword starts with the letter, else PN (kNoKeywordStarts).
      /* 0x40 */ OP, PN, PN, PN, PN, PN, N, PN, PN, PN, PN, PN, PN, PN, N, PN,
      /* 0x50 */ PN, PN, PN, PN, N, PN, PN, PN, PN, PN, PN, LS, O, RS, OP, PN,
      /* 0x60 */ O, N, N, N, N, N, N, N, PN, N, PN, PN, N, PN, N, N,
      /* 0x70 */ N, PN, N, PN, N, PN, PN, N, PN, N, PN, LB, OP, RB, OP, O,
      /* 0x80-0xFF: non-ASCII */ O16, O16, O16, O16, O16, O16, O16, O16,
      // Right after an ASCII name (never a name character there).
      /* 0x00 */ E, O, O, O, O, O, O, O, O, B, NL, O, B, O, O, O,
      /* 0x10 */ O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
      /* 0x20 */ SP, OP, NQ, O, O, OP, OP, NQ, LP, RP, OP, OP, CM, OP, DT, OP,
      /* 0x30 */ O, O, O, O, O, O, O, O, O, O, CL, O, OP, EQ, OP, O,
      /* 0x40 */ OP, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
      /* 0x50 */ O, O, O, O, O, O, O, O, O, O, O, LS, O, RS, OP, O,
      /* 0x60 */ O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
      /* 0x70 */ O, O, O, O, O, O, O, O, O, O, O, LB, OP, RB, OP, O,
      /* 0x80-0xFF: non-ASCII */ NX16, NX16, NX16, NX16, NX16, NX16, NX16, NX16,
  };
  // clang-format on
#undef O
#undef O16
#undef N
#undef PN
#undef D
#undef Q
#undef NL
#undef SP
#undef NQ
#undef NX
#undef NX16
#undef B
#undef E
#undef CM
#undef DT
#undef EQ
#undef CL
#undef LP
#undef LS
#undef LB
#undef RP
#undef RS
#undef RB
#undef OP
#endif
  const char* const s = s_;
  const bool plain = modes_.empty();  // no f-string field: `:` and `}` are always operators
  size_t p = pos_;
  uint32_t line = line_;
  size_t depth = static_cast<size_t>(bracket_depth_);  // size_t: indexes without extension
  if (static_cast<size_t>(tok_limit_ - next_tok_) < room_needed(p, 0)) grow(room_needed(p, 0));
  Token* out = next_tok_;
  Token* limit = tok_limit_;
  using UChar = unsigned char;
  size_t c;  // the byte at p, zero-extended: indexes the dispatch table as it is
  size_t q;  // the end of the token being scanned
  Tok name_kind;
  // Room for the rest of the source at one token per byte, plus `extra` tokens (see grow()).
  auto make_room = [&](size_t extra) {
    if (static_cast<size_t>(limit - out) < room_needed(p, extra)) [[unlikely]] {
      next_tok_ = out;
      grow(room_needed(p, extra));
      out = next_tok_;
      limit = tok_limit_;
    }
  };
  auto put = [&](Tok kind, size_t begin, size_t end) {
    assert(out < limit);
    // Four 4-byte stores, kind, flags (0) and unused (0) as one word. The empty asm keeps
    // the compiler from assembling the four values in a vector register first (more
    // instructions than the stores).
    out->begin = static_cast<uint32_t>(begin);
    out->end = static_cast<uint32_t>(end);
    asm("" : "+r"(out));
    out->line = line;
    const uint32_t kind_word = static_cast<uint8_t>(kind);
    std::memcpy(reinterpret_cast<char*>(out) + offsetof(Token, kind), &kind_word, 4);
    ++out;
  };
  auto leave = [&]() {
    pos_ = p;
    line_ = line;
    bracket_depth_ = static_cast<int>(depth);
    next_tok_ = out;
  };

  DBTPY_NEXT;

space:
  // Mostly one space between tokens; longer runs 16 at a time.
  c = UChar(s[p + 1]);
  ++p;
  if (c == ' ') {
    p += space_run(s + p);
    c = UChar(s[p]);
  }
  DBTPY_DISPATCH(c);
name:
  // An ASCII name, stored before the byte after it is looked at: the dispatch after names
  // takes the token back when that byte is a quote or non-ASCII (rare).
#if defined(__SSE2__)
  // Names under 16 bytes in one block (no length test before the keyword filter: its table
  // has no bit above 8); longer ones are never keywords.
  q = static_cast<unsigned>(__builtin_ctz(ident_mask(s + p) ^ 0x1FFFFu));
  if (q < 16) [[likely]] {
    name_kind = short_keyword_kind(s + p, q, static_cast<unsigned char>(c));
    q += p;
  } else {
    q = p + long_ident_run(s + p);
    name_kind = Tok::kName;
  }
#else
  q = p + ident_run(s + p);
  name_kind = keyword_kind(s + p, q - p, static_cast<unsigned char>(c));
#endif
  put(name_kind, p, q);
  p = q;
  c = UChar(s[p]);
  DBTPY_DISPATCH_AFTER_NAME(c);
#if defined(__GNUC__) && !defined(DBTPY_PORTABLE_DISPATCH)
plain_name:
  // A name whose first letter starts no keyword: no keyword filter.
  q = p + ident_run(s + p);
  put(Tok::kName, p, q);
  p = q;
  c = UChar(s[p]);
  DBTPY_DISPATCH_AFTER_NAME(c);
#endif
name_quote:
  // A short name may be a string prefix; a longer one is scanned again by scan_token(), as any
  // name before a quote was.
  --out;
  q = p;
  p = out->begin;
  if (q - p <= 2) goto prefixed;
  goto other;
name_non_ascii:
  // The name goes on with non-ASCII characters (or is followed by an invalid one): all of it
  // is scan_token()'s.
  --out;
  p = out->begin;
  goto other;
digit:
  // A plain decimal integer or a float d.d (a lone 0 or 0.d when it starts with 0), then
  // neither a digit, `_`, `.` nor a name character (exponents, imaginary suffixes, radix
  // prefixes, invalid literals and keywords after numbers are scan_number()'s).
  q = p + 1;
  if (c != '0') {
    while (cls(s[q]) & kDigit)
      ++q;
  }
  if (s[q] == '.' && (cls(s[q + 1]) & kDigit)) {
    q += 2;
    while (cls(s[q]) & kDigit)
      ++q;
  }
  if ((cls(s[q]) & kIdCont) || s[q] == '.' || static_cast<unsigned char>(s[q]) >= 0x80) {
    goto other;
  }
  put(Tok::kNumber, p, q);
  p = q;
  DBTPY_NEXT;
quote:
  // A one-line string without prefix, escapes or non-ASCII text: up to its closing quote with
  // no special character on the way. Anything else is scan_string()'s. (Each quote has its own
  // call: string_run()'s constants are then constants.)
  if (UChar(s[p + 1]) == c && UChar(s[p + 2]) == c) goto other;
  q = p + 1 + (c == '"' ? string_run(s + p + 1, '"') : string_run(s + p + 1, '\''));
  if (UChar(s[q]) != c) goto other;
  put(Tok::kString, p, q + 1);
  p = q + 1;
  DBTPY_NEXT;
newline:
  if (depth > 0) {  // implicit line joining
    ++p;
    ++line;
    DBTPY_NEXT;
  }
  put(Tok::kNewline, p, p);
  ++p;
  ++line;
  // The next line's indentation, when it is spaces only and consistent; blank lines are
  // skipped. Anything else goes to handle_indentation() from the line's start.
  while (true) {
    // c: the line's first byte after its spaces (dispatched below without a reload).
    size_t col = 0;
    c = UChar(s[p]);
    if (c == ' ') {
      col = space_run(s + p);
      c = UChar(s[p + col]);
    }
    if (kClass[c] & kIndentStop) {
      if (c != '\n') break;
      p += col + 1;
      ++line;
      continue;
    }
    const int icol = static_cast<int>(col);
    const int top = indent_top_;
    const int current = indents_[top];
    if (icol == current) {
      if (icol != alt_indents_[top]) break;
    } else if (icol > current) {
      if (top + 1 >= kMaxIndentLevels || icol <= alt_indents_[top]) break;
      indent_top_ = top + 1;
      indents_[top + 1] = icol;
      alt_indents_[top + 1] = icol;
      // CPython reports an unexpected indent at the last character of the indentation.
      put(Tok::kIndent, p + col - 1, p + col);
    } else {
      int k = top;
      while (k > 0 && icol < indents_[k])
        --k;
      if (icol != indents_[k] || icol != alt_indents_[k]) break;
      indent_top_ = k;
      make_room(static_cast<size_t>(top - k));
      for (int i = k; i < top; ++i)
        put(Tok::kDedent, p + col, p + col);
    }
    p += col;
    DBTPY_DISPATCH(c);
  }
  leave();
  at_line_start_ = true;
  return true;
blank:
  ++p;
  DBTPY_NEXT;
end:
  if (p < n_) goto other;  // a zero byte in the source: scan_token() reports it
  leave();
  end_of_file();
  return false;
comma:
  put(Tok::kComma, p, p + 1);
  ++p;
  DBTPY_NEXT;
dot:
  if (s[p + 1] == '.' || (cls(s[p + 1]) & kDigit)) goto other;
  put(Tok::kDot, p, p + 1);
  ++p;
  DBTPY_NEXT;
equal:
  if (s[p + 1] == '=') {
    put(Tok::kEqEqual, p, p + 2);
    p += 2;
    DBTPY_NEXT;
  }
  put(Tok::kEqual, p, p + 1);
  ++p;
  DBTPY_NEXT;
op:
  // One-character operators and their `=` forms; `**`, `//`, `<<`, `>>` (and their `=`
  // forms) and `<>` are scan_token()'s.
  if (s[p + 1] == '=' && kOperatorEqual[static_cast<unsigned char>(c)] != Tok::kEndMarker) {
    put(kOperatorEqual[static_cast<unsigned char>(c)], p, p + 2);
    p += 2;
    DBTPY_NEXT;
  }
  if (UChar(s[p + 1]) == c && (c == '*' || c == '/' || c == '<' || c == '>')) goto other;
  if (c == '<' && s[p + 1] == '>') goto other;
  if (c == '-' && s[p + 1] == '>') {
    put(Tok::kRArrow, p, p + 2);
    p += 2;
    DBTPY_NEXT;
  }
  put(kOperator[static_cast<unsigned char>(c)], p, p + 1);
  ++p;
  DBTPY_NEXT;
colon:
  if (!plain || s[p + 1] == '=') goto other;
  put(Tok::kColon, p, p + 1);
  ++p;
  DBTPY_NEXT;
lpar:
  if (depth >= kMaxBracketDepth) goto other;
  brackets_[depth++] = Bracket{'(', static_cast<uint32_t>(p), line};
  put(Tok::kLPar, p, p + 1);
  ++p;
  DBTPY_NEXT;
lsqb:
  if (depth >= kMaxBracketDepth) goto other;
  brackets_[depth++] = Bracket{'[', static_cast<uint32_t>(p), line};
  put(Tok::kLSqb, p, p + 1);
  ++p;
  DBTPY_NEXT;
lbrace:
  if (depth >= kMaxBracketDepth) goto other;
  brackets_[depth++] = Bracket{'{', static_cast<uint32_t>(p), line};
  put(Tok::kLBrace, p, p + 1);
  ++p;
  DBTPY_NEXT;
rpar:
  if (depth == 0 || brackets_[depth - 1].ch != '(') goto other;
  --depth;
  put(Tok::kRPar, p, p + 1);
  ++p;
  DBTPY_NEXT;
rsqb:
  if (depth == 0 || brackets_[depth - 1].ch != '[') goto other;
  --depth;
  put(Tok::kRSqb, p, p + 1);
  ++p;
  DBTPY_NEXT;
rbrace:
  if (depth == 0 || brackets_[depth - 1].ch != '{') goto other;
  --depth;
  put(Tok::kRBrace, p, p + 1);
  ++p;
  if (plain) DBTPY_NEXT;
  // In an f-string's replacement field (scan_run() runs in one only outside its format spec),
  // the field's own `}` ends it: back to run() for the literal text, as after scan_token().
  if (modes_.back().is_field && modes_.back().brace_index == static_cast<int>(depth)) {
    modes_.pop_back();
  }
  leave();
  return true;

prefixed:
  // A string with a prefix (or a short name before a string).
  leave();
  if (!scan_prefixed_string(q)) return false;
  goto resume;
other:
  leave();
  if (!scan_token()) return false;
resume:
  // Back to run() when the mode may have changed (f-strings) or at a line start.
  if (!plain || at_line_start_ || !modes_.empty()) return true;
  p = pos_;
  line = line_;
  depth = static_cast<size_t>(bracket_depth_);
  out = next_tok_;
  limit = tok_limit_;
  make_room(0);
  DBTPY_NEXT;
}
#undef DBTPY_DISPATCH
#undef DBTPY_DISPATCH_AFTER_NAME
#undef DBTPY_NEXT
#if defined(__GNUC__) && !defined(DBTPY_PORTABLE_DISPATCH)
#pragma GCC diagnostic pop
#endif

bool Lexer::handle_indentation() {
  // Leading spaces first (the usual indentation): both columns are their count.
  size_t p = pos_;
  while (s_[p] == ' ')
    ++p;
  int col = static_cast<int>(p - pos_), alt = col;
  while (p < n_) {
    char c = s_[p];
    if (c == ' ') {
      ++col;
      ++alt;
    } else if (c == '\t') {
      col = (col / 8 + 1) * 8;
      ++alt;
    } else if (c == '\f') {
      col = alt = 0;
    } else {
      break;
    }
    ++p;
  }
  // Blank and comment-only lines do not count for indentation.
  if (p >= n_ || s_[p] == '#' || s_[p] == '\n' || s_[p] == '\r') {
    pos_ = p;
    if (p < n_ && s_[p] == '#' && !skip_comment()) return false;
    if (pos_ >= n_) {
      at_line_start_ = false;  // let the main loop see the end of the file
      return true;
    }
    skip_newline();
    return true;
  }
  at_line_start_ = false;
  const uint32_t line_begin = static_cast<uint32_t>(pos_);
  pos_ = p;
  auto tab_error = [&]() {
    return quiet_fail(line_begin, line_, "inconsistent use of tabs and spaces in indentation");
  };
  if (col == indents_[indent_top_]) {
    if (alt != alt_indents_[indent_top_]) return tab_error();
  } else if (col > indents_[indent_top_]) {
    if (indent_top_ + 1 >= kMaxIndentLevels) {
      return quiet_fail(static_cast<uint32_t>(p), line_, "too many levels of indentation");
    }
    if (alt <= alt_indents_[indent_top_]) return tab_error();
    ++indent_top_;
    indents_[indent_top_] = col;
    alt_indents_[indent_top_] = alt;
    // CPython reports an unexpected indent at the last character of the indentation.
    emit(Tok::kIndent, p - 1, p, line_);
  } else {
    size_t dedents = 0;
    while (indent_top_ > 0 && col < indents_[indent_top_]) {
      --indent_top_;
      emit(Tok::kDedent, p, p, line_);
      ++dedents;
    }
    if (col != indents_[indent_top_]) {
      next_tok_ -= dedents;  // CPython produces no DEDENT before this error
      // CPython points after the end of the offending line.
      size_t eol = p;
      while (eol < n_ && s_[eol] != '\n' && s_[eol] != '\r')
        ++eol;
      return quiet_fail(static_cast<uint32_t>(eol), line_,
                        "unindent does not match any outer indentation level");
    }
    if (alt != alt_indents_[indent_top_]) return tab_error();
  }
  return true;
}

bool Lexer::end_of_file() {
  if (bracket_depth_ > 0) {
    // Inside a replacement field (as outside f-strings), CPython names the innermost bracket.
    const Bracket& b = brackets_[bracket_depth_ - 1];
    quiet_fail(b.offset, b.line, fmt::format("'{}' was never closed", b.ch));
    err_.unclosed_bracket = true;
    return false;
  }
  if (emitted() > 0) {
    Tok last = next_tok_[-1].kind;
    if (last != Tok::kNewline && last != Tok::kDedent && last != Tok::kIndent) {
      emit(Tok::kNewline, n_, n_, line_);
    }
  }
  while (indent_top_ > 0) {
    --indent_top_;
    emit(Tok::kDedent, n_, n_, line_);
  }
  emit(Tok::kEndMarker, n_, n_, line_);
  return true;
}

bool Lexer::open_bracket(char ch) {
  if (bracket_depth_ >= kMaxBracketDepth) {
    err_.too_deep = true;
    return fail_here(pos_, "too many nested parentheses");
  }
  brackets_[bracket_depth_++] = Bracket{ch, static_cast<uint32_t>(pos_), line_};
  return true;
}

bool Lexer::close_bracket(char ch) {
  if (bracket_depth_ == 0) return fail_here(pos_, fmt::format("unmatched '{}'", ch));
  const Bracket& open = brackets_[bracket_depth_ - 1];
  char want = open.ch == '(' ? ')' : open.ch == '[' ? ']' : '}';
  if (ch != want) {
    // The `{` of the replacement field being read (`f"{)}"`): CPython does not pair it.
    if (!modes_.empty() && modes_.back().is_field &&
        modes_.back().brace_index == bracket_depth_ - 1) {
      return fail_here(pos_, fmt::format("f-string: unmatched '{}'", ch));
    }
    if (open.line != line_) {
      return fail_here(pos_,
                       fmt::format("closing parenthesis '{}' does not match opening parenthesis "
                                   "'{}' on line {}",
                                   ch, open.ch, open.line));
    }
    return fail_here(pos_, fmt::format("closing parenthesis '{}' does not match opening "
                                       "parenthesis '{}'",
                                       ch, open.ch));
  }
  --bracket_depth_;
  return true;
}

bool Lexer::scan_token() {
  const size_t start = pos_;
  const char c = s_[pos_];
  const uint8_t k = cls(c);
  if (k & kIdStart) return scan_name();
  if (k & kDigit) return scan_number();
  const char c1 = s_[pos_ + 1];  // the padding holds zeros after the end
  const char c2 = s_[pos_ + 2];
  switch (c) {
    case '\n':
    case '\r':
      if (bracket_depth_ == 0) {
        emit(Tok::kNewline, start, start, line_);
        skip_newline();
        at_line_start_ = true;
      } else {
        skip_newline();
      }
      return true;
    case '#':
      return skip_comment();
    case '\\':
      if (pos_ + 1 >= n_) {
        return quiet_fail(static_cast<uint32_t>(pos_ + 1), line_, "unexpected EOF while parsing");
      }
      if (c1 == '\n' || c1 == '\r') {
        const uint32_t backslash_line = line_;
        ++pos_;
        skip_newline();
        if (pos_ >= n_) {
          // CPython points just after the backslash.
          return quiet_fail(static_cast<uint32_t>(start + 1), backslash_line,
                            "unexpected EOF while parsing");
        }
        return true;
      }
      return quiet_fail(static_cast<uint32_t>(pos_ + 1), line_,
                        "unexpected character after line continuation character");
    case '\'':
    case '"':
      return scan_string(start, start, Prefix{true, false, false, false});
    case '(':
      if (!open_bracket('(')) return false;
      return op(Tok::kLPar, start, 1);
    case '[':
      if (!open_bracket('[')) return false;
      return op(Tok::kLSqb, start, 1);
    case '{':
      if (!open_bracket('{')) return false;
      return op(Tok::kLBrace, start, 1);
    case ')':
      if (!close_bracket(')')) return false;
      return op(Tok::kRPar, start, 1);
    case ']':
      if (!close_bracket(']')) return false;
      return op(Tok::kRSqb, start, 1);
    case '}': {
      if (!close_bracket('}')) return false;
      if (!modes_.empty() && modes_.back().is_field &&
          modes_.back().brace_index == bracket_depth_) {
        // The end of a replacement field: back to the f-string's literal text (or the format
        // spec of an outer field).
        modes_.pop_back();
      }
      return op(Tok::kRBrace, start, 1);
    }
    case ':':
      if (!modes_.empty() && modes_.back().is_field &&
          modes_.back().brace_index + 1 == bracket_depth_) {
        // A format spec starts: `:` at the field's own bracket level (even `:=`).
        if (modes_.back().field_depth >= 3) {
          return fail_here(pos_, "f-string: expressions nested too deeply");
        }
        modes_.back().in_spec = true;
        pos_ += 1;
        emit(Tok::kColon, start, pos_, line_, kFormatSpecColon);
        return true;
      }
      if (c1 == '=') return op(Tok::kColonEqual, start, 2);
      return op(Tok::kColon, start, 1);
    case ',':
      return op(Tok::kComma, start, 1);
    case ';':
      return op(Tok::kSemi, start, 1);
    case '.':
      if (cls(c1) & kDigit) return scan_number();
      if (c1 == '.' && c2 == '.') return op(Tok::kEllipsis, start, 3);
      return op(Tok::kDot, start, 1);
    case '+':
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kPlus, start, 1);
    case '-':
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      if (c1 == '>') return op(Tok::kRArrow, start, 2);
      return op(Tok::kMinus, start, 1);
    case '*':
      if (c1 == '*')
        return c2 == '=' ? op(Tok::kAugAssign, start, 3) : op(Tok::kDoubleStar, start, 2);
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kStar, start, 1);
    case '/':
      if (c1 == '/')
        return c2 == '=' ? op(Tok::kAugAssign, start, 3) : op(Tok::kDoubleSlash, start, 2);
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kSlash, start, 1);
    case '%':
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kPercent, start, 1);
    case '@':
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kAt, start, 1);
    case '&':
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kAmper, start, 1);
    case '|':
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kVBar, start, 1);
    case '^':
      if (c1 == '=') return op(Tok::kAugAssign, start, 2);
      return op(Tok::kCircumflex, start, 1);
    case '~':
      return op(Tok::kTilde, start, 1);
    case '<':
      if (c1 == '<')
        return c2 == '=' ? op(Tok::kAugAssign, start, 3) : op(Tok::kLeftShift, start, 2);
      if (c1 == '=') return op(Tok::kLessEqual, start, 2);
      if (c1 == '>') return op(Tok::kUnknownOp, start, 2);
      return op(Tok::kLess, start, 1);
    case '>':
      if (c1 == '>')
        return c2 == '=' ? op(Tok::kAugAssign, start, 3) : op(Tok::kRightShift, start, 2);
      if (c1 == '=') return op(Tok::kGreaterEqual, start, 2);
      return op(Tok::kGreater, start, 1);
    case '=':
      if (c1 == '=') return op(Tok::kEqEqual, start, 2);
      return op(Tok::kEqual, start, 1);
    case '!':
      if (c1 == '=') return op(Tok::kNotEqual, start, 2);
      return op(Tok::kExclamation, start, 1);
    case '\0':
      return fail_here(pos_, "source code cannot contain null bytes");
    default:
      break;
  }
  if (static_cast<unsigned char>(c) >= 0x80) {
    char32_t cp;
    int l = decode_utf8_impl(reinterpret_cast<const unsigned char*>(s_ + pos_), n_ - pos_, cp);
    if (l > 0 && is_xid_start(cp)) return scan_name();
    return bad_non_ascii(pos_);
  }
  if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
    return fail_here(pos_, fmt::format("invalid non-printable character U+{:04X}",
                                       static_cast<unsigned>(static_cast<unsigned char>(c))));
  }
  // `$`, `?`, backtick: a token the parser rejects, so that a later lexical error (which
  // CPython finds by tokenizing on after a plain syntax error) can still be reported.
  return op(Tok::kUnknownOp, pos_, 1);
}

bool Lexer::scan_name() {
  const size_t start = pos_;
  uint8_t flags = 0;
  size_t p = pos_;
  while (kClass[static_cast<unsigned char>(s_[p])] & kIdCont)
    ++p;
  pos_ = p;
  while (pos_ < n_) {
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (kClass[c] & kIdCont) {
      ++pos_;
      continue;
    }
    if (c < 0x80) break;
    char32_t cp;
    int l = decode_utf8_impl(reinterpret_cast<const unsigned char*>(s_ + pos_), n_ - pos_, cp);
    if (l == 0) {
      size_t dummy;
      return check_utf8(pos_, dummy);
    }
    if (!(pos_ == start ? is_xid_start(cp) : is_xid_continue(cp))) {
      // CPython reads every non-ASCII character into the name and then rejects it.
      return bad_non_ascii(pos_);
    }
    flags = kNonAscii;
    pos_ += static_cast<size_t>(l);
  }
  std::string_view word(s_ + start, pos_ - start);
  if (pos_ < n_ && (s_[pos_] == '"' || s_[pos_] == '\'') && !flags) {
    Prefix pr = string_prefix(word);
    if (pr.ok) return scan_string(start, pos_, pr);
  }
  Tok kind = flags ? Tok::kName : keyword_kind(word.data(), word.size(), word[0]);
  emit(kind, start, pos_, line_, flags);
  return true;
}

bool Lexer::scan_number() {
  const size_t start = pos_;
  auto digits = [&](auto is_digit) {
    // digit (['_'] digit)*; returns false on a trailing or doubled underscore.
    while (pos_ < n_) {
      if (is_digit(s_[pos_])) {
        ++pos_;
      } else if (s_[pos_] == '_') {
        if (!is_digit(at(pos_ + 1))) return false;
        ++pos_;
      } else {
        break;
      }
    }
    return true;
  };
  auto dec = [](char c) { return c >= '0' && c <= '9'; };
  auto finish = [&](const char* kind) {
    // CPython's verify_end_of_number: a number directly followed by a name is an error, except
    // the keywords that may follow a number in valid code (with a warning).
    char c = at(pos_);
    // A keyword counts only when no identifier character follows it (CPython's lookahead);
    // `if`/`in`/`is` are checked by their first two letters only, as CPython does.
    auto keyword = [&](std::string_view k) {
      if (src_.substr(pos_, k.size()) != k) return false;
      unsigned char after = static_cast<unsigned char>(at(pos_ + k.size()));
      return !(after >= 0x80 || (kClass[after] & kIdCont));
    };
    if (c == 'a' && keyword("and")) return true;
    if (c == 'e' && keyword("else")) return true;
    if (c == 'f' && keyword("for")) return true;
    if (c == 'o' && keyword("or")) return true;
    if (c == 'n' && keyword("not")) return true;
    if (c == 'i' && (at(pos_ + 1) == 'f' || at(pos_ + 1) == 'n' || at(pos_ + 1) == 's')) {
      return true;
    }
    if (pos_ < n_ && (cls(c) & kIdCont)) {
      // CPython points at the last character of the number.
      char last = s_[pos_ - 1];
      bool imaginary = last == 'j' || last == 'J';
      return fail(static_cast<uint32_t>(pos_ - 1), line_,
                  fmt::format("invalid {} literal", imaginary ? "imaginary" : kind));
    }
    return true;
  };
  auto done = [&]() {
    emit(Tok::kNumber, start, pos_, line_);
    return true;
  };
  auto exponent_and_imag = [&]() {
    char c = at(pos_);
    if (c == 'e' || c == 'E') {
      size_t save = pos_;
      ++pos_;
      if (at(pos_) == '+' || at(pos_) == '-') {
        ++pos_;
        // A sign commits to an exponent: CPython reports the sign when no digit follows.
        if (!dec(at(pos_))) return fail_here(pos_ - 1, "invalid decimal literal");
      }
      if (!dec(at(pos_))) {
        pos_ = save;
        if (!finish("decimal")) return false;
        return done();
      }
      if (!digits(dec)) return fail_here(pos_, "invalid decimal literal");
    }
    if (at(pos_) == 'j' || at(pos_) == 'J') ++pos_;
    if (!finish("decimal")) return false;
    return done();
  };

  if (s_[pos_] == '.') {
    ++pos_;
    if (!digits(dec)) return fail_here(pos_, "invalid decimal literal");
    return exponent_and_imag();
  }
  if (s_[pos_] == '0') {
    char x = at(pos_ + 1);
    auto radix = [&](auto is_digit, const char* kind, bool check_dec_digit) {
      pos_ += 2;
      if (at(pos_) == '_') ++pos_;
      if (!is_digit(at(pos_))) {
        if (check_dec_digit && dec(at(pos_))) {
          return fail_here(pos_, fmt::format("invalid digit '{}' in {} literal", at(pos_), kind));
        }
        return fail_here(pos_ - 1, fmt::format("invalid {} literal", kind));
      }
      if (!digits(is_digit)) {
        // At an underscore not followed by a digit of the base: CPython names a decimal
        // digit there (`0b1_2`), else points at the underscore.
        if (check_dec_digit && dec(at(pos_ + 1))) {
          return fail_here(pos_ + 1,
                           fmt::format("invalid digit '{}' in {} literal", at(pos_ + 1), kind));
        }
        return fail_here(pos_, fmt::format("invalid {} literal", kind));
      }
      if (check_dec_digit && dec(at(pos_))) {
        return fail_here(pos_, fmt::format("invalid digit '{}' in {} literal", at(pos_), kind));
      }
      if (!finish(kind)) return false;
      return done();
    };
    if (x == 'x' || x == 'X') {
      return radix(
          [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
          },
          "hexadecimal", false);
    }
    if (x == 'o' || x == 'O') {
      return radix([](char c) { return c >= '0' && c <= '7'; }, "octal", true);
    }
    if (x == 'b' || x == 'B') {
      return radix([](char c) { return c == '0' || c == '1'; }, "binary", true);
    }
    // Zeros, then maybe more digits: only valid as a float or imaginary literal.
    bool nonzero = false;
    ++pos_;
    while (pos_ < n_ && (s_[pos_] == '0' || s_[pos_] == '_')) {
      if (s_[pos_] == '_' && !dec(at(pos_ + 1))) return fail_here(pos_, "invalid decimal literal");
      ++pos_;
    }
    size_t nonzero_at = pos_;
    if (dec(at(pos_))) {
      nonzero = true;
      if (!digits(dec)) return fail_here(pos_, "invalid decimal literal");
    }
    char c = at(pos_);
    if (c == '.' || c == 'e' || c == 'E' || c == 'j' || c == 'J') {
      if (c == '.') {
        ++pos_;
        if (dec(at(pos_)) && !digits(dec)) return fail_here(pos_, "invalid decimal literal");
      }
      return exponent_and_imag();
    }
    if (nonzero) {
      return fail(static_cast<uint32_t>(start), line_,
                  "leading zeros in decimal integer literals are not permitted; use an 0o prefix "
                  "for octal integers");
    }
    (void)nonzero_at;
    if (!finish("decimal")) return false;
    return done();
  }
  if (!digits(dec)) return fail_here(pos_, "invalid decimal literal");
  if (at(pos_) == '.') {
    ++pos_;
    if (dec(at(pos_)) && !digits(dec)) return fail_here(pos_, "invalid decimal literal");
  }
  return exponent_and_imag();
}

bool Lexer::scan_string(size_t begin, size_t quote_pos, const Prefix& prefix) {
  const char q = s_[quote_pos];
  const bool triple = at(quote_pos + 1) == q && at(quote_pos + 2) == q;
  const uint32_t start_line = line_;
  pos_ = quote_pos + (triple ? 3 : 1);
  if (prefix.fstring) {
    if (fstring_depth_ >= kMaxFStringDepth) {
      err_.too_deep = true;
      return fail(static_cast<uint32_t>(begin), line_, "too many nested f-strings");
    }
    emit(Tok::kFStringStart, begin, pos_, line_);
    Mode m;
    m.triple = triple;
    m.raw = prefix.raw;
    m.quote = q;
    m.start_offset = static_cast<uint32_t>(begin);
    m.start_line = line_;
    modes_.push_back(m);
    ++fstring_depth_;
    return true;
  }
  auto unterminated = [&]() {
    // At the end of the file after a line continuation, CPython's line is the last one read.
    const uint32_t detected = triple || pos_ >= n_ ? detected_line() : line_;
    // In an f-string's replacement field, a string opened with that f-string's own quote
    // and left open is the f-string's end with the field's `}` missing, as CPython reads it.
    if (!modes_.empty() && modes_.back().quote == q && modes_.back().triple == triple) {
      return fail(static_cast<uint32_t>(begin), start_line, "f-string: expecting '}'");
    }
    return fail(static_cast<uint32_t>(begin), start_line,
                fmt::format("unterminated {}string literal (detected at line {})",
                            triple ? "triple-quoted " : "", detected));
  };
  while (true) {
    // Fast skip of ordinary characters (the zero after the end is special; so is the other
    // quote for the code below, but it needs nothing done).
    pos_ += string_run(s_ + pos_, q);
    if (pos_ >= n_) return unterminated();
    const char c = s_[pos_];
    if (c == q) {
      if (!triple) {
        ++pos_;
        break;
      }
      if (at(pos_ + 1) == q && at(pos_ + 2) == q) {
        pos_ += 3;
        break;
      }
      ++pos_;
    } else if (c == '\\') {
      if (!prefix.raw && !check_escape(pos_, prefix.bytes, quote_pos + (triple ? 3 : 1),
                                       static_cast<uint32_t>(begin), start_line)) {
        return false;
      }
      ++pos_;
      if (pos_ >= n_) return unterminated();
      if (s_[pos_] == '\n' || s_[pos_] == '\r') {
        skip_newline();
      } else if (static_cast<unsigned char>(s_[pos_]) >= 0x80) {
        continue;  // validated by the loop
      } else {
        ++pos_;
      }
    } else if (c == '\n' || c == '\r') {
      if (!triple) return unterminated();
      skip_newline();
    } else if (c == '\0') {
      return fail_here(pos_, "source code cannot contain null bytes");
    } else if (static_cast<unsigned char>(c) < 0x80) {
      ++pos_;  // the other quote, a tab or another control character string_run() stops at
    } else {
      size_t len;
      if (!check_utf8(pos_, len)) {
        err_.offset = static_cast<uint32_t>(begin);  // CPython points at the string
        err_.line = start_line;
        return false;
      }
      if (prefix.bytes) {
        return fail(static_cast<uint32_t>(begin), start_line,
                    "bytes can only contain ASCII literal characters");
      }
      pos_ += len;
    }
  }
  emit(Tok::kString, begin, pos_, start_line);
  return true;
}

// CPython decodes a str literal's escapes after rewriting each non-ASCII character as a
// 10-byte \UXXXXXXXX escape (and a backslash before one as \u005c), with line breaks read as
// one \n: its error positions count in that text.
size_t Lexer::decoded_position(size_t body, size_t p) const {
  size_t at_pos = 0;
  for (size_t i = body; i < p; ++i) {
    const unsigned char c = static_cast<unsigned char>(s_[i]);
    if (c == '\r' && i + 1 < p && s_[i + 1] == '\n') continue;  // \r\n is one \n
    if (c < 0x80) {
      at_pos += (c == '\\' && i + 1 < n_ && static_cast<unsigned char>(s_[i + 1]) >= 0x80) ? 6 : 1;
    } else if ((c & 0xC0) != 0x80) {
      at_pos += 10;  // a UTF-8 lead byte: one character
    }
  }
  return at_pos;
}

bool Lexer::check_escape(size_t p, bool bytes, size_t body, uint32_t literal_offset,
                         uint32_t literal_line) {
  auto hex = [&](size_t i) {
    char c = at(i);
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  // `last`: the last character the decoder read of the escape (its message's range end).
  auto error = [&](const std::string& what, size_t last) {
    const size_t from = decoded_position(body, p);
    return quiet_fail(
        literal_offset, literal_line,
        bytes ? fmt::format("(value error) invalid {} escape at position {}", what, from)
              : fmt::format("(unicode error) 'unicodeescape' codec can't decode "
                            "bytes in position {}-{}: {}",
                            from, decoded_position(body, last + 1) - 1, what));
  };
  const char e = at(p + 1);
  if (e == 'x') {
    if (!hex(p + 2)) return error(bytes ? "\\x" : "truncated \\xXX escape", p + 1);
    if (!hex(p + 3)) return error(bytes ? "\\x" : "truncated \\xXX escape", p + 2);
  } else if (!bytes && (e == 'u' || e == 'U')) {
    size_t digits = e == 'u' ? 4 : 8;
    uint32_t v = 0;
    for (size_t i = 0; i < digits; ++i) {
      if (!hex(p + 2 + i)) {
        return error(e == 'u' ? "truncated \\uXXXX escape" : "truncated \\UXXXXXXXX escape",
                     p + 1 + i);
      }
      char c = at(p + 2 + i);
      v = v * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    if (v > 0x10FFFF) return error("illegal Unicode character", p + 1 + digits);
  } else if (!bytes && e == 'N') {
    // \N{NAME}: a character name or alias CPython knows.
    size_t i = p + 2;
    if (at(i) != '{') return error("malformed \\N character escape", p + 1);
    if (at(i + 1) == '}') return error("malformed \\N character escape", i);
    for (++i; i < n_ && s_[i] != '}'; ++i) {
      char c = s_[i];
      if (c == '\n' || c == '\r' || c == '\'' || c == '"' || c == '\\') {
        // The decoder reads to the end of the literal looking for the `}`.
        return error("malformed \\N character escape", i - 1);
      }
    }
    if (i >= n_) return error("malformed \\N character escape", i - 1);
    if (!is_unicode_character_name(std::string_view(s_ + p + 3, i - (p + 3)))) {
      return error("unknown Unicode character name", i);
    }
  }
  return true;
}

// Literal text of an f-string, or the format spec of a replacement field, up to the next `{`
// that opens a field, the `}` that ends the field, or the closing quote.
bool Lexer::scan_fstring_literal() {
  const size_t part_start = pos_;
  Mode& m = modes_.back();
  const bool in_spec = m.is_field;
  const char q = m.quote;
  const bool triple = m.triple;
  const bool raw = m.raw;
  const uint32_t fs_offset = m.start_offset;
  const uint32_t fs_line = m.start_line;
  auto unterminated = [&]() {
    return fail(fs_offset, fs_line,
                fmt::format("unterminated {}f-string literal (detected at line {})",
                            triple ? "triple-quoted " : "", triple ? detected_line() : line_));
  };
  while (true) {
    if (pos_ >= n_) {
      if (in_spec) return end_of_file();  // in a field: its `{` was never closed
      return unterminated();
    }
    const char c = s_[pos_];
    if (c == q && (!triple || (at(pos_ + 1) == q && at(pos_ + 2) == q))) {
      if (in_spec) return fail_here(pos_, "f-string: expecting '}', or format specs");
      const size_t start = pos_;
      pos_ += triple ? 3 : 1;
      emit(Tok::kFStringEnd, start, pos_, line_);
      std::string escape_error = std::move(m.escape_error);
      modes_.pop_back();
      --fstring_depth_;
      if (!escape_error.empty()) [[unlikely]] {
        return quiet_fail(static_cast<uint32_t>(start), line_, std::move(escape_error));
      }
      return true;
    }
    switch (c) {
      case '{':
        if (!in_spec && at(pos_ + 1) == '{') {
          pos_ += 2;
          break;
        }
        {
          if (!open_bracket('{')) return false;
          Mode field = m;
          field.is_field = true;
          field.in_spec = false;
          field.brace_index = bracket_depth_ - 1;
          field.field_depth = in_spec ? m.field_depth + 1 : 1;
          emit(Tok::kLBrace, pos_, pos_ + 1, line_);
          ++pos_;
          modes_.push_back(field);
          return true;
        }
      case '}':
        if (in_spec) {
          // The end of the field whose format spec this is.
          if (!close_bracket('}')) return false;
          emit(Tok::kRBrace, pos_, pos_ + 1, line_);
          ++pos_;
          modes_.pop_back();
          return true;
        }
        if (at(pos_ + 1) == '}') {
          pos_ += 2;
          break;
        }
        return fail_here(pos_, "f-string: single '}' is not allowed");
      case '\\': {
        char nx = at(pos_ + 1);
        if (nx == '{' || nx == '}') {
          ++pos_;  // the brace keeps its meaning
          break;
        }
        if (!raw && !check_escape(pos_, false, part_start, fs_offset, fs_line)) [[unlikely]] {
          defer_escape_error();
        }
        if (!raw && nx == 'N' && at(pos_ + 2) == '{') {
          // \N{NAME}: the braces belong to the escape.
          pos_ += 3;
          while (pos_ < n_ && s_[pos_] != '}' && s_[pos_] != q && s_[pos_] != '\n' &&
                 s_[pos_] != '\r') {
            ++pos_;
          }
          if (at(pos_) == '}') ++pos_;
          break;
        }
        ++pos_;
        if (pos_ >= n_) return unterminated();
        if (s_[pos_] == '\n' || s_[pos_] == '\r') {
          skip_newline();
        } else if (static_cast<unsigned char>(s_[pos_]) < 0x80) {
          ++pos_;
        }
        break;
      }
      case '\n':
      case '\r':
        // CPython 3.12 accepts a line break in the format spec of a single-quoted f-string.
        if (!triple && !in_spec) return unterminated();
        skip_newline();
        break;
      case '\0':
        return fail_here(pos_, "source code cannot contain null bytes");
      default:
        if (static_cast<unsigned char>(c) >= 0x80) {
          size_t len;
          if (!check_utf8(pos_, len)) return false;
          pos_ += len;
        } else {
          ++pos_;
        }
        break;
    }
  }
}

}  // namespace

int decode_utf8(std::string_view s, size_t pos, char32_t& cp) {
  return decode_utf8_impl(reinterpret_cast<const unsigned char*>(s.data() + pos), s.size() - pos,
                          cp);
}

TokenizeResult tokenize(std::string_view source) {
  TokenizeResult result;
  tokenize(source, result);
  return result;
}

void tokenize(std::string_view source, TokenizeResult& result) {
  // The caller's vector keeps its capacity (the lexer sizes it to one token per byte before
  // scanning): a worker that tokenizes file after file reuses one block instead of allocating
  // and freeing tens of KB per file.
  result.tokens.clear();
  result.error = SyntaxErrorInfo{};
  if (source.size() >= UINT32_MAX) {
    result.error.present = true;
    result.error.message = "file too large to analyze (4 GiB or more)";
    result.error.line = 1;
    return;
  }
  // CPython rejects a NUL byte anywhere before tokenizing.
  if (const void* nul = std::memchr(source.data(), '\0', source.size())) {
    size_t at = static_cast<size_t>(static_cast<const char*>(nul) - source.data());
    uint32_t line = 1;
    for (size_t i = 0; i < at; ++i) {
      if (source[i] == '\n' || (source[i] == '\r' && (i + 1 >= at || source[i + 1] != '\n'))) {
        ++line;
      }
    }
    result.error.present = true;
    result.error.message = "source code cannot contain null bytes";
    result.error.offset = static_cast<uint32_t>(at);
    result.error.detected_at = static_cast<uint32_t>(at);
    result.error.line = line;
    return;
  }
  // No zero byte in the source (checked above): a copy with zeros after its end lets the lexer
  // find the end without bounds checks.
  if (result.padded_capacity < source.size() + kPadding) {
    result.padded_capacity = source.size() + kPadding;
    result.padded = std::make_unique_for_overwrite<char[]>(result.padded_capacity);
  }
  char* padded = result.padded.get();
  std::memcpy(padded, source.data(), source.size());
  std::memset(padded + source.size(), 0, kPadding);
  Lexer lexer(std::string_view(padded, source.size()), result);
  lexer.run();
  lexer.finish();
}

}  // namespace dbtpy::compiler::python
