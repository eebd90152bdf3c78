#pragma once
// Snowflake identifiers as they appear in a rendered relation (`DB.SCH.ID`, `"db"."Sch"."ID"`)
// and as Snowflake stores them (unquoted names upper-cased, quoted names verbatim), which is
// what INFORMATION_SCHEMA and the SQL API's database/schema/warehouse/role fields expect.
// Value types; pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace dbtpy::codegen::snowflake {

struct Identifier {
  std::string sql;  // as written in SQL: bare, or double-quoted with "" escapes
  bool quoted = false;

  std::string stored() const;  // the name Snowflake stores
};

struct RelationName {
  Identifier database;
  Identifier schema;
  Identifier identifier;

  std::string sql() const;  // db.schema.identifier as written in SQL
};

bool is_bare_identifier(std::string_view s);  // [A-Za-z_][A-Za-z0-9_$]*

// A part of a name given as plain text (profile value, config, IR field): kept bare when it is
// a valid bare identifier or already double-quoted, quoted otherwise.
Identifier identifier_from_text(std::string_view text);

// Appends a suffix to the name (e.g. "__dbt_tmp"), keeping the part quoted if it was.
Identifier with_suffix(const Identifier& id, std::string_view suffix);

// Parses a rendered three-part name; nullopt when it does not have exactly three parts.
std::optional<RelationName> parse_relation(std::string_view rendered);

// SQL single-quoted string literal (backslash and quote escaped as Snowflake requires).
std::string sql_string(std::string_view text);

}  // namespace dbtpy::codegen::snowflake
