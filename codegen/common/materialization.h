#pragma once
// The materialization settings of a Python model, read and validated once for every
// platform: `materialized` (table | incremental, as dbt allows for Python) and, for
// incrementals, the strategy, unique key, merge column lists, predicates and
// on_schema_change with dbt's semantics. Value types; not thread-safe while reading (the
// ConfigReader collects warnings).
#include <string>
#include <vector>

#include "codegen/common/config_reader.h"
#include "util/json.h"

namespace dbtpy::codegen {

struct Materialization {
  std::string materialized;  // "table" | "incremental"
  // Incremental only:
  std::string strategy;                 // validated against the platform's list
  std::vector<std::string> unique_key;  // empty: none; a lone string becomes one element
  std::vector<std::string> merge_update_columns;
  std::vector<std::string> merge_exclude_columns;
  std::vector<std::string> predicates;  // incremental_predicates (or dbt's older `predicates`)
  std::string on_schema_change = "ignore";

  bool incremental() const { return materialized == "incremental"; }
  // The fields added to the generated file's metadata line.
  void add_metadata(Json& fields) const;
};

struct StrategyRules {
  std::vector<std::string> allowed;  // e.g. {"merge", "append", ...}
  std::string default_strategy;      // used for unset and "default"
  // Strategies dbt knows but dbtpy rejects for Python on this platform, with the reason.
  std::vector<std::pair<std::string, std::string>> rejected;
};

Materialization read_materialization(ConfigReader& config, const StrategyRules& rules);

}  // namespace dbtpy::codegen
