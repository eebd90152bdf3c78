#pragma once
// The SQL that carries a compiled model to Snowflake as a Python stored procedure: the
// procedure definition clauses (RUNTIME_VERSION, PACKAGES, IMPORTS,
// EXTERNAL_ACCESS_INTEGRATIONS, SECRETS, HANDLER) and the body as a string constant that is
// valid for ANY model text — dollar-quoted when the text holds no `$$`, otherwise a
// single-quoted literal with Snowflake's escapes (dbt-core#9591 breaks on `$$`). Pure.
#include <string>
#include <string_view>
#include <vector>

namespace dbtpy::codegen::snowflake {

struct ProcedureSpec {
  std::string name;  // SQL form (bare or quoted; qualified for named procedures)
  std::string python_version;
  std::vector<std::string> packages;  // snowflake-snowpark-python already ensured
  std::vector<std::string> imports;
  std::vector<std::string> external_access_integrations;     // SQL identifiers
  std::vector<std::pair<std::string, std::string>> secrets;  // alias -> secret object (SQL)
  std::string body;                                          // the compiled model (model.py)
};

// `$$<body>$$` or `'<escaped body>'`. The constant's value is "\n" + body, so the procedure
// source reads naturally; body line N is line N + 1 of the procedure's code.
std::string body_constant(std::string_view body);

// "(RUN_ID VARCHAR, FULL_REFRESH BOOLEAN)" and the matching "(VARCHAR, BOOLEAN)".
inline constexpr const char* kProcedureArguments = "(RUN_ID VARCHAR, FULL_REFRESH BOOLEAN)";
inline constexpr const char* kProcedureSignature = "(VARCHAR, BOOLEAN)";

// The clauses after the argument list, from RETURNS to the body constant (no trailing
// newline).
std::string procedure_clauses(const ProcedureSpec& spec);

// WITH <name> AS PROCEDURE (...) ... CALL <name>(?, ?)
std::string anonymous_call_statement(const ProcedureSpec& spec);
// CREATE OR REPLACE PROCEDURE <name>(...) ...
std::string create_procedure_statement(const ProcedureSpec& spec);
// CALL <name>(?, ?)
std::string call_statement(std::string_view name);
// DROP PROCEDURE IF EXISTS <name>(VARCHAR, BOOLEAN)
std::string drop_procedure_statement(std::string_view name);

}  // namespace dbtpy::codegen::snowflake
