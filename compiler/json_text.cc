#include "compiler/json_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dbtpy::compiler {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// Nonzero when one of the 8 bytes of `w` cannot be copied as it is: a control character
// (< 0x20), '"', '\\' or a byte >= 0x80 (UTF-8, checked apart). Exact as a yes/no answer:
// the borrow tricks only add false bits above a byte that really matches.
inline uint64_t special_in_word(uint64_t w) {
  uint64_t control = (w - kOnes * 0x20) & ~w;
  uint64_t quote = w ^ (kOnes * '"');
  uint64_t backslash = w ^ (kOnes * '\\');
  return (control | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | w) & kHighs;
}

// Per byte: whether it cannot be copied as it is (the short strings' byte loop).
constexpr auto kSpecialBytes = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

inline bool is_special(unsigned char c) {
  return kSpecialBytes[c];
}

inline bool in(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

// Length of the well-formed UTF-8 sequence at s[i] (a byte >= 0x80), or 0 when it is not one
// (the same rule as nlohmann's decoder: no overlongs, surrogates or code points > U+10FFFF).
size_t utf8_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned char {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  unsigned char c = at(0);
  if (in(c, 0xC2, 0xDF)) return in(at(1), 0x80, 0xBF) ? 2 : 0;
  if (in(c, 0xE0, 0xEF)) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(c, 0xF0, 0xF4)) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

constexpr size_t kShort = 64;

// memcpy(d, s, n) for n < kShort as a few fixed-size (inlined) copies, overlapping at the end.
inline void copy_short(char* d, const char* s, size_t n) {
  if (n >= 16) {
    size_t k = 0;
    for (; k + 16 <= n; k += 16)
      std::memcpy(d + k, s + k, 16);
    if (k < n) std::memcpy(d + n - 16, s + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(d, s, 8);
    std::memcpy(d + n - 8, s + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(d, s, 4);
    std::memcpy(d + n - 4, s + n - 4, 4);
  } else if (n >= 2) {
    std::memcpy(d, s, 2);
    std::memcpy(d + n - 2, s + n - 2, 2);
  } else if (n == 1) {
    d[0] = s[0];
  }
}

#if defined(__SSE2__)
// Bit k set when byte k of the 16 at `p` cannot be copied as it is. A signed compare with
// 0x20 catches control characters and, as negative bytes, every byte >= 0x80.
inline unsigned special_mask16(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i low_or_high = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));
  const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(low_or_high, _mm_or_si128(quote, backslash))));
}
#endif

// The index of the first byte at or after `i` that cannot be copied as it is, or n.
inline size_t next_special(const char* p, size_t n, size_t i) {
#if defined(__SSE2__)
  // 16 bytes per step (8-byte words took ~2 instructions a byte on checksums and ids). The
  // last bytes are one block ending at the end of the string, its bytes before `i` (already
  // looked at, possibly special) shifted out; a string shorter than 16 is copied into a block
  // padded with clean bytes (most keys and names: no byte loop).
  for (; i + 16 <= n; i += 16)
    if (unsigned m = special_mask16(p + i)) return i + static_cast<size_t>(__builtin_ctz(m));
  if (i >= n) return n;
  unsigned m;
  if (n >= 16) {
    m = special_mask16(p + n - 16) >> (i - (n - 16));
  } else {
    char block[16];
    std::memset(block, 'a', sizeof block);
    copy_short(block, p + i, n - i);
    m = special_mask16(block) & ((1u << (n - i)) - 1);
  }
  return m ? i + static_cast<size_t>(__builtin_ctz(m)) : n;
#else
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (special_in_word(w)) break;
  }
  // The last bytes (fewer than 8) as one word ending at the end of the string: the bytes it
  // shares with the words before are clean, so a clean string never takes the byte loop.
  if (i < n && i + 8 > n && n >= 8) {
    uint64_t w;
    std::memcpy(&w, p + n - 8, 8);
    if (!special_in_word(w)) return n;
  }
  while (i < n && !is_special(static_cast<unsigned char>(p[i])))
    ++i;
  return i;
#endif
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  append_json_string(out, s, {});
}

void append_json_string(std::string& out, std::string_view s, std::string_view before) {
  // Runs of bytes that need no escaping are found 16 bytes at a time and appended in one go.
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = next_special(p, n, 0);
  const size_t b = before.size();
  if (i == n) {  // the common case: quotes around the bytes as they are, one append
    // Not resized then overwritten (resize() zero-fills through memset, a second libc call
    // per string); short strings are quoted on the stack, after `before`, with fixed-size
    // copies.
    if (b + n + 2 <= kShort) {
      char quoted[kShort];
      copy_short(quoted, before.data(), b);
      quoted[b] = '"';
      copy_short(quoted + b + 1, p, n);
      quoted[b + n + 1] = '"';
      out.append(quoted, b + n + 2);
    } else {
      out += before;
      out += '"';
      out.append(p, n);
      out += '"';
    }
    return;
  }
  out += before;
  size_t run = 0;
  out += '"';
  while (true) {
    i = next_special(p, n, i);
    if (i >= n) break;
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c >= 0x80) {
      if (size_t len = utf8_length(s, i)) {  // valid UTF-8 is kept as it is
        i += len;
        continue;
      }
      // Rare: nlohmann replaces invalid bytes (its rules for where a bad sequence ends are
      // subtle), so it writes the rest.
      out.append(p + run, i - run);
      std::string rest =
          Json(std::string(s.substr(i))).dump(-1, ' ', false, Json::error_handler_t::replace);
      out.append(rest, 1, rest.size() - 1);  // without its opening quote (keeps the closing)
      return;
    }
    out.append(p + run, i - run);
    ++i;
    run = i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static const char* hex = "0123456789abcdef";
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(p + run, n - run);
  out += '"';
}

void append_json_integer(std::string& out, long long v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void append_json_unsigned(std::string& out, unsigned long long v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void append_json_float(std::string& out, double v) {
  // What nlohmann's serializer does for a double, without dump()'s string, serializer and
  // locale lookup per number (configs' float defaults in every manifest entry).
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void append_json_value(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      append_json_string(out, v.get_ref<const std::string&>());
      break;
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      append_json_integer(out, v.get<long long>());
      break;
    case Json::value_t::number_unsigned:
      append_json_unsigned(out, v.get<unsigned long long>());
      break;
    case Json::value_t::number_float:
      append_json_float(out, v.get<double>());
      break;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        append_json_value(out, item);
      }
      out += ']';
      break;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, it.key());
        out += ':';
        append_json_value(out, *it);
      }
      out += '}';
      break;
    }
    default:  // binary, discarded: nlohmann's own printing
      out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

JsonMembersText::JsonMembersText(const Json& object) {
  starts.push_back(0);
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end(); ++it) {
    Member m;
    m.key = it.key();
    append_json_string(m.text, it.key());
    m.text += ':';
    m.key_size = m.text.size();
    append_json_value(m.text, *it);
    if (it->is_object() && !it->empty()) {
      JsonMembersText inner(*it);
      m.members = std::move(inner.members);
      m.members_joined = std::move(inner.joined);
      m.members_starts = std::move(inner.starts);
    }
    joined += ',';
    joined += m.text;
    starts.push_back(joined.size());
    members.push_back(std::move(m));
  }
}

void JsonText::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonText& JsonText::begin_object() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonText& JsonText::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonText& JsonText::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonText& JsonText::key(std::string_view k) {
  separate();
  append_json_string(out_, k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonText& JsonText::string(std::string_view s) {
  separate();
  append_json_string(out_, s);
  return *this;
}

JsonText& JsonText::value(const Json& v) {
  separate();
  append_json_value(out_, v);
  return *this;
}

JsonText& JsonText::integer(long long v) {
  separate();
  append_json_integer(out_, v);
  return *this;
}

JsonText& JsonText::raw_member(std::string_view member) {
  separate();
  out_ += member;
  return *this;
}

JsonText& JsonText::null() {
  separate();
  out_ += "null";
  return *this;
}

}  // namespace dbtpy::compiler
