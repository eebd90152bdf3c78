#pragma once
// Unicode character names as a \N{NAME} escape in a Python str literal accepts them: CPython
// 3.12 (Unicode 15.0) rejects an unknown name with "unknown Unicode character name". The table
// is generated (gen_unicode_names.py) and immutable: thread-safe.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "compiler/python/unicode_tables.h"

namespace dbtpy::compiler::python {

extern const CodeRange kUnifiedIdeographs[];
extern const size_t kUnifiedIdeographsSize;
// FNV-1a 32-bit hashes of the upper-case names and formal aliases, sorted. (A misspelt name
// passes only if its hash collides with one of ~35,000: about one in 120,000.)
extern const uint32_t kNameHashes[];
extern const size_t kNameHashesSize;

// Whether CPython's \N{...} lookup finds `name` (the text between the braces): a character
// name or formal alias in any case, or (upper case only) "HANGUL SYLLABLE " + jamo or
// "CJK UNIFIED IDEOGRAPH-" + hex. Named sequences are refused, as CPython refuses them there.
bool is_unicode_character_name(std::string_view name);

}  // namespace dbtpy::compiler::python
