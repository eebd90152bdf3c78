#include "profiles/auth/toml_subset.h"

#include <cmath>

#include "util/utf8.h"

namespace dbtpy::profiles::auth {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Json parse() {
    Json root = Json::object();
    Json* table = &root;
    while (true) {
      skip_blank_lines();
      if (eof()) break;
      if (peek() == '[') {
        table = &open_table(root);
      } else {
        parse_key_value(*table);
      }
      end_of_line();
    }
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const { throw TomlError(line_, msg); }
  bool eof() const { return i_ >= s_.size(); }
  char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  char next() {
    char c = s_[i_++];
    if (c == '\n') ++line_;
    return c;
  }
  bool starts(std::string_view lit) const { return s_.substr(i_, lit.size()) == lit; }

  void skip_ws() {
    while (!eof() && (peek() == ' ' || peek() == '\t'))
      ++i_;
  }
  void skip_comment() {
    if (peek() == '#') {
      while (!eof() && peek() != '\n')
        ++i_;
    }
  }
  void skip_blank_lines() {
    while (!eof()) {
      skip_ws();
      skip_comment();
      if (peek() == '\r') ++i_;
      if (peek() == '\n') {
        next();
        continue;
      }
      break;
    }
  }
  void end_of_line() {
    skip_ws();
    skip_comment();
    if (peek() == '\r') ++i_;
    if (eof()) return;
    if (peek() != '\n') fail("unexpected text after the value (one key = value per line)");
    next();
  }

  static bool bare_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  }

  std::string key_part() {
    skip_ws();
    if (peek() == '"') return basic_string();
    if (peek() == '\'') return literal_string();
    std::string k;
    while (!eof() && bare_char(peek()))
      k += s_[i_++];
    if (k.empty()) fail("expected a key");
    return k;
  }

  std::vector<std::string> dotted_key() {
    std::vector<std::string> parts{key_part()};
    skip_ws();
    while (peek() == '.') {
      ++i_;
      parts.push_back(key_part());
      skip_ws();
    }
    return parts;
  }

  Json& descend(Json& root, const std::vector<std::string>& path, size_t count) {
    Json* node = &root;
    for (size_t k = 0; k < count; ++k) {
      Json& child = (*node)[path[k]];
      if (child.is_null()) child = Json::object();
      if (!child.is_object()) fail("key '" + path[k] + "' is both a value and a table");
      node = &child;
    }
    return *node;
  }

  Json& open_table(Json& root) {
    ++i_;  // '['
    if (peek() == '[') fail("arrays of tables ([[...]]) are not supported here");
    auto path = dotted_key();
    skip_ws();
    if (peek() != ']') fail("expected ']' to close the table header");
    ++i_;
    return descend(root, path, path.size());
  }

  void parse_key_value(Json& table) {
    auto path = dotted_key();
    skip_ws();
    if (peek() != '=') fail("expected '=' after the key");
    ++i_;
    skip_ws();
    Json value = parse_value();
    Json& parent = descend(table, path, path.size() - 1);
    if (parent.contains(path.back())) fail("key '" + path.back() + "' is defined twice");
    parent[path.back()] = std::move(value);
  }

  Json parse_value() {
    char c = peek();
    if (starts("\"\"\"")) return multiline_basic();
    if (starts("'''")) return multiline_literal();
    if (c == '"') return basic_string();
    if (c == '\'') return literal_string();
    if (c == '[') return array();
    if (c == '{') fail("inline tables ({...}) are not supported here");
    if (starts("true")) {
      i_ += 4;
      return true;
    }
    if (starts("false")) {
      i_ += 5;
      return false;
    }
    return number();
  }

  Json array() {
    ++i_;  // '['
    Json out = Json::array();
    while (true) {
      skip_blank_lines();
      if (eof()) fail("unterminated array");
      if (peek() == ']') {
        ++i_;
        return out;
      }
      out.push_back(parse_value());
      skip_blank_lines();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ']') {
        fail("expected ',' or ']' in the array");
      }
    }
  }

  Json number() {
    size_t start = i_;
    while (!eof() && peek() != '\n' && peek() != '#' && peek() != ' ' && peek() != '\t' &&
           peek() != ',' && peek() != ']' && peek() != '\r')
      ++i_;
    std::string raw(s_.substr(start, i_ - start));
    std::string digits;
    for (char ch : raw)
      if (ch != '_') digits += ch;
    if (digits.empty()) fail("expected a value");
    try {
      size_t used = 0;
      if (digits.find_first_of(".eE") == std::string::npos) {
        long long v = std::stoll(digits, &used, 10);
        if (used == digits.size()) return v;
      } else {
        double v = std::stod(digits, &used);
        if (used == digits.size() && std::isfinite(v)) return v;
      }
    } catch (...) {
    }
    fail("unsupported value (expected a string, number, boolean or array)");
  }

  void append_utf8(std::string& out, unsigned long cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid unicode escape");
    dbtpy::append_utf8(out, static_cast<char32_t>(cp));
  }

  void escape(std::string& out) {
    if (eof()) fail("unterminated string");
    char e = next();
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'f':
        out += '\f';
        break;
      case 'r':
        out += '\r';
        break;
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case 'u':
      case 'U': {
        size_t n = e == 'u' ? 4 : 8;
        if (i_ + n > s_.size()) fail("invalid unicode escape");
        unsigned long cp = 0;
        for (size_t k = 0; k < n; ++k) {
          char h = s_[i_++];
          int v = (h >= '0' && h <= '9')   ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
          if (v < 0) fail("invalid unicode escape");
          cp = cp * 16 + static_cast<unsigned long>(v);
        }
        append_utf8(out, cp);
        break;
      }
      default:
        fail("invalid escape sequence in a string");
    }
  }

  std::string basic_string() {
    ++i_;  // '"'
    std::string out;
    while (true) {
      if (eof() || peek() == '\n') fail("unterminated string");
      char c = next();
      if (c == '"') return out;
      if (c == '\\') {
        escape(out);
      } else {
        out += c;
      }
    }
  }

  std::string literal_string() {
    ++i_;  // '\''
    std::string out;
    while (true) {
      if (eof() || peek() == '\n') fail("unterminated string");
      char c = next();
      if (c == '\'') return out;
      out += c;
    }
  }

  void trim_first_newline() {
    if (peek() == '\r' && peek(1) == '\n') ++i_;
    if (peek() == '\n') next();
  }

  std::string multiline_basic() {
    i_ += 3;
    trim_first_newline();
    std::string out;
    while (true) {
      if (eof()) fail("unterminated multi-line string");
      if (starts("\"\"\"")) {
        i_ += 3;
        // Up to two quotes may close the content itself ("""a""""" is a"").
        for (int extra = 0; extra < 2 && peek() == '"'; ++extra) {
          out += '"';
          ++i_;
        }
        return out;
      }
      char c = next();
      if (c == '\\') {
        // A line-ending backslash joins lines, eating the whitespace that follows.
        size_t j = i_;
        while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t' || s_[j] == '\r'))
          ++j;
        if (j < s_.size() && s_[j] == '\n') {
          while (!eof() && (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n'))
            next();
          continue;
        }
        escape(out);
      } else {
        out += c;
      }
    }
  }

  std::string multiline_literal() {
    i_ += 3;
    trim_first_newline();
    std::string out;
    while (true) {
      if (eof()) fail("unterminated multi-line string");
      if (starts("'''")) {
        i_ += 3;
        for (int extra = 0; extra < 2 && peek() == '\''; ++extra) {
          out += '\'';
          ++i_;
        }
        return out;
      }
      out += next();
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
};

}  // namespace

Json parse_toml(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace dbtpy::profiles::auth
