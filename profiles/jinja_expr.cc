#include "profiles/jinja_expr.h"

#include <cctype>
#include <cstdlib>

#include "util/utf8.h"

namespace dbtpy::profiles {
namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Decodes a Python-style escape sequence starting after the backslash at text[i]; returns the
// number of characters consumed. Unknown escapes keep the backslash, as Python does.
size_t decode_escape(std::string_view text, size_t i, std::string& out) {
  char c = text[i];
  switch (c) {
    case 'n':
      out += '\n';
      return 1;
    case 't':
      out += '\t';
      return 1;
    case 'r':
      out += '\r';
      return 1;
    case '0':
      out += '\0';
      return 1;
    case '\\':
    case '\'':
    case '"':
      out += c;
      return 1;
    case '\n':
      return 1;  // line continuation
    case 'x':
    case 'u':
    case 'U': {
      size_t width = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      if (i + width < text.size()) {
        std::string hex(text.substr(i + 1, width));
        bool ok = hex.size() == width;
        for (char h : hex)
          ok = ok && std::isxdigit(static_cast<unsigned char>(h));
        if (ok) {
          append_utf8(out, std::strtoul(hex.c_str(), nullptr, 16));
          return width + 1;
        }
      }
      break;
    }
    default:
      break;
  }
  out += '\\';
  out += c;
  return 1;
}

class Parser {
 public:
  explicit Parser(const std::vector<JinjaToken>& tokens) : t_(tokens) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  size_t error_offset() const { return error_offset_; }
  size_t pos() const { return i_; }
  void seek(size_t i) { i_ = i; }
  const JinjaToken& peek(size_t ahead = 0) const {
    size_t k = i_ + ahead;
    return k < t_.size() ? t_[k] : t_.back();
  }

  JinjaExpr expression() {
    JinjaExpr first = filtered();
    if (failed() || !is_op("~")) return first;
    JinjaExpr cat;
    cat.kind = JinjaExpr::Kind::kConcat;
    cat.begin = first.begin;
    cat.children.push_back(std::move(first));
    while (!failed() && is_op("~")) {
      ++i_;
      cat.children.push_back(filtered());
    }
    cat.end = cat.children.back().end;
    return cat;
  }

  bool args(std::vector<JinjaExpr>& positional,
            std::vector<std::pair<std::string, JinjaExpr>>& keywords, const char* close) {
    while (!failed() && !is_op(close)) {
      if (peek().kind == JinjaToken::Kind::kName && peek(1).kind == JinjaToken::Kind::kOp &&
          peek(1).text == "=") {
        std::string key = peek().text;
        i_ += 2;
        keywords.emplace_back(std::move(key), expression());
      } else {
        if (!keywords.empty()) {
          fail("positional argument follows keyword argument", peek().offset);
          return false;
        }
        positional.push_back(expression());
      }
      if (failed()) return false;
      if (is_op(",")) {
        ++i_;
        continue;
      }
      if (!is_op(close)) {
        fail_unexpected();
        return false;
      }
    }
    if (failed()) return false;
    ++i_;  // the closing bracket
    return true;
  }

  void fail(std::string message, size_t offset) {
    if (failed()) return;
    error_ = std::move(message);
    error_offset_ = offset;
  }

  void fail_unexpected() {
    const JinjaToken& tok = peek();
    if (tok.kind == JinjaToken::Kind::kEnd) {
      fail("unexpected end of expression", tok.offset);
    } else {
      fail("unexpected '" + tok.text + "'", tok.offset);
    }
  }

 private:
  bool is_op(const char* op) const {
    return peek().kind == JinjaToken::Kind::kOp && peek().text == op;
  }

  JinjaExpr filtered() {
    JinjaExpr e = postfix();
    while (!failed() && is_op("|")) {
      ++i_;
      if (peek().kind != JinjaToken::Kind::kName) {
        fail_unexpected();
        return e;
      }
      JinjaExpr f;
      f.kind = JinjaExpr::Kind::kFilter;
      f.name = peek().text;
      f.begin = e.begin;
      f.end = peek().offset + peek().text.size();
      ++i_;
      if (is_op("(")) {
        ++i_;
        args(f.args, f.kwargs, ")");
        f.end = t_[i_ - 1].offset + 1;
      }
      f.children.push_back(std::move(e));
      e = std::move(f);
    }
    return e;
  }

  JinjaExpr postfix() {
    JinjaExpr e = primary();
    while (!failed()) {
      if (is_op(".")) {
        ++i_;
        if (peek().kind != JinjaToken::Kind::kName && peek().kind != JinjaToken::Kind::kInt) {
          fail_unexpected();
          return e;
        }
        JinjaExpr a;
        a.kind = JinjaExpr::Kind::kAttr;
        a.name = peek().text;
        a.begin = e.begin;
        a.end = peek().offset + peek().text.size();
        ++i_;
        a.children.push_back(std::move(e));
        e = std::move(a);
      } else if (is_op("[")) {
        ++i_;
        JinjaExpr idx;
        idx.kind = JinjaExpr::Kind::kIndex;
        idx.begin = e.begin;
        idx.children.push_back(std::move(e));
        idx.children.push_back(expression());
        if (failed()) return idx;
        if (!is_op("]")) {
          fail_unexpected();
          return idx;
        }
        idx.end = peek().offset + 1;
        ++i_;
        e = std::move(idx);
      } else if (is_op("(")) {
        ++i_;
        JinjaExpr call;
        call.kind = JinjaExpr::Kind::kCall;
        call.begin = e.begin;
        call.children.push_back(std::move(e));
        if (!args(call.args, call.kwargs, ")")) return call;
        call.end = t_[i_ - 1].offset + 1;
        e = std::move(call);
      } else {
        break;
      }
    }
    return e;
  }

  JinjaExpr primary() {
    const JinjaToken& tok = peek();
    JinjaExpr e;
    e.begin = tok.offset;
    e.end = tok.offset + tok.text.size();
    switch (tok.kind) {
      case JinjaToken::Kind::kString: {
        std::string s = tok.text;
        ++i_;
        while (peek().kind == JinjaToken::Kind::kString) {  // implicit concatenation
          s += peek().text;
          e.end = peek().offset + 1;
          ++i_;
        }
        e.value = std::move(s);
        return e;
      }
      case JinjaToken::Kind::kInt:
        e.value = std::strtoll(tok.text.c_str(), nullptr, 10);
        ++i_;
        return e;
      case JinjaToken::Kind::kFloat:
        e.value = std::strtod(tok.text.c_str(), nullptr);
        ++i_;
        return e;
      case JinjaToken::Kind::kName: {
        ++i_;
        const std::string& n = tok.text;
        if (n == "true" || n == "True") {
          e.value = true;
        } else if (n == "false" || n == "False") {
          e.value = false;
        } else if (n == "none" || n == "None") {
          e.value = nullptr;
        } else {
          e.kind = JinjaExpr::Kind::kName;
          e.name = n;
        }
        return e;
      }
      case JinjaToken::Kind::kOp:
        if (tok.text == "-" || tok.text == "+") {
          bool neg = tok.text == "-";
          ++i_;
          const JinjaToken& num = peek();
          if (num.kind == JinjaToken::Kind::kInt) {
            long long v = std::strtoll(num.text.c_str(), nullptr, 10);
            e.value = neg ? -v : v;
          } else if (num.kind == JinjaToken::Kind::kFloat) {
            double v = std::strtod(num.text.c_str(), nullptr);
            e.value = neg ? -v : v;
          } else {
            fail("unsupported operator '" + tok.text + "'", tok.offset);
            return e;
          }
          e.end = num.offset + num.text.size();
          ++i_;
          return e;
        }
        if (tok.text == "(" || tok.text == "[") {
          bool paren = tok.text == "(";
          ++i_;
          std::vector<std::pair<std::string, JinjaExpr>> none;
          e.kind = JinjaExpr::Kind::kList;
          if (paren) {
            // (expr) groups; (a, b) and () are tuples.
            if (is_op(")")) {
              ++i_;
              e.end = t_[i_ - 1].offset + 1;
              return e;
            }
            JinjaExpr first = expression();
            if (failed()) return first;
            if (is_op(")")) {
              ++i_;
              return first;
            }
            e.children.push_back(std::move(first));
            if (!is_op(",")) {
              fail_unexpected();
              return e;
            }
            ++i_;
          }
          args(e.children, none, paren ? ")" : "]");
          if (!none.empty()) fail("unexpected '='", e.begin);
          e.end = t_[i_ - 1].offset + 1;
          return e;
        }
        if (tok.text == "{") {
          ++i_;
          e.kind = JinjaExpr::Kind::kDict;
          while (!failed() && !is_op("}")) {
            JinjaExpr key = expression();
            if (failed()) return e;
            auto k = jinja_literal_value(key);
            if (!k || !k->is_string()) {
              fail("dictionary keys must be string literals", key.begin);
              return e;
            }
            if (!is_op(":")) {
              fail_unexpected();
              return e;
            }
            ++i_;
            e.kwargs.emplace_back(k->get<std::string>(), expression());
            if (is_op(",")) {
              ++i_;
            } else if (!is_op("}")) {
              fail_unexpected();
              return e;
            }
          }
          if (failed()) return e;
          e.end = peek().offset + 1;
          ++i_;
          return e;
        }
        fail_unexpected();
        return e;
      case JinjaToken::Kind::kEnd:
        fail_unexpected();
        return e;
    }
    return e;
  }

  const std::vector<JinjaToken>& t_;
  size_t i_ = 0;
  std::string error_;
  size_t error_offset_ = 0;
};

}  // namespace

std::optional<std::vector<JinjaToken>> tokenize_jinja(std::string_view text, std::string* error,
                                                      size_t* error_offset) {
  std::vector<JinjaToken> out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    JinjaToken tok;
    tok.offset = i;
    if (is_name_start(c)) {
      size_t j = i;
      while (j < text.size() && is_name_char(text[j]))
        ++j;
      tok.kind = JinjaToken::Kind::kName;
      tok.text = std::string(text.substr(i, j - i));
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < text.size() &&
                std::isdigit(static_cast<unsigned char>(text[i + 1])) && !out.empty() &&
                out.back().kind == JinjaToken::Kind::kOp)) {
      size_t j = i;
      bool is_float = false;
      while (j < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '_'))
        ++j;
      if (j + 1 < text.size() && text[j] == '.' &&
          std::isdigit(static_cast<unsigned char>(text[j + 1]))) {
        is_float = true;
        ++j;
        while (j < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '_'))
          ++j;
      }
      if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
        size_t k = j + 1;
        if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
        if (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) {
          is_float = true;
          j = k;
          while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])))
            ++j;
        }
      }
      tok.kind = is_float ? JinjaToken::Kind::kFloat : JinjaToken::Kind::kInt;
      for (size_t k = i; k < j; ++k)
        if (text[k] != '_') tok.text += text[k];
      i = j;
    } else if (c == '\'' || c == '"') {
      size_t j = i + 1;
      std::string value;
      bool closed = false;
      while (j < text.size()) {
        char d = text[j];
        if (d == '\\' && j + 1 < text.size()) {
          j += 1 + decode_escape(text, j + 1, value);
          continue;
        }
        if (d == c) {
          closed = true;
          ++j;
          break;
        }
        value += d;
        ++j;
      }
      if (!closed) {
        if (error) *error = "unterminated string";
        if (error_offset) *error_offset = i;
        return std::nullopt;
      }
      tok.kind = JinjaToken::Kind::kString;
      tok.text = std::move(value);
      i = j;
    } else {
      static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "**", "//"};
      tok.kind = JinjaToken::Kind::kOp;
      tok.text = std::string(1, c);
      for (auto two : kTwo) {
        if (text.substr(i, 2) == two) tok.text = std::string(two);
      }
      i += tok.text.size();
    }
    out.push_back(std::move(tok));
  }
  JinjaToken end;
  end.kind = JinjaToken::Kind::kEnd;
  end.offset = text.size();
  out.push_back(end);
  return out;
}

JinjaParseResult parse_jinja_expression(std::string_view text) {
  JinjaParseResult r;
  auto tokens = tokenize_jinja(text, &r.error, &r.error_offset);
  if (!tokens) return r;
  Parser p(*tokens);
  if (tokens->front().kind == JinjaToken::Kind::kEnd) {
    r.error = "empty expression";
    return r;
  }
  JinjaExpr e = p.expression();
  if (!p.failed() && p.peek().kind != JinjaToken::Kind::kEnd) p.fail_unexpected();
  if (p.failed()) {
    r.error = p.error();
    r.error_offset = p.error_offset();
    return r;
  }
  r.expr = std::move(e);
  return r;
}

std::optional<JinjaCallArgs> parse_jinja_call_args(const std::vector<JinjaToken>& tokens,
                                                   size_t open, size_t* close, std::string* error) {
  Parser p(tokens);
  p.seek(open + 1);
  JinjaCallArgs out;
  if (!p.args(out.args, out.kwargs, ")")) {
    if (error) *error = p.error();
    return std::nullopt;
  }
  if (close) *close = p.pos() - 1;
  return out;
}

std::optional<Json> jinja_literal_value(const JinjaExpr& e) {
  switch (e.kind) {
    case JinjaExpr::Kind::kLiteral:
      return e.value;
    case JinjaExpr::Kind::kList: {
      Json arr = Json::array();
      for (const auto& c : e.children) {
        auto v = jinja_literal_value(c);
        if (!v) return std::nullopt;
        arr.push_back(std::move(*v));
      }
      return arr;
    }
    case JinjaExpr::Kind::kDict: {
      Json obj = Json::object();
      for (const auto& [k, v] : e.kwargs) {
        auto vv = jinja_literal_value(v);
        if (!vv) return std::nullopt;
        obj[k] = std::move(*vv);
      }
      return obj;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace dbtpy::profiles
