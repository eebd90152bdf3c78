#include "compiler/python/unicode_names.h"

#include <algorithm>
#include <array>

namespace dbtpy::compiler::python {
namespace {

char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// The jamo short names of Hangul syllables (Unicode's Jamo.txt), leading, vowel and trailing.
constexpr std::array<std::string_view, 19> kLeading = {"G", "GG", "N", "D",  "DD", "R", "M",
                                                       "B", "BB", "S", "SS", "",   "J", "JJ",
                                                       "C", "K",  "T", "P",  "H"};
constexpr std::array<std::string_view, 21> kVowel = {"A",   "AE", "YA", "YAE", "EO", "E",  "YEO",
                                                     "YE",  "O",  "WA", "WAE", "OE", "YO", "U",
                                                     "WEO", "WE", "WI", "YU",  "EU", "YI", "I"};
constexpr std::array<std::string_view, 28> kTrailing = {
    "",   "G",  "GG", "GS", "N",  "NJ", "NH", "D",  "L", "LG", "LM", "LB", "LS", "LT",
    "LP", "LH", "M",  "B",  "BS", "S",  "SS", "NG", "J", "C",  "K",  "T",  "P",  "H"};

// CPython's find_syllable: the longest jamo of the column the text starts with (case
// sensitive), or -1 when none does.
template <size_t N>
int longest_jamo(std::string_view& rest, const std::array<std::string_view, N>& jamo) {
  int found = -1;
  size_t len = 0;
  for (size_t i = 0; i < N; ++i) {
    const std::string_view j = jamo[i];
    if ((found < 0 || j.size() > len) && rest.starts_with(j)) {
      found = static_cast<int>(i);
      len = j.size();
    }
  }
  rest.remove_prefix(len);
  return found;
}

bool is_hangul_syllable(std::string_view jamo) {
  const bool leading = longest_jamo(jamo, kLeading) >= 0;
  const bool vowel = longest_jamo(jamo, kVowel) >= 0;
  const bool trailing = longest_jamo(jamo, kTrailing) >= 0;
  return leading && vowel && trailing && jamo.empty();
}

bool is_unified_ideograph(std::string_view hex) {
  if (hex.size() != 4 && hex.size() != 5) return false;
  char32_t v = 0;
  for (char c : hex) {
    if (c >= '0' && c <= '9') {
      v = v * 16 + static_cast<char32_t>(c - '0');
    } else if (c >= 'A' && c <= 'F') {  // upper case only, as CPython reads them
      v = v * 16 + static_cast<char32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  const CodeRange* end = kUnifiedIdeographs + kUnifiedIdeographsSize;
  return std::any_of(kUnifiedIdeographs, end,
                     [v](const CodeRange& r) { return v >= r.first && v <= r.last; });
}

}  // namespace

bool is_unicode_character_name(std::string_view name) {
  constexpr std::string_view kHangul = "HANGUL SYLLABLE ";
  constexpr std::string_view kIdeograph = "CJK UNIFIED IDEOGRAPH-";
  // Like CPython, these prefixes (in upper case only) decide: a name that starts with one is
  // checked only as such.
  if (name.starts_with(kHangul)) return is_hangul_syllable(name.substr(kHangul.size()));
  if (name.starts_with(kIdeograph)) {
    return is_unified_ideograph(name.substr(kIdeograph.size()));
  }
  uint32_t h = 0x811C9DC5u;  // FNV-1a, as gen_unicode_names.py hashes
  for (char c : name) {
    h = (h ^ static_cast<unsigned char>(upper(c))) * 0x01000193u;
  }
  return std::binary_search(kNameHashes, kNameHashes + kNameHashesSize, h);
}

}  // namespace dbtpy::compiler::python
