#pragma once
// The user's model file prepared for embedding in generated code: verbatim except that a
// UTF-8 byte-order mark is dropped (Python rejects U+FEFF anywhere but at the start of a
// file, and our metadata line comes first) and line endings become LF (Python reads source
// with universal newlines, so CRLF/CR and LF are the same program, but notebooks and SQL
// bodies are simpler with one convention). Line count and line numbers are unchanged.
// Pure; thread-safe.
#include <string>
#include <string_view>

namespace dbtpy::codegen {

class ConfigReader;

struct ModelSource {
  std::string text;    // normalized; ends with exactly the user's last line + "\n"
  int line_count = 0;  // lines of `text`
  bool had_bom = false;
  bool had_crlf = false;
};

// Throws (DBTPY314) when the bytes are not valid UTF-8, naming the first bad line.
ModelSource prepare_model_source(std::string_view bytes, const ConfigReader& config);

// True when `bytes` is valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF);
// `bad_offset` receives the first invalid byte's offset otherwise.
bool is_valid_utf8(std::string_view bytes, size_t* bad_offset = nullptr);

}  // namespace dbtpy::codegen
