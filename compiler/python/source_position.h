#pragma once
// Byte offset -> 1-based column in code points, counted on the line as it is on disk (a UTF-8
// BOM at the start of the file is not a column). Pure functions, thread-safe.
#include <cstdint>
#include <string_view>

namespace dbtpy::compiler::python {

// Column (1-based, code points) of byte `offset` of `source`.
int column_of(std::string_view source, uint32_t offset);

// The text of the line holding byte `offset` (without its line break).
std::string_view line_text_at(std::string_view source, uint32_t offset);

}  // namespace dbtpy::compiler::python
