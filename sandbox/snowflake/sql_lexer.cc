#include "sandbox/snowflake/sql_lexer.h"

#include <cctype>

#include "util/strings.h"

namespace dbtpy::sandbox::snowflake {
namespace {

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string unescape_string(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\'' && i + 1 < body.size() && body[i + 1] == '\'') {
      out += '\'';
      ++i;
      continue;
    }
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      continue;
    }
    char e = body[++i];
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
        if (i + 2 < body.size() && std::isdigit(static_cast<unsigned char>(body[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(body[i + 2]))) {
          out += static_cast<char>(std::stoi(std::string(body.substr(i, 3)), nullptr, 8));
          i += 2;
        } else {
          out += '\0';
        }
        break;
      case 'x':
        if (i + 2 < body.size() && std::isxdigit(static_cast<unsigned char>(body[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(body[i + 2]))) {
          out += static_cast<char>(std::stoi(std::string(body.substr(i + 1, 2)), nullptr, 16));
          i += 2;
        } else {
          out += 'x';
        }
        break;
      case 'u':
        if (i + 4 < body.size()) {
          bool ok = true;
          for (size_t k = 1; k <= 4; ++k) {
            ok = ok && std::isxdigit(static_cast<unsigned char>(body[i + k]));
          }
          if (ok) {
            append_utf8(out, static_cast<unsigned>(
                                 std::stoul(std::string(body.substr(i + 1, 4)), nullptr, 16)));
            i += 4;
            break;
          }
        }
        out += 'u';
        break;
      default:
        if (e >= '1' && e <= '7' && i + 2 < body.size() &&
            std::isdigit(static_cast<unsigned char>(body[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(body[i + 2]))) {
          out += static_cast<char>(std::stoi(std::string(body.substr(i, 3)), nullptr, 8));
          i += 2;
        } else {
          out += e;  // \' \" \\ and any other character stand for themselves
        }
    }
  }
  return out;
}

LexResult lex(std::string_view sql) {
  LexResult r;
  size_t i = 0;
  int line = 1;
  size_t line_start = 0;
  auto advance_to = [&](size_t to) {
    for (; i < to && i < sql.size(); ++i) {
      if (sql[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      advance_to(i + 1);
      continue;
    }
    if ((c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') ||
        (c == '/' && i + 1 < sql.size() && sql[i + 1] == '/')) {
      size_t eol = sql.find('\n', i);
      advance_to(eol == std::string_view::npos ? sql.size() : eol);
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) {
        r.error = LexError{"unterminated comment", line, static_cast<int>(i - line_start)};
        break;
      }
      advance_to(end + 2);
      continue;
    }
    Token t;
    t.offset = i;
    t.line = line;
    t.column = static_cast<int>(i - line_start);
    if (c == '$' && i + 1 < sql.size() && sql[i + 1] == '$') {
      size_t end = sql.find("$$", i + 2);
      if (end == std::string_view::npos) {
        r.error = LexError{"unterminated $$ string", line, t.column};
        break;
      }
      t.kind = TokenKind::kString;
      t.text = std::string(sql.substr(i, end + 2 - i));
      t.value = std::string(sql.substr(i + 2, end - i - 2));
      advance_to(end + 2);
    } else if (c == '\'') {
      size_t j = i + 1;
      bool closed = false;
      while (j < sql.size()) {
        if (sql[j] == '\\') {
          j += 2;
          continue;
        }
        if (sql[j] == '\'') {
          if (j + 1 < sql.size() && sql[j + 1] == '\'') {
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        ++j;
      }
      if (!closed) {
        r.error = LexError{"unterminated string literal", line, t.column};
        break;
      }
      t.kind = TokenKind::kString;
      t.text = std::string(sql.substr(i, j + 1 - i));
      t.value = unescape_string(sql.substr(i + 1, j - i - 1));
      advance_to(j + 1);
    } else if (c == '"') {
      size_t j = i + 1;
      std::string v;
      bool closed = false;
      while (j < sql.size()) {
        if (sql[j] == '"') {
          if (j + 1 < sql.size() && sql[j + 1] == '"') {
            v += '"';
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        v += sql[j++];
      }
      if (!closed) {
        r.error = LexError{"unterminated quoted identifier", line, t.column};
        break;
      }
      t.kind = TokenKind::kQuotedIdent;
      t.text = std::string(sql.substr(i, j + 1 - i));
      t.value = v;
      advance_to(j + 1);
    } else if (ident_start(c)) {
      size_t j = i;
      while (j < sql.size() && ident_char(sql[j]))
        ++j;
      t.kind = TokenKind::kWord;
      t.text = std::string(sql.substr(i, j - i));
      t.value = to_upper(t.text);
      advance_to(j);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < sql.size() &&
                std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      size_t j = i;
      while (j < sql.size() &&
             (std::isdigit(static_cast<unsigned char>(sql[j])) || sql[j] == '.')) {
        ++j;
      }
      if (j < sql.size() && (sql[j] == 'e' || sql[j] == 'E')) {
        size_t k = j + 1;
        if (k < sql.size() && (sql[k] == '+' || sql[k] == '-')) ++k;
        if (k < sql.size() && std::isdigit(static_cast<unsigned char>(sql[k]))) {
          j = k;
          while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])))
            ++j;
        }
      }
      t.kind = TokenKind::kNumber;
      t.text = t.value = std::string(sql.substr(i, j - i));
      advance_to(j);
    } else if (c == '?') {
      t.kind = TokenKind::kBind;
      t.text = t.value = "?";
      advance_to(i + 1);
    } else if (c == ':' && i + 1 < sql.size() &&
               (ident_start(sql[i + 1]) || std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      size_t j = i + 1;
      while (j < sql.size() && ident_char(sql[j]))
        ++j;
      t.kind = TokenKind::kBind;
      t.text = std::string(sql.substr(i, j - i));
      t.value = to_upper(sql.substr(i + 1, j - i - 1));
      advance_to(j);
    } else {
      static const char* const kTwo[] = {":=", "=>", "<=", ">=", "<>", "!=", "||", "::"};
      t.kind = TokenKind::kPunct;
      t.text = std::string(1, c);
      for (const char* two : kTwo) {
        if (sql.substr(i, 2) == two) t.text = two;
      }
      t.value = t.text;
      advance_to(i + t.text.size());
    }
    r.tokens.push_back(std::move(t));
  }
  Token end;
  end.kind = TokenKind::kEnd;
  end.offset = sql.size();
  end.line = line;
  end.column = static_cast<int>(sql.size() - line_start);
  r.tokens.push_back(end);
  return r;
}

std::vector<std::string> split_statements(std::string_view sql) {
  LexResult lr = lex(sql);
  std::vector<std::string> out;
  if (lr.error) {
    std::string whole(trim(sql));
    if (!whole.empty()) out.push_back(whole);
    return out;
  }
  const auto& tk = lr.tokens;
  size_t start_tok = 0;
  int depth = 0;
  bool in_declare = false;
  auto cut = [&](size_t end_offset, size_t next_tok) {
    std::string piece(trim(sql.substr(tk[start_tok].offset, end_offset - tk[start_tok].offset)));
    if (!piece.empty()) out.push_back(piece);
    start_tok = next_tok;
    depth = 0;
    in_declare = false;
  };
  for (size_t i = 0; i < tk.size(); ++i) {
    const Token& t = tk[i];
    if (t.kind == TokenKind::kEnd) {
      if (start_tok < i) cut(t.offset, i);
      break;
    }
    bool first = i == start_tok;
    if (t.kind == TokenKind::kWord) {
      const std::string& w = t.value;
      if (first && w == "DECLARE") in_declare = true;
      if (w == "BEGIN") {
        // BEGIN [TRANSACTION|WORK|NAME]; is a statement, not a block.
        const Token& n = tk[i + 1];
        bool txn = n.kind == TokenKind::kPunct ? n.value == ";"
                   : n.kind == TokenKind::kEnd
                       ? true
                       : (n.value == "TRANSACTION" || n.value == "WORK" || n.value == "NAME");
        if (!txn) {
          ++depth;
          in_declare = false;
        }
      } else if (w == "CASE") {
        ++depth;
      } else if (w == "END" && depth > 0) {
        const Token& n = tk[i + 1];
        bool block_kw = n.kind == TokenKind::kWord &&
                        (n.value == "IF" || n.value == "FOR" || n.value == "LOOP" ||
                         n.value == "WHILE" || n.value == "REPEAT");
        if (!block_kw) --depth;
      }
    }
    if (t.kind == TokenKind::kPunct && t.value == ";" && depth == 0 && !in_declare) {
      cut(t.offset, i + 1);
    }
  }
  return out;
}

}  // namespace dbtpy::sandbox::snowflake
