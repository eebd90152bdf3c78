#include "compiler/python/literal.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "compiler/python/tokenizer.h"

namespace dbtpy::compiler::python {
namespace {

constexpr const char* kNonLiteral =
    "Non-literal expression found. In dbt python model, `dbt.ref`, `dbt.source`, `dbt.config`, "
    "`dbt.config.get` function args only support Python literal structures (strings, numbers, "
    "booleans, None, lists, dicts, tuples)";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_printable(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp < 0x80) return true;
  if (cp <= 0xA0 || cp == 0xAD) return false;
  if ((cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
      (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF) {
    return cp == 0x2010 || (cp >= 0x2011 && cp <= 0x2027 && cp != 0x2028) ? true : false;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp >= 0xE000 && cp <= 0xF8FF) return false;
  return true;
}

class LiteralParser {
 public:
  LiteralParser(std::string_view src, const TokenVector& toks, uint32_t end, LiteralError& err)
      : src_(src), t_(toks), end_(end), err_(err) {}

  // Parses one value at `i`; on success `i` is the token after it.
  bool value(uint32_t& i, PyValue& out);

 private:
  Tok kind(uint32_t i) const { return i < end_ ? t_[i].kind : Tok::kEndMarker; }
  bool fail(uint32_t tok, std::string message, bool non_literal = true) {
    err_.message = std::move(message);
    err_.tok = tok;
    err_.non_literal = non_literal;
    return false;
  }
  bool number(uint32_t i, bool negative, PyValue& out);
  bool strings(uint32_t& i, PyValue& out);
  bool sequence(uint32_t& i, Tok closer, PyValue& out);
  bool braces(uint32_t& i, PyValue& out);
  // After a value inside a display, the next token must be a delimiter.
  bool delimited(uint32_t start, uint32_t i, Tok closer) {
    Tok k = kind(i);
    if (k == Tok::kComma || k == closer) return true;
    return fail(start, kNonLiteral);
  }

  std::string_view src_;
  const TokenVector& t_;
  uint32_t end_;
  LiteralError& err_;
};

bool LiteralParser::number(uint32_t i, bool negative, PyValue& out) {
  std::string digits;
  std::string_view text = t_[i].text(src_);
  for (char c : text) {
    if (c != '_') digits += c;
  }
  char last = digits.back();
  if (last == 'j' || last == 'J') {
    return fail(i, "Complex numbers are not supported in dbt function calls", false);
  }
  int base = 10;
  size_t skip = 0;
  if (digits.size() > 1 && digits[0] == '0') {
    char x = digits[1];
    if (x == 'x' || x == 'X') base = 16;
    if (x == 'o' || x == 'O') base = 8;
    if (x == 'b' || x == 'B') base = 2;
    if (base != 10) skip = 2;
  }
  bool is_float = base == 10 && digits.find_first_of(".eE") != std::string::npos;
  if (is_float) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    bool underflow = false;
    if (ec == std::errc::result_out_of_range) {
      // Tell underflow (Python gives 0.0) from overflow (inf, which JSON cannot hold) by the
      // decimal magnitude: integer digits of the mantissa plus the exponent.
      size_t e = digits.find_first_of("eE");
      std::string_view mantissa = std::string_view(digits).substr(0, e);
      long exponent = e == std::string::npos ? 0 : std::strtol(digits.c_str() + e + 1, nullptr, 10);
      size_t first = mantissa.find_first_not_of("0.");
      size_t dot = mantissa.find('.');
      if (dot == std::string_view::npos) dot = mantissa.size();
      long magnitude = first == std::string_view::npos ? -1000000
                       : first < dot                   ? static_cast<long>(dot - first)
                                                       : -static_cast<long>(first - dot - 1);
      underflow = magnitude + exponent <= 0;
    }
    if (underflow) {
      v = 0;  // Python rounds to 0.0
    } else if (ec != std::errc() || ptr != digits.data() + digits.size() || std::isinf(v)) {
      return fail(i, fmt::format("Float literal {} is out of range", text), false);
    }
    out.type = PyValue::Type::kFloat;
    out.real = negative ? -v : v;
    return true;
  }
  uint64_t mag = 0;
  const uint64_t limit = static_cast<uint64_t>(INT64_MAX) + 1;  // 2**63: -2**63 fits
  for (size_t k = skip; k < digits.size(); ++k) {
    uint64_t d = static_cast<uint64_t>(hex_value(digits[k]));
    if (mag > (limit - d) / static_cast<uint64_t>(base)) {
      mag = limit + 1;  // too large
      break;
    }
    mag = mag * static_cast<uint64_t>(base) + d;
  }
  if (mag > limit || (mag == limit && !negative)) {
    return fail(i, fmt::format("Integer too large: {} does not fit in a 64-bit integer", text),
                false);
  }
  out.type = PyValue::Type::kInt;
  if (negative) {
    out.integer = mag == limit ? INT64_MIN : -static_cast<int64_t>(mag);
  } else {
    out.integer = static_cast<int64_t>(mag);
  }
  return true;
}

bool LiteralParser::strings(uint32_t& i, PyValue& out) {
  uint32_t start = i;
  bool any_bytes = false;
  if (kind(i) == Tok::kString && kind(i + 1) != Tok::kString && kind(i + 1) != Tok::kFStringStart) {
    // One literal, the common case: decoded straight into the value.
    std::string error;
    if (!decode_string_token(t_[i].text(src_), out.text, any_bytes, error)) {
      return fail(i, error, false);
    }
    out.type = any_bytes ? PyValue::Type::kBytes : PyValue::Type::kStr;
    ++i;
    return true;
  }
  std::string joined;
  while (kind(i) == Tok::kString || kind(i) == Tok::kFStringStart) {
    if (kind(i) == Tok::kFStringStart) {
      return fail(i, "F-strings are not supported in dbt function calls");
    }
    std::string piece, error;
    bool bytes = false;
    if (!decode_string_token(t_[i].text(src_), piece, bytes, error)) {
      return fail(i, error, false);
    }
    any_bytes = bytes;
    joined += piece;
    ++i;
  }
  (void)start;
  out.type = any_bytes ? PyValue::Type::kBytes : PyValue::Type::kStr;
  out.text = std::move(joined);
  return true;
}

bool LiteralParser::sequence(uint32_t& i, Tok closer, PyValue& out) {
  ++i;  // opener
  while (kind(i) != closer) {
    PyValue item;
    uint32_t start = i;
    if (!value(i, item)) return false;
    if (!delimited(start, i, closer)) return false;
    out.items.push_back(std::move(item));
    if (kind(i) == Tok::kComma) ++i;
  }
  ++i;  // closer
  return true;
}

bool LiteralParser::braces(uint32_t& i, PyValue& out) {
  ++i;  // {
  out.type = PyValue::Type::kDict;
  bool decided = false;
  while (kind(i) != Tok::kRBrace) {
    if (kind(i) == Tok::kDoubleStar) {
      return fail(i, "Dictionary unpacking (**dict) is not supported");
    }
    PyValue key;
    uint32_t start = i;
    if (!value(i, key)) return false;
    if (kind(i) == Tok::kColon && (!decided || out.type == PyValue::Type::kDict)) {
      decided = true;
      ++i;
      PyValue v;
      uint32_t vstart = i;
      if (!value(i, v)) return false;
      if (!delimited(vstart, i, Tok::kRBrace)) return false;
      if (key.type == PyValue::Type::kList || key.type == PyValue::Type::kDict ||
          key.type == PyValue::Type::kSet) {
        return fail(start, fmt::format("unhashable type: '{}'", python_type_name(key)));
      }
      out.items.push_back(std::move(key));
      out.items.push_back(std::move(v));
    } else {
      if (!delimited(start, i, Tok::kRBrace)) return false;
      decided = true;
      out.type = PyValue::Type::kSet;
      out.items.push_back(std::move(key));
    }
    if (kind(i) == Tok::kComma) ++i;
  }
  ++i;
  return true;
}

bool LiteralParser::value(uint32_t& i, PyValue& out) {
  const uint32_t start = i;
  switch (kind(i)) {
    case Tok::kMinus:
    case Tok::kPlus: {
      bool negative = kind(i) == Tok::kMinus;
      ++i;
      // The operand may be parenthesized: `-(1)` is still UnaryOp(Constant).
      int parens = 0;
      while (kind(i) == Tok::kLPar) {
        ++parens;
        ++i;
      }
      if (kind(i) != Tok::kNumber) {
        return fail(start, negative ? "Unary minus only works on numbers"
                                    : "Unary plus only works on numbers");
      }
      if (!number(i, negative, out)) return false;
      ++i;
      for (; parens > 0; --parens) {
        if (kind(i) != Tok::kRPar) return fail(start, kNonLiteral);
        ++i;
      }
      return true;
    }
    case Tok::kTilde:
    case Tok::kNot:
      return fail(start, "Only unary + and - are supported");
    case Tok::kNumber:
      if (!number(i, false, out)) return false;
      ++i;
      return true;
    case Tok::kString:
    case Tok::kFStringStart:
      return strings(i, out);
    case Tok::kTrue:
    case Tok::kFalse:
      out.type = PyValue::Type::kBool;
      out.boolean = kind(i) == Tok::kTrue;
      ++i;
      return true;
    case Tok::kNone:
      out.type = PyValue::Type::kNone;
      ++i;
      return true;
    case Tok::kLSqb:
      out.type = PyValue::Type::kList;
      return sequence(i, Tok::kRSqb, out);
    case Tok::kLBrace:
      return braces(i, out);
    case Tok::kLPar: {
      // `()` empty tuple, `(v)` grouping, `(v,)` / `(a, b)` tuple.
      ++i;
      if (kind(i) == Tok::kRPar) {
        ++i;
        out.type = PyValue::Type::kTuple;
        return true;
      }
      PyValue first;
      uint32_t fstart = i;
      if (!value(i, first)) return false;
      if (kind(i) == Tok::kRPar) {
        ++i;
        out = std::move(first);
        return true;
      }
      if (kind(i) != Tok::kComma) return fail(fstart, kNonLiteral);
      out.type = PyValue::Type::kTuple;
      out.items.push_back(std::move(first));
      ++i;
      while (kind(i) != Tok::kRPar) {
        PyValue item;
        uint32_t s = i;
        if (!value(i, item)) return false;
        if (!delimited(s, i, Tok::kRPar)) return false;
        out.items.push_back(std::move(item));
        if (kind(i) == Tok::kComma) ++i;
      }
      ++i;
      return true;
    }
    default:
      return fail(start, kNonLiteral);
  }
}

void repr_text(std::string& out, std::string_view s, bool bytes) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char q = has_single && !has_double ? '"' : '\'';
  if (bytes) out += 'b';
  out += q;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp = c;
    size_t len = 1;
    if (c >= 0x80 && !bytes) {
      int l = decode_utf8(s, i, cp);
      len = l > 0 ? static_cast<size_t>(l) : 1;
    }
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == static_cast<char32_t>(q)) {
      out += '\\';
      out += q;
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (bytes ? (cp < 0x20 || cp >= 0x7F) : !is_printable(cp)) {
      if (cp < 0x100) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
      } else if (cp < 0x10000) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
      } else {
        out += fmt::format("\\U{:08x}", static_cast<unsigned>(cp));
      }
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += q;
}

std::string float_repr(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp10);
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
  int decpt = exp10 + 1;  // value = 0.DIGITS * 10^decpt
  std::string out = negative ? "-" : "";
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    int x = decpt - 1;
    out += fmt::format("e{}{:02d}", x < 0 ? '-' : '+', x < 0 ? -x : x);
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(decpt) - digits.size(), '0');
    out += ".0";
  } else {
    out += digits.substr(0, static_cast<size_t>(decpt));
    out += '.';
    out += digits.substr(static_cast<size_t>(decpt));
  }
  return out;
}

}  // namespace

bool decode_string_token(std::string_view text, std::string& out, bool& is_bytes,
                         std::string& error) {
  size_t k = 0;
  bool raw = false;
  is_bytes = false;
  while (k < text.size() && text[k] != '\'' && text[k] != '"') {
    char c = text[k];
    if (c == 'r' || c == 'R') raw = true;
    if (c == 'b' || c == 'B') is_bytes = true;
    ++k;
  }
  const char q = text[k];
  size_t qlen = (text.size() >= k + 6 && text[k + 1] == q && text[k + 2] == q) ? 3 : 1;
  std::string_view body = text.substr(k + qlen, text.size() - k - 2 * qlen);
  bool plain = true;  // no escape and no carriage return: nothing to decode
  for (char c : body) {
    if (c == '\\' || c == '\r') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out.assign(body);
    return true;
  }
  out.clear();
  out.reserve(body.size());
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == '\r') {  // the tokenizer's newline normalization
      out += '\n';
      i += (i + 1 < body.size() && body[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      ++i;
      continue;
    }
    char e = body[i + 1];
    if (raw) {
      // Raw strings keep the backslash; only the newline after it is normalized.
      out += '\\';
      ++i;
      continue;
    }
    i += 2;
    switch (e) {
      case '\n':
        break;
      case '\r':
        if (i < body.size() && body[i] == '\n') ++i;
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        unsigned v = static_cast<unsigned>(e - '0');
        for (int n = 0; n < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++n, ++i) {
          v = v * 8 + static_cast<unsigned>(body[i] - '0');
        }
        if (is_bytes) {
          out += static_cast<char>(v & 0xFF);
        } else {
          append_utf8(out, v);
        }
        break;
      }
      case 'x': {
        if (i + 2 > body.size() || hex_value(body[i]) < 0 || hex_value(body[i + 1]) < 0) {
          error = "(unicode error) truncated \\xXX escape";
          return false;
        }
        unsigned v = static_cast<unsigned>(hex_value(body[i]) * 16 + hex_value(body[i + 1]));
        i += 2;
        if (is_bytes) {
          out += static_cast<char>(v);
        } else {
          append_utf8(out, v);
        }
        break;
      }
      case 'u':
      case 'U': {
        if (is_bytes) {
          out += '\\';
          out += e;
          break;
        }
        size_t n = e == 'u' ? 4 : 8;
        if (i + n > body.size()) {
          error = fmt::format("(unicode error) truncated \\{}{} escape", e, std::string(n, 'X'));
          return false;
        }
        uint32_t v = 0;
        for (size_t d = 0; d < n; ++d) {
          int h = hex_value(body[i + d]);
          if (h < 0) {
            error = fmt::format("(unicode error) truncated \\{}{} escape", e, std::string(n, 'X'));
            return false;
          }
          v = v * 16 + static_cast<uint32_t>(h);
        }
        i += n;
        if (v > 0x10FFFF) {
          error = "(unicode error) illegal Unicode character";
          return false;
        }
        if (v >= 0xD800 && v <= 0xDFFF) {
          error = fmt::format(
              "lone surrogate \\{}{:0{}x} cannot be represented in UTF-8 (dbt's files are "
              "UTF-8)",
              e, v, n);
          return false;
        }
        append_utf8(out, v);
        break;
      }
      case 'N':
        if (!is_bytes) {
          error =
              "\\N{...} escapes (Unicode character names) are not supported by dbtpy in dbt.* "
              "call arguments";
          return false;
        }
        out += "\\N";
        break;
      default:
        // Unknown escape: Python keeps the backslash (with a warning).
        out += '\\';
        out += e;
        break;
    }
  }
  return true;
}

bool eval_literal(std::string_view source, const TokenVector& tokens, uint32_t begin, uint32_t end,
                  PyValue& out, LiteralError& error) {
  LiteralParser parser(source, tokens, end, error);
  uint32_t i = begin;
  if (!parser.value(i, out)) return false;
  if (i != end) {
    error.message = kNonLiteral;
    error.tok = begin;
    error.non_literal = true;
    return false;
  }
  return true;
}

const char* python_type_name(const PyValue& v) {
  switch (v.type) {
    case PyValue::Type::kNone:
      return "NoneType";
    case PyValue::Type::kBool:
      return "bool";
    case PyValue::Type::kInt:
      return "int";
    case PyValue::Type::kFloat:
      return "float";
    case PyValue::Type::kStr:
      return "str";
    case PyValue::Type::kBytes:
      return "bytes";
    case PyValue::Type::kList:
      return "list";
    case PyValue::Type::kTuple:
      return "tuple";
    case PyValue::Type::kSet:
      return "set";
    case PyValue::Type::kDict:
      return "dict";
  }
  return "object";
}

std::string python_repr(const PyValue& v) {
  std::string out;
  switch (v.type) {
    case PyValue::Type::kNone:
      return "None";
    case PyValue::Type::kBool:
      return v.boolean ? "True" : "False";
    case PyValue::Type::kInt:
      return std::to_string(v.integer);
    case PyValue::Type::kFloat:
      return float_repr(v.real);
    case PyValue::Type::kStr:
      repr_text(out, v.text, false);
      return out;
    case PyValue::Type::kBytes:
      repr_text(out, v.text, true);
      return out;
    case PyValue::Type::kList:
    case PyValue::Type::kTuple:
    case PyValue::Type::kSet: {
      if (v.type == PyValue::Type::kSet && v.items.empty()) return "set()";
      char open = v.type == PyValue::Type::kList ? '[' : v.type == PyValue::Type::kSet ? '{' : '(';
      char close = v.type == PyValue::Type::kList ? ']' : v.type == PyValue::Type::kSet ? '}' : ')';
      out += open;
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ", ";
        out += python_repr(v.items[i]);
      }
      if (v.type == PyValue::Type::kTuple && v.items.size() == 1) out += ',';
      out += close;
      return out;
    }
    case PyValue::Type::kDict:
      out += '{';
      for (size_t i = 0; i + 1 < v.items.size(); i += 2) {
        if (i) out += ", ";
        out += python_repr(v.items[i]);
        out += ": ";
        out += python_repr(v.items[i + 1]);
      }
      out += '}';
      return out;
  }
  return out;
}

std::string python_str(const PyValue& v) {
  if (v.type == PyValue::Type::kStr) return v.text;
  return python_repr(v);
}

Json to_json(const PyValue& v) {
  switch (v.type) {
    case PyValue::Type::kNone:
      return nullptr;
    case PyValue::Type::kBool:
      return v.boolean;
    case PyValue::Type::kInt:
      return v.integer;
    case PyValue::Type::kFloat:
      return v.real;
    case PyValue::Type::kStr:
      return v.text;
    case PyValue::Type::kBytes: {
      bool valid = true;
      for (size_t i = 0; i < v.text.size();) {
        unsigned char c = static_cast<unsigned char>(v.text[i]);
        if (c < 0x80) {
          ++i;
          continue;
        }
        char32_t cp;
        int l = decode_utf8(v.text, i, cp);
        if (l == 0) {
          valid = false;
          break;
        }
        i += static_cast<size_t>(l);
      }
      if (valid) return v.text;
      std::string latin1;
      for (char c : v.text)
        append_utf8(latin1, static_cast<unsigned char>(c));
      return latin1;
    }
    case PyValue::Type::kList:
    case PyValue::Type::kTuple:
    case PyValue::Type::kSet: {
      Json arr = Json::array();
      arr.get_ref<Json::array_t&>().reserve(v.items.size());
      for (const auto& item : v.items)
        arr.push_back(to_json(item));
      return arr;
    }
    case PyValue::Type::kDict: {
      Json obj = Json::object();
      for (size_t i = 0; i + 1 < v.items.size(); i += 2) {
        obj[python_str(v.items[i])] = to_json(v.items[i + 1]);
      }
      return obj;
    }
  }
  return nullptr;
}

}  // namespace dbtpy::compiler::python
