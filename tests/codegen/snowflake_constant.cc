#include "snowflake_constant.h"

namespace dbtpy::codegen::testing {

std::optional<std::string> parse_snowflake_constant(std::string_view t, size_t pos, size_t& end) {
  if (t.substr(pos, 2) == "$$") {
    size_t close = t.find("$$", pos + 2);
    if (close == std::string_view::npos) return std::nullopt;
    end = close + 2;
    return std::string(t.substr(pos + 2, close - pos - 2));
  }
  if (pos >= t.size() || t[pos] != '\'') return std::nullopt;
  std::string out;
  size_t i = pos + 1;
  while (i < t.size()) {
    char c = t[i];
    if (c == '\'') {
      if (i + 1 < t.size() && t[i + 1] == '\'') {
        out += '\'';
        i += 2;
        continue;
      }
      end = i + 1;
      return out;
    }
    if (c == '\\') {
      if (i + 1 >= t.size()) return std::nullopt;
      char e = t[i + 1];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '0':
          out += '\0';
          break;
        default:
          out += e;  // \\ \' \" and any other escaped character stand for themselves
      }
      i += 2;
      continue;
    }
    out += c;
    ++i;
  }
  return std::nullopt;
}

}  // namespace dbtpy::codegen::testing
