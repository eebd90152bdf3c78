#include "compiler/python/source_position.h"

namespace dbtpy::compiler::python {
namespace {

uint32_t line_start(std::string_view source, uint32_t offset) {
  uint32_t start = offset > source.size() ? static_cast<uint32_t>(source.size()) : offset;
  while (start > 0 && source[start - 1] != '\n' && source[start - 1] != '\r')
    --start;
  if (start == 0 && source.substr(0, 3) == "\xEF\xBB\xBF" && offset >= 3) start = 3;
  return start;
}

}  // namespace

int column_of(std::string_view source, uint32_t offset) {
  if (offset > source.size()) offset = static_cast<uint32_t>(source.size());
  // One backward pass to the line start, counting every byte that is not a UTF-8 continuation
  // byte: one per code point.
  int column = 1;
  uint32_t i = offset;
  while (i > 0) {
    const unsigned char c = static_cast<unsigned char>(source[i - 1]);
    if (c <= '\r' && (c == '\n' || c == '\r')) break;
    column += (c & 0xC0) != 0x80;
    --i;
  }
  // A BOM opening the first line is not a column (its lead byte was counted).
  if (i == 0 && offset >= 3 && source.substr(0, 3) == "\xEF\xBB\xBF") --column;
  return column;
}

std::string_view line_text_at(std::string_view source, uint32_t offset) {
  uint32_t start = line_start(source, offset);
  uint32_t end = start;
  while (end < source.size() && source[end] != '\n' && source[end] != '\r')
    ++end;
  return source.substr(start, end - start);
}

}  // namespace dbtpy::compiler::python
