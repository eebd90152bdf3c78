#include "codegen/snowflake/relation_name.h"

#include <vector>

#include "util/strings.h"

namespace dbtpy::codegen::snowflake {

bool is_bare_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!(alpha(c) || (c >= '0' && c <= '9') || c == '$')) return false;
  return true;
}

std::string Identifier::stored() const {
  if (!quoted) return to_upper(sql);
  std::string inner = sql.substr(1, sql.size() - 2);
  replace_all(inner, "\"\"", "\"");
  return inner;
}

std::string RelationName::sql() const {
  return database.sql + "." + schema.sql + "." + identifier.sql;
}

namespace {
std::string quote(std::string_view inner) {
  std::string s(inner);
  replace_all(s, "\"", "\"\"");
  return "\"" + s + "\"";
}
}  // namespace

Identifier identifier_from_text(std::string_view text) {
  std::string t(trim(text));
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') return {t, true};
  if (is_bare_identifier(t)) return {t, false};
  return {quote(t), true};
}

Identifier with_suffix(const Identifier& id, std::string_view suffix) {
  if (!id.quoted) return {id.sql + std::string(suffix), false};
  std::string inner = id.sql.substr(1, id.sql.size() - 2);
  return {"\"" + inner + std::string(suffix) + "\"", true};
}

std::optional<RelationName> parse_relation(std::string_view s) {
  std::vector<Identifier> parts;
  size_t i = 0;
  while (i <= s.size()) {
    if (i < s.size() && s[i] == '"') {
      size_t j = i + 1;
      while (true) {
        if (j >= s.size()) return std::nullopt;  // unterminated quote
        if (s[j] == '"') {
          if (j + 1 < s.size() && s[j + 1] == '"') {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      parts.push_back({std::string(s.substr(i, j - i + 1)), true});
      i = j + 1;
    } else {
      size_t j = s.find('.', i);
      if (j == std::string_view::npos) j = s.size();
      std::string part(s.substr(i, j - i));
      if (part.empty()) return std::nullopt;
      parts.push_back({part, false});
      i = j;
    }
    if (i == s.size()) break;
    if (s[i] != '.') return std::nullopt;
    ++i;
  }
  if (parts.size() != 3) return std::nullopt;
  return RelationName{parts[0], parts[1], parts[2]};
}

std::string sql_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\'') {
      out += "''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace dbtpy::codegen::snowflake
