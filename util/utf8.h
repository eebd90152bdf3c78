#pragma once
// UTF-8 encoding of one code point, shared by every reader that decodes \u/\U escapes
// (Python literals, YAML, TOML, Jinja strings, SQL). Pure; thread-safe.
#include <string>

namespace dbtpy {

// Appends the UTF-8 bytes of `cp` to `out`. Code points above U+10FFFF become U+FFFD (the
// replacement character); callers that must reject them check before calling.
void append_utf8(std::string& out, char32_t cp);

}  // namespace dbtpy
