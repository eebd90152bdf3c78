#pragma once
// Python source literals for values baked into generated code: strings (always valid UTF-8
// Python 3 source, escapes for quotes, backslashes and control characters) and JSON values as
// Python literals (None/True/False, lists, dicts). Pure functions; thread-safe.
#include <string>
#include <string_view>

#include "util/json.h"

namespace dbtpy::codegen {

// A double-quoted Python string literal equal to `text` (which must be valid UTF-8).
std::string py_str(std::string_view text);

// A Python literal equal to a JSON value: null -> None, true -> True, numbers, strings,
// arrays -> lists, objects -> dicts (keys in JSON order, which is sorted).
std::string py_literal(const Json& value);

// The same, laid out over several lines for readability of large dicts (one entry per line,
// indented by `indent` spaces inside the braces). Scalars and empty containers stay inline.
std::string py_literal_block(const Json& value, int indent = 4);

}  // namespace dbtpy::codegen
