#pragma once
// The parsed form of the Snowflake SQL subset the sandbox executes (documented in
// sandbox/README.md): SELECT of literals / context functions / GENERATOR rows /
// INFORMATION_SCHEMA.TABLES lookups, SHOW TABLES, CREATE/DROP/CALL PROCEDURE, anonymous
// WITH ... AS PROCEDURE ... CALL, and Snowflake Scripting blocks (DECLARE/BEGIN/LET/CALL INTO/
// RETURN) as EXECUTE IMMEDIATE runs them. Plain value types.
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dbtpy::sandbox::snowflake {

struct Expr {
  enum class Kind { kNumber, kString, kBool, kNull, kBind, kVariable, kFunction, kColumn, kStar };
  Kind kind = Kind::kNull;
  std::string value;       // literal value, bind/variable/function/column name (upper-cased)
  std::vector<Expr> args;  // function arguments
  std::string text;        // as written, for column headers
  int line = 1;
  int column = 0;
};

struct QualifiedName {
  std::vector<std::string> parts;  // unquoted parts upper-cased; quoted kept verbatim
  std::string text;                // as written
};

struct SelectItem {
  Expr expr;
  std::string name;  // alias or the expression's text, upper-cased as Snowflake names columns
};

struct SelectStmt {
  std::vector<SelectItem> items;
  enum class From { kNone, kGenerator, kTables } from = From::kNone;
  long long generator_rows = 0;
  std::string tables_database;  // INFORMATION_SCHEMA's database ("" = the session's)
  std::vector<std::pair<std::string, Expr>> where_equals;  // column = value, AND-ed
  std::optional<long long> limit;
};

struct ShowTablesStmt {
  std::optional<std::string> like;  // pattern with % and _
  std::vector<std::string> scope;   // [db] or [db, schema]; empty = session schema
  bool scope_is_database = false;
};

struct ProcArg {
  std::string name;
  std::string type;
};

struct ProcDef {
  QualifiedName name;
  std::vector<ProcArg> args;
  std::string returns;
  std::string language;  // upper-cased; "" when absent
  std::string runtime_version;
  std::string handler;
  std::vector<std::string> packages;
  std::string body;
  int body_line = 1;  // line of the body's first character in the request
  bool or_replace = false;
  bool if_not_exists = false;
};

struct CallStmt {
  QualifiedName name;
  std::vector<Expr> args;
  std::string into_variable;  // CALL ... INTO :v (scripting)
};

struct CreateProcStmt {
  ProcDef proc;
};

struct DropProcStmt {
  QualifiedName name;
  bool if_exists = false;
  std::vector<std::string> arg_types;
};

struct WithProcCallStmt {
  ProcDef proc;  // anonymous procedure, exists for this statement only
  CallStmt call;
};

struct LetStmt {
  std::string variable;
  std::optional<Expr> value;  // nullopt: declaration without a value
};

struct ReturnStmt {
  std::optional<Expr> value;
};

struct Statement;

struct BlockStmt {
  std::vector<LetStmt> declarations;
  std::vector<Statement> body;
};

struct Statement {
  std::variant<SelectStmt, ShowTablesStmt, CreateProcStmt, DropProcStmt, CallStmt, WithProcCallStmt,
               BlockStmt, LetStmt, ReturnStmt>
      node;
  std::string text;  // the statement as written
};

// A failure in Snowflake's terms: error code, SQL state and message.
struct SqlError {
  std::string code;
  std::string sql_state;
  std::string message;
};

}  // namespace dbtpy::sandbox::snowflake
