#include "codegen/snowflake/snowflake_codegen.h"

#include <regex>

#include "codegen/common/compiled_model.h"
#include "codegen/common/config_reader.h"
#include "codegen/common/dbt_context.h"
#include "codegen/common/materialization.h"
#include "codegen/common/metadata_line.h"
#include "codegen/common/model_source.h"
#include "codegen/placeholders.h"
#include "codegen/snowflake/procedure_sql.h"
#include "codegen/snowflake/relation_name.h"
#include "codegen/snowflake/snowpark_driver.h"
#include "util/strings.h"

namespace dbtpy::codegen::snowflake {

namespace {

// Snowflake statements beyond this size risk being rejected (the SQL text limit).
constexpr size_t kStatementSizeWarning = 1024 * 1024;

RelationName relation_of(const compiler::ModelIR& m) {
  if (auto parsed = parse_relation(m.relation.rendered)) return *parsed;
  return {identifier_from_text(m.relation.database), identifier_from_text(m.relation.schema),
          identifier_from_text(m.relation.identifier)};
}

// The package's distribution name: what precedes a version specifier, extras or markers.
std::string package_name(std::string_view spec) {
  size_t end = spec.find_first_of("=<>!~[; ");
  return to_lower(trim(spec.substr(0, end)));
}

std::vector<std::string> packages(ConfigReader& cfg) {
  std::vector<std::string> out = cfg.string_list("packages");
  bool has_snowpark = false;
  for (const auto& p : out)
    has_snowpark = has_snowpark || package_name(p) == "snowflake-snowpark-python";
  if (!has_snowpark) out.push_back("snowflake-snowpark-python");
  return out;
}

// An object name for a clause that takes identifiers (integrations, secrets): bare or
// quoted identifiers, possibly qualified. Anything else could break out of the clause.
std::string object_name(ConfigReader& cfg, std::string_view key, const std::string& name) {
  static const std::regex kName(
      R"re(^\s*((?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")(?:\.(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")){0,2})\s*$)re");
  std::smatch match;
  if (!std::regex_match(name, match, kName))
    cfg.fail("DBTPY316", key,
             "'" + name + "' in " + std::string(key) + " is not a Snowflake object name",
             "write the name as an identifier, e.g. my_integration or \"My Integration\"");
  return match[1].str();
}

std::string stored_or_text(const std::string& text) {
  return identifier_from_text(text).stored();
}

Json settings_json(const compiler::ModelIR& model, const RelationName& rel,
                   const Identifier& staging, const Materialization& mat,
                   const std::string& table_type) {
  Json s = Json::object();
  s["unique_id"] = model.unique_id;
  s["materialized"] = mat.materialized;
  s["target"] = rel.sql();
  s["staging"] = rel.database.sql + "." + rel.schema.sql + "." + staging.sql;
  s["database"] = rel.database.sql;
  s["schema_name"] = rel.database.sql + "." + rel.schema.sql;
  s["schema"] = rel.schema.sql;
  s["table_type"] = table_type;
  s["exists_query"] =
      "select table_type from " + rel.database.sql +
      ".information_schema.tables where table_schema = " + sql_string(rel.schema.stored()) +
      " and table_name = " + sql_string(rel.identifier.stored());
  s["strategy"] = mat.incremental() ? mat.strategy : "";
  s["unique_key"] = mat.unique_key;
  s["merge_update_columns"] = mat.merge_update_columns;
  s["merge_exclude_columns"] = mat.merge_exclude_columns;
  s["incremental_predicates"] = mat.predicates;
  s["on_schema_change"] = mat.on_schema_change;
  return s;
}

}  // namespace

Payload generate(const CodegenInput& in) {
  const compiler::ModelIR& model = *in.model;
  ConfigReader cfg(model, in.source, *in.target);
  ModelSource src = prepare_model_source(in.source, cfg);
  require_model_function(cfg, src);

  StrategyRules rules;
  rules.allowed = {"merge", "append", "delete+insert", "insert_overwrite"};
  rules.default_strategy = "merge";
  rules.rejected = {{"microbatch",
                     "microbatch needs event-time batches, which dbtpy does not "
                     "run for Python models"}};
  Materialization mat = read_materialization(cfg, rules);

  if (auto fmt = cfg.string("table_format"); fmt && to_lower(*fmt) == "iceberg")
    cfg.fail("DBTPY322", "table_format",
             "Iceberg tables cannot be written by Python models on Snowflake (as in dbt)",
             "remove table_format: iceberg, or write this model in SQL");
  if (auto t = cfg.string("tmp_relation_type"); t && *t != "table")
    cfg.fail(
        "DBTPY320", "tmp_relation_type",
        "Python models only support 'table' for tmp_relation_type, but '" + *t + "' was specified",
        "remove tmp_relation_type or set it to 'table'");

  std::string python_version = cfg.string("python_version").value_or("3.11");
  static const std::regex kPythonVersion(R"(^3\.\d{1,2}$)");
  if (!std::regex_match(python_version, kPythonVersion))
    cfg.fail("DBTPY321", "python_version",
             "python_version '" + python_version + "' is not a Python version Snowflake accepts",
             "use a version such as '3.11' (Snowflake's supported RUNTIME_VERSION values)");

  // dbt-snowflake: transient unless `transient: false` (an explicit null also means permanent).
  std::string table_type = "transient";
  const Json& values = cfg.values();
  if (const Json* raw =
          values.is_object() && values.contains("transient") ? &values["transient"] : nullptr) {
    if (raw->is_null()) {
      table_type = "";
    } else if (auto t = cfg.boolean("transient"); t && !*t) {
      table_type = "";
    }
  }

  RelationName rel = relation_of(model);
  Identifier staging = with_suffix(rel.identifier, "__dbt_tmp");
  bool anonymous = cfg.boolean("use_anonymous_sproc").value_or(true);
  Identifier proc_id = with_suffix(rel.identifier, "__dbt_sp");
  std::string proc_name =
      anonymous ? proc_id.sql : rel.database.sql + "." + rel.schema.sql + "." + proc_id.sql;

  // The compiled model: metadata, user code, dbt context, Snowpark driver.
  Json meta = Json::object();
  meta["platform"] = "snowflake";
  meta["relation"] = model.relation.rendered;
  meta["unique_id"] = model.unique_id;
  mat.add_metadata(meta);
  if (mat.incremental())
    meta["staging_relation"] = rel.database.sql + "." + rel.schema.sql + "." + staging.sql;
  ThisRelation this_rel{model.relation.database, model.relation.schema, model.relation.identifier,
                        model.relation.rendered};
  CompiledModel compiled =
      assemble_model(metadata_line(meta), "", src, dbt_context_python(model, this_rel),
                     snowpark_driver_python(settings_json(model, rel, staging, mat, table_type)));

  ProcedureSpec spec;
  spec.name = proc_name;
  spec.python_version = python_version;
  spec.packages = packages(cfg);
  spec.imports = cfg.string_list("imports");
  for (const auto& e : cfg.string_list("external_access_integrations"))
    spec.external_access_integrations.push_back(
        object_name(cfg, "external_access_integrations", e));
  if (const Json* secrets = cfg.object("secrets")) {
    for (auto it = secrets->begin(); it != secrets->end(); ++it) {
      if (!it.value().is_string())
        cfg.fail("DBTPY308", "secrets",
                 "secret '" + it.key() + "' must name a Snowflake secret object (a string)",
                 "write secrets as {alias: SECRET_OBJECT_NAME}");
      spec.secrets.emplace_back(it.key(),
                                object_name(cfg, "secrets", it.value().get<std::string>()));
    }
  }
  spec.body = compiled.text;

  Payload p;
  p.unique_id = model.unique_id;
  p.model_name = model.name;
  p.platform = "snowflake";
  p.method = anonymous ? "anonymous_procedure" : "named_procedure";
  p.materialized = mat.materialized;
  p.relation = model.relation.rendered;
  p.files.push_back({"model.py", compiled.text, "text/x-python"});

  std::string main_statement =
      anonymous ? anonymous_call_statement(spec) : create_procedure_statement(spec);
  p.files.push_back({"procedure.sql", main_statement, "application/sql"});
  if (!anonymous) {
    p.files.push_back({"call.sql", call_statement(proc_name), "application/sql"});
    p.files.push_back(
        {"drop_procedure.sql", drop_procedure_statement(proc_name), "application/sql"});
  }
  if (main_statement.size() > kStatementSizeWarning)
    cfg.warn_model("DBTPY317",
                   "the procedure statement is " + std::to_string(main_statement.size()) +
                       " bytes; Snowflake may reject SQL text larger than 1 MB",
                   "move large constants or helper code out of the model (e.g. into a staged "
                   "file listed in `imports`)");

  p.source_map.push_back(source_map_entry("model.py", compiled.user_first_line,
                                          compiled.user_line_count, model.original_file_path,
                                          "snowflake procedure handler code", -1));

  // The SQL API request common to every statement of this model.
  const std::string base = in.endpoints->snowflake;
  Json common = Json::object();
  std::string warehouse =
      cfg.string("snowflake_warehouse").value_or(cfg.profile_string("warehouse").value_or(""));
  if (!warehouse.empty()) common["warehouse"] = escape_placeholders(stored_or_text(warehouse));
  if (auto role = cfg.profile_string("role"))
    common["role"] = escape_placeholders(stored_or_text(*role));
  // The session context dbt's connection has: the model's database and the profile's schema
  // (the model's own schema may not exist yet; the procedure creates it). Every name the
  // procedure uses is fully qualified.
  common["database"] = escape_placeholders(rel.database.stored());
  if (auto schema = cfg.profile_string("schema"))
    common["schema"] = escape_placeholders(stored_or_text(*schema));
  if (auto timeout = cfg.integer("timeout"); timeout && *timeout > 0) common["timeout"] = *timeout;
  Json tag = {{"app", "dbtpy"},
              {"run_id", std::string(kRunId)},
              {"unique_id", escape_placeholders(model.unique_id)}};
  if (auto user_tag = cfg.string("query_tag")) tag["query_tag"] = escape_placeholders(*user_tag);
  common["parameters"] = {{"query_tag", tag.dump()}};

  auto statement_step = [&](std::string name, std::string description, std::string file,
                            bool with_bindings) {
    RequestStep s;
    s.name = std::move(name);
    s.description = std::move(description);
    s.method = "POST";
    s.url = base + "/api/v2/statements?requestId=" + std::string(kRequestId);
    s.headers = {{"Accept", "application/json"}};
    s.credential = Credential::kSnowflake;
    s.content_type = "application/json";
    Json body = common;
    body["statement"] = file_text_ref(file);
    if (with_bindings)
      body["bindings"] = {{"1", {{"type", "TEXT"}, {"value", std::string(kRunId)}}},
                          {"2", {{"type", "BOOLEAN"}, {"value", std::string(kFullRefresh)}}}};
    s.json_body = body;
    s.follow.kind = "snowflake_statement";
    s.follow.handle = "/statementHandle";
    s.follow.status_url = base + "/api/v2/statements/" + std::string(kHandle);
    s.follow.cancel_url = base + "/api/v2/statements/" + std::string(kHandle) + "/cancel";
    s.idempotency = {"query:requestId", std::string(kRequestId)};
    return s;
  };

  if (anonymous) {
    p.steps.push_back(statement_step(
        "call_procedure",
        "Create and call the anonymous stored procedure that runs and materializes the model",
        "procedure.sql", true));
  } else {
    p.steps.push_back(statement_step("create_procedure",
                                     "Create the named stored procedure " + proc_name,
                                     "procedure.sql", false));
    p.steps.push_back(statement_step(
        "call_procedure", "Call the procedure: runs and materializes the model", "call.sql", true));
    // A cleanup step rather than a Snowflake Scripting block with an EXCEPTION handler: every
    // statement stays a single plain statement (bindings are not allowed in multi-statement
    // requests), the 1 MB body is not nested in a block (Snowflake recommends scripting bodies
    // stay under ~100 KB), and the run ledger lets `dbtpy cancel` replay the drop if the
    // client dies between CREATE and DROP.
    RequestStep drop =
        statement_step("drop_procedure", "Drop the named procedure (runs on every path)",
                       "drop_procedure.sql", false);
    drop.cleanup = true;
    drop.armed_by = "create_procedure";
    p.steps.push_back(std::move(drop));
  }

  p.facts = {{"procedure", proc_name},
             {"statement_bytes", main_statement.size()},
             {"query_tag", common["parameters"]["query_tag"]}};
  if (!warehouse.empty()) p.facts["warehouse"] = stored_or_text(warehouse);
  p.warnings = cfg.warnings();
  return p;
}

}  // namespace dbtpy::codegen::snowflake
