#include "codegen/common/model_source.h"

#include "codegen/common/config_reader.h"

namespace dbtpy::codegen {

bool is_valid_utf8(std::string_view s, size_t* bad_offset) {
  size_t i = 0;
  auto bad = [&](size_t at) {
    if (bad_offset) *bad_offset = at;
    return false;
  };
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    unsigned cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return bad(i);
    }
    if (i + static_cast<size_t>(len) > s.size()) return bad(i);
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return bad(i);
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return bad(i);
    i += static_cast<size_t>(len);
  }
  return true;
}

ModelSource prepare_model_source(std::string_view bytes, const ConfigReader& config) {
  ModelSource out;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    out.had_bom = true;
  }
  size_t bad = 0;
  if (!is_valid_utf8(bytes, &bad)) {
    int line = 1;
    for (size_t i = 0; i < bad; ++i)
      if (bytes[i] == '\n') ++line;
    config.fail_model("DBTPY314", "the model file is not valid UTF-8 (first bad byte on this line)",
                      "save the file as UTF-8; dbtpy embeds model code in JSON and SQL, which "
                      "need UTF-8",
                      line);
  }
  if (size_t nul = bytes.find('\0'); nul != std::string_view::npos) {
    int line = 1;
    for (size_t i = 0; i < nul; ++i)
      if (bytes[i] == '\n') ++line;
    config.fail_model("DBTPY314",
                      "the model file contains a NUL byte, which Python source cannot hold",
                      "remove the NUL byte (write \\0 inside a string literal instead)", line);
  }
  out.text.reserve(bytes.size() + 1);
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\r') {
      out.had_crlf = true;
      if (i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
      out.text += '\n';
    } else {
      out.text += c;
    }
  }
  if (out.text.empty() || out.text.back() != '\n') out.text += '\n';
  for (char c : out.text)
    if (c == '\n') ++out.line_count;
  return out;
}

}  // namespace dbtpy::codegen
