#pragma once
// Parses one Snowflake statement (see sql_ast.h for the subset). Anything outside the subset
// is reported the way Snowflake reports it: "SQL compilation error: syntax error line L at
// position P unexpected 'X'." (001003 / 42000). Pure functions; thread-safe.
#include <string_view>
#include <variant>

#include "sandbox/snowflake/sql_ast.h"

namespace dbtpy::sandbox::snowflake {

using ParseResult = std::variant<Statement, SqlError>;

ParseResult parse_statement(std::string_view text);

// Snowflake's error for unparseable text at a position.
SqlError syntax_error(int line, int column, const std::string& near);

}  // namespace dbtpy::sandbox::snowflake
