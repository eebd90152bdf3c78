#pragma once
// A test-side reader of Snowflake string constants, written from Snowflake's documented
// lexical rules (not from our generator): `$$...$$` (no escapes) and '...' with backslash
// escapes and '' for a quote. Used to prove the procedure body is exactly model.py.
#include <optional>
#include <string>
#include <string_view>

namespace dbtpy::codegen::testing {

// Parses the constant starting at text[pos]; returns its value and sets `end` past it.
std::optional<std::string> parse_snowflake_constant(std::string_view text, size_t pos, size_t& end);

}  // namespace dbtpy::codegen::testing
