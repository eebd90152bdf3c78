#include "codegen/common/materialization.h"

#include "util/strings.h"

namespace dbtpy::codegen {

void Materialization::add_metadata(Json& fields) const {
  fields["materialized"] = materialized;
  if (!incremental()) return;
  fields["incremental_strategy"] = strategy;
  fields["on_schema_change"] = on_schema_change;
  if (!unique_key.empty()) fields["unique_key"] = unique_key;
}

Materialization read_materialization(ConfigReader& config, const StrategyRules& rules) {
  Materialization m;
  m.materialized = config.string("materialized").value_or("table");
  if (m.materialized != "table" && m.materialized != "incremental") {
    config.fail("DBTPY301", "materialized",
                "materialization '" + m.materialized +
                    "' is not available for Python models (set " +
                    config.where_set("materialized") + "); only 'table' and 'incremental' are",
                "set materialized to 'table' or 'incremental', or write this model in SQL");
  }
  if (!m.incremental()) return m;

  std::string strategy(trim(config.string("incremental_strategy").value_or("")));
  if (strategy.empty() || strategy == "default") strategy = rules.default_strategy;
  for (const auto& [name, reason] : rules.rejected) {
    if (strategy == name)
      config.fail("DBTPY306", "incremental_strategy",
                  "incremental_strategy '" + strategy + "' is not supported for Python models on " +
                      std::string(profiles::platform_name(config.target().platform)) + ": " +
                      reason,
                  "use one of " + quoted_list(rules.allowed));
  }
  bool known = false;
  for (const auto& a : rules.allowed)
    known = known || a == strategy;
  if (!known) {
    std::string hint = "use one of " + quoted_list(rules.allowed);
    auto close = closest_names(strategy, rules.allowed, 1);
    if (!close.empty())
      hint = "did you mean '" + close[0] + "'? Allowed: " + quoted_list(rules.allowed);
    config.fail("DBTPY306", "incremental_strategy",
                "'" + strategy + "' is not a valid incremental_strategy for Python models on " +
                    std::string(profiles::platform_name(config.target().platform)) + " (set " +
                    config.where_set("incremental_strategy") + ")",
                hint);
  }
  m.strategy = strategy;
  m.unique_key = config.string_list("unique_key");
  m.merge_update_columns = config.string_list("merge_update_columns");
  m.merge_exclude_columns = config.string_list("merge_exclude_columns");
  if (!m.merge_update_columns.empty() && !m.merge_exclude_columns.empty()) {
    config.fail("DBTPY307", "merge_exclude_columns",
                "merge_update_columns and merge_exclude_columns cannot both be set (" +
                    std::string("merge_update_columns set ") +
                    config.where_set("merge_update_columns") + ", merge_exclude_columns set " +
                    config.where_set("merge_exclude_columns") + ")",
                "keep only one of merge_update_columns and merge_exclude_columns");
  }
  m.predicates = config.has("incremental_predicates") ? config.string_list("incremental_predicates")
                                                      : config.string_list("predicates");
  std::string osc(trim(config.string("on_schema_change").value_or("ignore")));
  static const std::vector<std::string> kOsc = {"ignore", "fail", "append_new_columns",
                                                "sync_all_columns"};
  bool valid = false;
  for (const auto& o : kOsc)
    valid = valid || o == osc;
  if (!valid) {
    // dbt logs and falls back to 'ignore'; we do the same, loudly.
    config.warn("DBTPY315", "on_schema_change",
                "'" + osc + "' is not a valid on_schema_change; using 'ignore' as dbt does",
                "use one of " + quoted_list(kOsc));
    osc = "ignore";
  }
  m.on_schema_change = osc;
  return m;
}

}  // namespace dbtpy::codegen
