#pragma once
// Relation names as dbt's default macros compute them, and their platform rendering.
//   database   = custom `database` config (trimmed) else the target's database
//                (Snowflake `database`, Databricks `catalog`, BigQuery `project`)
//   schema     = <target schema>_<custom schema> (custom trimmed) else the target schema
//                (dbt's default generate_schema_name); snapshots with `target_schema` use it as is
//   identifier = `alias` (trimmed) else <name>_v<version> for versioned models else <name>
// Rendering: Snowflake DB.SCHEMA.ID with each part double-quoted when the quoting policy says
// so (default: none); Databricks `cat`.`sch`.`id` (backticks unless quoting turns a part off);
// BigQuery project.dataset.table, never quoted (dbt's Python resolve_model_name strips the
// backticks). Pure functions; thread-safe.
#include <optional>
#include <string>

#include "compiler/model_ir.h"
#include "profiles/target.h"
#include "util/json.h"

namespace dbtpy::compiler {

struct QuotePolicy {
  bool database = false;
  bool schema = false;
  bool identifier = false;
};

QuotePolicy default_quote_policy(profiles::Platform platform);

// Adapter default, overridden by each quoting mapping in turn (project `quoting:`, then the
// node's `quoting` config or a source's/table's `quoting:`). Null or non-object layers are
// skipped; non-boolean values are ignored.
QuotePolicy quote_policy(profiles::Platform platform, const Json& project_quoting,
                         const Json& layer = Json(), const Json& layer2 = Json());

std::string render_relation(profiles::Platform platform, const std::string& database,
                            const std::string& schema, const std::string& identifier,
                            const QuotePolicy& quoting);

// dbt's default generate_schema_name / generate_database_name / generate_alias_name.
std::string default_schema_name(const profiles::Target& target, const Json& custom_schema);
std::string default_database_name(const profiles::Target& target, const Json& custom_database);
std::string default_alias_name(const std::string& name, const std::optional<std::string>& version,
                               const Json& custom_alias);

// The relation of a model or seed from its resolved config values.
Relation model_relation(const profiles::Target& target, const Json& project_quoting,
                        const Json& config, const std::string& name,
                        const std::optional<std::string>& version);

// A snapshot: `target_schema`/`target_database` verbatim when set (dbt's legacy configs),
// otherwise as a model.
Relation snapshot_relation(const profiles::Target& target, const Json& project_quoting,
                           const Json& config, const std::string& name);

// model_relation / snapshot_relation for the many nodes of one load: the target's defaults
// and the project's quoting are looked up once, not per node (the per-node string copies and
// lookups showed in the loader's profile). Same results as the functions above, which use it.
// Immutable once built: thread-safe.
class RelationNamer {
 public:
  RelationNamer(const profiles::Target& target, const Json& project_quoting);
  Relation model(const Json& config, const std::string& name,
                 const std::optional<std::string>& version) const;
  Relation snapshot(const Json& config, const std::string& name) const;

 private:
  // The three parts without the rendering; `snapshot` also applies target_schema/_database.
  Relation parts(const Json& config, const std::string& name,
                 const std::optional<std::string>& version, bool snapshot) const;

  profiles::Platform platform_;
  std::string database_;       // trimmed default database
  std::string schema_;         // trimmed default schema
  std::string schema_prefix_;  // the default schema and '_', as a custom schema extends it
  QuotePolicy quoting_;        // adapter default and the project's `quoting:`
};

// Fills `rendered` from the three parts.
void render_into(Relation& relation, profiles::Platform platform, const QuotePolicy& quoting);

}  // namespace dbtpy::compiler
