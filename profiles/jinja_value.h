#pragma once
// The Jinja that dbt projects put in YAML values (profiles.yml, dbt_project.yml, properties
// files, static SQL configs), rendered without a Jinja engine: exactly `env_var(name[,
// default])`, `var(name[, default])`, `target.<field>`, literals, `~` concatenation and the
// filters int, float, as_bool, as_number, as_native, as_text, string, lower, upper, trim.
// A value that is one `{{ ... }}` and nothing else keeps the type of its result (as dbt's
// native rendering does: `{{ env_var('X') | int }}` is a number, `{{ var('flag') }}` keeps
// the variable's type); anything embedded in text renders to a string. Every other piece of
// Jinja (`{% ... %}`, unknown functions or filters, arithmetic) is a DBTPY211 error naming the
// file, line and expression. Pure given its context; thread-safe when the context is.
#include <memory>
#include <string>
#include <string_view>

#include "profiles/endpoints.h"
#include "profiles/target.h"
#include "util/json.h"
#include "util/redactor.h"

namespace dbtpy::profiles {

// dbt's prefix for secret environment variables: allowed only in profiles.yml (and
// packages.yml), masked in every output.
inline constexpr std::string_view kSecretEnvPrefix = "DBT_ENV_SECRET_";

struct JinjaValueContext {
  EnvLookup env;                       // process_env() in the CLI; tests inject their own
  const Json* vars = nullptr;          // variables visible here (an object); null: none
  const Target* target = nullptr;      // null: `target` is unavailable (profiles.yml)
  bool allow_secret_env = false;       // DBT_ENV_SECRET_* permitted here (profiles.yml)
  std::shared_ptr<Redactor> redactor;  // receives the values of DBT_ENV_SECRET_* variables
};

// Where a value comes from, for error messages.
struct ValueSite {
  std::string file;  // as shown to the user, e.g. "models/schema.yml"
  int line = 0;      // 1-based
  int column = 0;    // 1-based
  std::string key;   // the YAML key holding the value (may be empty)
};

// True when `text` contains Jinja delimiters ({{, {%, {#); values without them render to
// themselves and need no work.
bool contains_jinja(std::string_view text);

// Renders one string value. Throws dbtpy::Error (ErrorKind::kUsage) with codes DBTPY211-217.
Json render_jinja_value(std::string_view text, const JinjaValueContext& ctx, const ValueSite& site);

// Renders every string inside `value` (objects and arrays recursively).
Json render_jinja_tree(const Json& value, const JinjaValueContext& ctx, const ValueSite& site);

// Python's str() of a JSON value as Jinja prints it: True/False/None, 1.0, ['a'], {'k': 1}.
std::string python_str(const Json& value);

// The `target` object as dbt's Jinja context shows it: name, profile_name, type, threads,
// database, schema and every non-secret field of the output.
Json target_context(const Target& target);

}  // namespace dbtpy::profiles
