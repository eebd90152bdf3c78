#include "codegen/snowflake/procedure_sql.h"

#include "codegen/snowflake/relation_name.h"

namespace dbtpy::codegen::snowflake {

std::string body_constant(std::string_view body) {
  std::string value = "\n" + std::string(body);
  // A dollar-quoted constant ends at the first "$$"; it also cannot end with '$' (the closing
  // delimiter would start one character early).
  if (value.find("$$") == std::string::npos && value.back() != '$') return "$$" + value + "$$";
  return sql_string(value);
}

namespace {
std::string quoted_csv(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += sql_string(i);
  }
  return out;
}
}  // namespace

std::string procedure_clauses(const ProcedureSpec& spec) {
  std::string s;
  s += "RETURNS VARCHAR\n";
  s += "LANGUAGE PYTHON\n";
  s += "RUNTIME_VERSION = " + sql_string(spec.python_version) + "\n";
  s += "PACKAGES = (" + quoted_csv(spec.packages) + ")\n";
  if (!spec.imports.empty()) s += "IMPORTS = (" + quoted_csv(spec.imports) + ")\n";
  if (!spec.external_access_integrations.empty()) {
    s += "EXTERNAL_ACCESS_INTEGRATIONS = (";
    for (size_t i = 0; i < spec.external_access_integrations.size(); ++i)
      s += (i ? ", " : "") + spec.external_access_integrations[i];
    s += ")\n";
  }
  if (!spec.secrets.empty()) {
    s += "SECRETS = (";
    for (size_t i = 0; i < spec.secrets.size(); ++i)
      s += (i ? ", " : "") + sql_string(spec.secrets[i].first) + " = " + spec.secrets[i].second;
    s += ")\n";
  }
  s += "HANDLER = 'main'\n";
  s += "EXECUTE AS CALLER\n";
  s += "AS " + body_constant(spec.body);
  return s;
}

std::string anonymous_call_statement(const ProcedureSpec& spec) {
  return "WITH " + spec.name + " AS PROCEDURE " + kProcedureArguments + "\n" +
         procedure_clauses(spec) + "\n" + call_statement(spec.name);
}

std::string create_procedure_statement(const ProcedureSpec& spec) {
  return "CREATE OR REPLACE PROCEDURE " + spec.name + kProcedureArguments + "\n" +
         procedure_clauses(spec) + "\n";
}

std::string call_statement(std::string_view name) {
  return "CALL " + std::string(name) + "(?, ?)\n";
}

std::string drop_procedure_statement(std::string_view name) {
  return "DROP PROCEDURE IF EXISTS " + std::string(name) + kProcedureSignature + "\n";
}

}  // namespace dbtpy::codegen::snowflake
